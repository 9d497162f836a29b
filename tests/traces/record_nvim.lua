-- Records an edit trace in a real headless Neovim 0.12 with the provenance
-- plugin and the real server: a scripted session of typing, pastes, puts,
-- accepted inline completions (from tests/nvim/stub_inline_server.py),
-- undo/redo, `:s`, `J`, `.`, reindent, a snippet, auto-pairs and moves.
-- Every notification the server gets (didOpen, didChange, editSource) is
-- written to $TRACE_OUT as one JSON line tagged with the step that caused it
-- and the step's kind (tests/traces/README.md). Run by tests/traces/record.sh.
local repo = vim.env.REPO
package.path = repo .. '/tests/nvim/?.lua;' .. package.path
local H = require('harness')
local api = vim.api
local SERVER = assert(vim.env.PROVENANCE_LS, 'PROVENANCE_LS is not set')
local STUB = repo .. '/tests/nvim/stub_inline_server.py'
local OUT = assert(vim.env.TRACE_OUT, 'TRACE_OUT is not set')
local SESSION = assert(vim.env.TRACE_SESSION, 'TRACE_SESSION is not set')

vim.cmd('filetype plugin indent on')
vim.o.swapfile = false
vim.o.shortmess = vim.o.shortmess .. 'F'
vim.o.report = 10000
vim.o.expandtab = true
vim.o.shiftwidth = 4
vim.o.autoindent = true
vim.notify = function() end
-- Keep `o` and Enter from continuing comments, so each step does what it says.
vim.api.nvim_create_autocmd('FileType', {
  callback = function()
    vim.opt_local.formatoptions:remove({ 'o', 'r' })
  end,
})

local provenance = require('provenance')
provenance.setup({ cmd = { SERVER } })
vim.keymap.set('i', '<Tab>', function()
  if not provenance.accept_inline_completion() then
    return '<Tab>'
  end
end, { expr = true })
-- What an auto-pairs plugin does (as nvim-autopairs): the closing bracket
-- comes with the opening one, typing it over an inserted one steps over it,
-- and <C-g>U keeps the insertion one undo step.
local function next_char()
  local col = vim.fn.col('.')
  return vim.fn.getline('.'):sub(col, col)
end
for open, close in pairs({ ['('] = ')', ['['] = ']', ['{'] = '}', ['"'] = '"' }) do
  vim.keymap.set('i', open, function()
    if open == close and next_char() == close then
      return '<C-g>U<Right>'
    end
    return open .. close .. '<C-g>U<Left>'
  end, { expr = true })
  if open ~= close then
    vim.keymap.set('i', close, function()
      return next_char() == close and '<C-g>U<Right>' or close
    end, { expr = true })
  end
end

local out = assert(io.open(OUT, 'w'))
local step, kind, what = 0, 'open', 'open the file'
local last_note = vim.uv.now()

local function log(method, params)
  if method == 'textDocument/didOpen' or method == 'textDocument/didChange' or method == 'provenance/editSource' then
    out:write(vim.json.encode({ step = step, kind = kind, what = what, method = method, params = params }) .. '\n')
    out:flush()
    last_note = vim.uv.now()
  end
end

--- Runs {fn} as step {k} ({w} says what it is) and waits until Neovim has
--- sent what it made and gone quiet.
local function act(k, w, fn)
  step, kind, what = step + 1, k, w
  fn()
  H.sleep(60)
  H.wait_for('quiet', function()
    return vim.uv.now() - last_note > 350
  end, 10000)
end

local function keys(k, w, typed)
  act(k, w, function()
    H.type(typed)
  end)
end

local stub_file = vim.fn.tempname()
-- The stub reads it at every request, typing included: it must exist.
H.write(stub_file, 'x')
local function completion(w, before_keys, text)
  H.write(stub_file, text)
  -- open the line (typed), then accept the suggestion (completion)
  -- Suggestions only where the session accepts one: Neovim 0.12 fails to
  -- show a stale suggestion after some edits (col out of range).
  local bufnr = api.nvim_get_current_buf()
  vim.lsp.inline_completion.enable(true, { bufnr = bufnr })
  keys('typed', 'open a line for the completion', before_keys)
  local ghost = api.nvim_create_namespace('nvim.lsp.inline_completion')
  local shown = pcall(H.wait_for, 'the inline completion to show', function()
    return #api.nvim_buf_get_extmarks(bufnr, ghost, 0, -1, {}) > 0
  end, 8000)
  if not shown then
    error(('no inline completion: mode %s, cursor %s, buffer:\n%s'):format(
      api.nvim_get_mode().mode,
      vim.inspect(api.nvim_win_get_cursor(0)),
      table.concat(api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
    ))
  end
  keys('completion', w, '<Tab>')
  keys('typed', 'leave insert mode', '<Esc>')
  vim.lsp.inline_completion.enable(false, { bufnr = bufnr })
end

local function put_block(k, w, lines, regtype, put)
  vim.fn.setreg('"', lines, regtype)
  keys(k, w, put)
end

local sessions = {}

sessions.rust = function()
  keys('typed', 'type a function', 'Gofn add(a: u32, b: u32) -> u32 {<CR>a + b<CR>}<Esc>')
  completion('3-line completion of 59 chars', 'o<CR>', 'fn sub(a: u32, b: u32) -> u32 {\n    a.saturating_sub(b)\n}')
  keys('typed', 'type _new inside the completion', '?fn sub<CR>wea_new<Esc>')
  keys('typed', 'type values inside the completion', 'jA // values<Esc>')
  keys('undo', 'undo the comment', 'u')
  keys('redo', 'redo the comment', '<C-r>')
  completion('one-line completion', 'Go<CR>', 'const LIMIT: u32 = 100;')
  keys('typed', 'type at the end of the completion line', 'A // tweaked<Esc>')
  completion('5-line completion', 'o<CR>', 'fn clamp(x: u32) -> u32 {\n    if x > LIMIT {\n        return LIMIT;\n    }\n    x\n}')
  put_block('pasted', 'put a block inside the last line of the completion (charwise p)', { 'x + ', '    0 + ' }, 'c', '?^    x$<CR>^P')
  keys('undo', 'undo the put', 'u')
  keys('redo', 'redo the put', '<C-r>')
  keys('undo', 'undo the put again', 'u')
  act('pasted', 'paste a block with vim.paste', function()
    H.type('Go')
    vim.paste({ '', 'fn pasted_helper() -> bool {', '    true', '}' }, -1)
    H.type('<Esc>')
  end)
  keys('substitute', ':s on one line', ':%s/pasted_helper/helper/<CR>')
  keys('substitute', ':s on every line', ':%s/u32/u64/g<CR>')
  keys('undo', 'undo :s', 'u')
  keys('typed', 'type two lines to join', 'Golet total = 1<CR>+ 2;<Esc>')
  keys('join', 'J', 'kJ')
  keys('typed', 'type a word', 'Go// done<Esc>')
  keys('repeat', '. repeats the insertion', '.')
  keys('reindent', 'reindent the whole file', 'gg=G')
  keys('typed', 'type a call with auto-paired brackets', 'Golet v = vec[1, 2];<Esc>')
  keys('typed', 'type a call with auto-paired parens', 'Goprintln("{}", add(1, 2));<Esc>')
  act('snippet', 'expand a snippet', function()
    H.type('Go')
    vim.snippet.expand('fn ${1:name}() {\n\t$0\n}')
    H.type('<Esc>')
  end)
  completion('2-line completion', 'Go<CR>', 'let doubled = add(2, 2);\nlet tripled = add(doubled, 2);')
  keys('delete', 'dd a completion line', '?fn clamp<CR>dd')
  keys('move', 'p it below', 'jp')
  keys('delete', 'delete a word', 'gg0dw')
  keys('undo', 'undo the word deletion', 'u')
  keys('typed', 'o with auto-indent inside a function', '?a + b<CR>olet c = a;<Esc>')
  completion('4-line completion', 'Go<CR>', 'impl Default for Point {\n    fn default() -> Self {\n        Point { x: 0, y: 0 } }\n}')
  keys('typed', 'type inside the impl', '?Point {<CR>f{a z: 0,<Esc>')
  keys('undo', 'undo typing inside', 'u')
  put_block('pasted', 'linewise p of two lines', { 'struct Point {', '    x: i32, y: i32 }' }, 'l', 'Gp')
  keys('typed', 'x deletes a char', 'gg$x')
  keys('typed', 'cw changes a word', 'ggwcwplus<Esc>')
  keys('repeat', '. repeats cw', 'w.')
end

sessions.python = function()
  keys('typed', 'type a function', 'Godef area(w, h):<CR>return w * h<Esc>')
  completion('3-line completion', 'o<CR><BS>', 'def perimeter(w, h):\n    total = 2 * (w + h)\n    return total')
  keys('typed', 'type inside the completion', '?total =<CR>ea_len<Esc>')
  keys('typed', 'o below and type', 'oprint(total_len)<Esc>')
  keys('undo', 'undo print', 'u')
  completion('6-line completion', 'Go<CR><BS>', 'class Box:\n    def __init__(self, w, h):\n        self.w = w\n        self.h = h\n\n    def area(self):\n        return area(self.w, self.h)')
  put_block('pasted', 'charwise P of two lines inside the completion', { 'self.w + ', 'self.h * ' }, 'c', '?return area<CR>wP')
  keys('undo', 'undo the put', 'u')
  keys('typed', 'type a short dict with auto-pairs', 'Gosizes = {"a": 1}<Esc>')
  keys('substitute', ':s renames', ':%s/area/surface/g<CR>')
  keys('join', 'J joins', 'ggJ')
  keys('undo', 'undo J', 'u')
  completion('2-line completion', 'Go<CR><BS>', 'if __name__ == "__main__":\n    print(surface(2, 3))')
  keys('typed', 'type at the end of the completion', 'A  # check<Esc>')
  keys('delete', 'delete the class line', '?class Box<CR>dd')
  keys('undo', 'undo it', 'u')
  keys('reindent', '>> indents a line', 'gg>>')
  keys('undo', 'undo the indent', 'u')
  act('pasted', 'paste with vim.paste', function()
    H.type('Go')
    vim.paste({ 'def helper():', '    pass' }, -1)
    H.type('<Esc>')
  end)
  keys('typed', 'type a comment', 'O# helper<Esc>')
  keys('repeat', '. repeats it', 'j.')
end

sessions.go = function()
  keys('typed', 'type a function', 'Gofunc Add(a, b int) int {<CR>return a + b<CR>}<Esc>')
  completion('4-line completion', 'o<CR>', 'func Sub(a, b int) int {\n\tif a < b {\n\t\treturn 0\n\t}\n\treturn a - b\n}')
  keys('typed', 'cw inside the completion', '?Sub<CR>cwMinus<Esc>')
  keys('repeat', '. on the next word', 'ww.')
  keys('undo', 'undo the repeat', 'u')
  keys('reindent', '3>> indents three lines', 'gg3>>')
  keys('undo', 'undo the indent', 'u')
  keys('typed', 'visual block insert of comment leaders', 'gg<C-v>jjI// <Esc>')
  keys('undo', 'undo the block insert', 'u')
  keys('typed', 'xp swaps two chars', 'gg0xp')
  keys('delete', 'dd a human line', 'Gkdd')
  keys('pasted', 'p puts it back below (a move of human text)', 'p')
  keys('pasted', 'yyp duplicates a line', 'yyp')
  keys('typed', 'A; on a line', 'A;<Esc>')
  keys('repeat', '. on the line below', 'j.')
  completion('2-line completion', 'Go<CR>', 'var total = Add(1, 2)\nvar diff = Minus(3, 1)')
  keys('typed', 'type inside the completion', '?total<CR>ea2<Esc>')
  keys('delete', 'delete what was typed', 'x')
  completion('one-line completion', 'Go', 'const Limit = 10')
  keys('typed', 'o and type a long line', 'ovar message = "a long line typed by hand, one key at a time, like any other line"<Esc>')
  keys('substitute', ':g deletes blank lines', ':g/^$/d<CR>')
  keys('undo', 'undo :g', 'u')
  completion('3-line completion', 'Go<CR>', 'func Max(a, b int) int {\n\treturn map[bool]int{true: a, false: b}[a > b]\n}')
  put_block('pasted', 'P of a block inside the last line of the completion', { 'x := 1', 'y := 2', '' }, 'c', '?^}<CR>P')
  keys('undo', 'undo the put', 'u')
  keys('redo', 'redo the put', '<C-r>')
end

local FILES = {
  go = { 'main.go', 'package main\n\nfunc main() {\n}\n' },
  rust = { 'src/lib.rs', 'pub fn answer() -> u32 {\n    41\n}\n' },
  python = { 'app.py', 'import math\n\n\ndef root(x):\n    return math.sqrt(x)\n' },
}

local co = coroutine.create(function()
  local ok, err = xpcall(function()
    local file = FILES[SESSION]
    local root = H.repo({ [file[1]] = file[2] })
    vim.cmd.edit(vim.fn.fnameescape(root .. '/' .. file[1]))
    local bufnr = api.nvim_get_current_buf()
    vim.lsp.start({
      name = 'stub-ai',
      cmd = { vim.env.PYTHON or 'python3', STUB },
      cmd_env = { STUB_COMPLETION_FILE = stub_file },
      root_dir = root,
    }, { bufnr = bufnr, reuse_client = function() return false end })
    local client = H.wait_for('provenance-ls to attach', function()
      return vim.lsp.get_clients({ bufnr = bufnr, name = 'provenance' })[1]
    end, 15000)
    H.wait_for('the stub', function()
      return vim.lsp.get_clients({ bufnr = bufnr, name = 'stub-ai' })[1]
    end, 10000)
    -- the didOpen has been sent already: record the buffer as it was opened
    log('textDocument/didOpen', {
      path = file[1],
      positionEncoding = client.offset_encoding,
      textDocument = {
        uri = vim.uri_from_bufnr(bufnr),
        languageId = vim.bo[bufnr].filetype,
        version = 0,
        text = file[2],
      },
    })
    H.wait_for('version 0', function()
      return vim.lsp.util.buf_versions[bufnr] == 0
    end)
    local notify = client.rpc.notify
    client.rpc.notify = function(method, params)
      log(method, params)
      return notify(method, params)
    end
    sessions[SESSION]()
    out:close()
    io.stderr:write(('recorded %d steps into %s\n'):format(step, OUT))
  end, debug.traceback)
  if not ok then
    io.stderr:write('recording failed: ' .. tostring(err) .. '\n')
    vim.cmd('cquit 1')
  end
  vim.cmd('qall!')
end)
H._set_current(co)
vim.schedule(function()
  coroutine.resume(co)
end)
