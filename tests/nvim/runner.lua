-- The Neovim plugin's tests, run by tests/nvim/run.sh in a real headless
-- Neovim with editors/nvim on the runtimepath, against the real provenance-ls
-- (PROVENANCE_LS) in git repositories each test makes with the git CLI.
local here = vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2))
package.path = here .. '/?.lua;' .. package.path
local H = require('harness')

local api = vim.api
local SERVER = assert(vim.env.PROVENANCE_LS, 'PROVENANCE_LS is not set')
local STUB = here .. '/stub_inline_server.py'
local PYTHON = vim.env.PYTHON or 'python3'

vim.opt.runtimepath:append(here .. '/fixtures/copilot')
vim.cmd('filetype on')
vim.o.showmode = false
vim.o.report = 10000
vim.o.swapfile = false
vim.o.shortmess = vim.o.shortmess .. 'F'
-- Notifications would interleave with the results on stderr; keep them.
local notifications = {}
vim.notify = function(msg, level)
  notifications[#notifications + 1] = { msg = msg, level = level }
end

-- As a user would: the documented setup, plus the documented accept mapping.
local provenance = require('provenance')
provenance.setup({ cmd = { SERVER } })
vim.keymap.set('i', '<Tab>', function()
  if not provenance.accept_inline_completion() then
    return '<Tab>'
  end
end, { expr = true })

local paint = require('provenance.paint')
local NS = paint.ns

local LIB_RS = table.concat({
  'pub fn answer() -> u32 {',
  '    41',
  '}',
  '',
}, '\n')

--- Opens {path} in {root} and waits for provenance-ls to attach.
---@return integer bufnr, vim.lsp.Client
local function open(root, path)
  vim.cmd.edit(vim.fn.fnameescape(root .. '/' .. path))
  local bufnr = api.nvim_get_current_buf()
  local client = H.wait_for('provenance-ls to attach', function()
    return vim.lsp.get_clients({ bufnr = bufnr, name = 'provenance' })[1]
  end, 15000)
  return bufnr, client
end

--- Opens src/lib.rs (LIB_RS) in a fresh repository.
---@return integer bufnr, vim.lsp.Client, string root
local function open_fresh_lib()
  local root = H.repo({ ['src/lib.rs'] = LIB_RS })
  local bufnr, client = open(root, 'src/lib.rs')
  return bufnr, client, root
end

local function regions(client, bufnr)
  local result, err = H.request(client, 'provenance/regions', {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
  }, bufnr)
  assert(not err, vim.inspect(err))
  return result.regions
end

--- The 0-based row of the first line of {bufnr} containing {text}.
local function row_of(bufnr, text)
  for i, line in ipairs(api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    if line:find(text, 1, true) then
      return i - 1
    end
  end
  error(('no line contains %q'):format(text), 2)
end

local function covers(region, first_row, last_row)
  local s, e = region.range.start, region.range['end']
  local end_row = (e.character == 0 and e.line > s.line) and e.line - 1 or e.line
  return s.line <= first_row and end_row >= last_row
end

--- Waits until the server has a region matching {want} covering rows
--- {first_row}..{last_row}, and returns it.
local function wait_region(client, bufnr, want, first_row, last_row)
  local seen
  local ok, found = pcall(H.wait_for, 'a region', function()
    seen = regions(client, bufnr)
    for _, region in ipairs(seen) do
      local matches = covers(region, first_row, last_row)
      for k, v in pairs(want) do
        matches = matches and region[k] == v
      end
      if matches then
        return region
      end
    end
  end, 8000)
  if not ok then
    error(
      ('no region %s over rows %d-%d; server has %s; buffer:\n%s'):format(
        vim.inspect(want),
        first_row,
        last_row,
        vim.inspect(seen),
        table.concat(api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
      ),
      2
    )
  end
  return found
end

--- Pastes a function at the end of {bufnr} and returns its first row once
--- the server has made it a pasted region.
local function paste_function(client, bufnr)
  H.type('Go')
  vim.paste({ 'pub fn pasted() -> u32 {', '    7', '}' }, -1)
  H.type('<Esc>')
  local first = row_of(bufnr, 'pub fn pasted()')
  wait_region(client, bufnr, { source = 'pasted' }, first, first + 2)
  return first
end

local function extmarks(bufnr)
  return api.nvim_buf_get_extmarks(bufnr, NS, 0, -1, { details = true })
end

--- The highlight extmarks (not signs or labels) painted over row {row}.
local function highlights_at(bufnr, row)
  local found = {}
  for _, mark in ipairs(extmarks(bufnr)) do
    local start_row, details = mark[2], mark[4]
    if details.hl_group and start_row <= row and (details.end_row or start_row) >= row then
      found[#found + 1] = details.hl_group
    end
  end
  return found
end

local function signs_at(bufnr, row)
  local found = {}
  for _, mark in ipairs(extmarks(bufnr)) do
    if mark[2] == row and mark[4].sign_text then
      found[#found + 1] = mark[4].sign_hl_group
    end
  end
  return found
end

local STUB_TEXT = 'fn suggested() -> u32 {\n    42\n}'

--- Accepts the stub's inline completion of {text} (default STUB_TEXT) on a
--- new last line of {bufnr}; returns the completion region the server made
--- and its first row.
local function accept_stub_completion(root, bufnr, client, text)
  text = text or STUB_TEXT
  vim.lsp.start({
    name = 'stub-ai',
    cmd = { PYTHON, STUB },
    cmd_env = { STUB_COMPLETION = text },
    root_dir = root,
  }, { bufnr = bufnr, reuse_client = function() return false end })
  H.wait_for('the stub completion server', function()
    return vim.lsp.get_clients({ bufnr = bufnr, name = 'stub-ai' })[1]
  end, 10000)
  vim.lsp.inline_completion.enable(true, { bufnr = bufnr })
  local ghost = api.nvim_create_namespace('nvim.lsp.inline_completion')
  local lines = vim.split(text, '\n')
  H.type('Go')
  H.wait_for('the inline completion to show', function()
    return #api.nvim_buf_get_extmarks(bufnr, ghost, 0, -1, {}) > 0
  end)
  H.type('<Tab>')
  H.wait_for('the completion to be inserted', function()
    return vim.deep_equal(api.nvim_buf_get_lines(bufnr, -#lines - 1, -1, false), lines)
  end)
  H.type('<Esc>')
  local first = api.nvim_buf_line_count(bufnr) - #lines
  local region = wait_region(client, bufnr, { source = 'completion', agent = 'stub-ai' }, first, first + #lines - 1)
  return region, first
end

H.test('attaches to a file in a git repository, rooted at the repository', function()
  local root = H.repo({ ['src/lib.rs'] = LIB_RS })
  local _, client = open(root, 'src/lib.rs')
  H.eq(root, client.root_dir, 'root_dir')
end)

H.test('does not attach outside a git repository', function()
  local dir = vim.fn.tempname() .. '-plain'
  H.write(dir .. '/lib.rs', LIB_RS)
  vim.cmd.edit(vim.fn.fnameescape(dir .. '/lib.rs'))
  H.sleep(300)
  H.eq(0, #vim.lsp.get_clients({ bufnr = 0, name = 'provenance' }), 'clients')
end)

H.test('vim.paste makes a pasted region', function()
  local bufnr, client = open_fresh_lib()
  paste_function(client, bufnr)
end)

H.test('a streamed paste (phases 1, 2, 3) makes pasted regions over all of it', function()
  local bufnr, client = open_fresh_lib()
  H.type('Go')
  vim.paste({ 'pub fn streamed() -> u32 {', '' }, 1)
  vim.paste({ '    let chunk = 2;', '' }, 2)
  vim.paste({ '    chunk', '}' }, 3)
  H.type('<Esc>')
  local first = row_of(bufnr, 'pub fn streamed()')
  for row = first, first + 3 do
    wait_region(client, bufnr, { source = 'pasted' }, row, row)
  end
end)

H.test('a put from a register (p) makes a pasted region', function()
  local bufnr, client = open_fresh_lib()
  vim.fn.setreg('a', { 'pub fn put() -> u32 {', '    3', '}' }, 'l')
  api.nvim_win_set_cursor(0, { 3, 0 })
  H.type('"ap')
  local first = row_of(bufnr, 'pub fn put()')
  H.eq(3, first, 'row of the put text')
  wait_region(client, bufnr, { source = 'pasted' }, first, first + 2)
end)

H.test('a put over a Visual selection, with a count, makes a pasted region', function()
  local bufnr, client = open_fresh_lib()
  vim.fn.setreg('b', { '    let put_twice = 5;' }, 'l')
  api.nvim_win_set_cursor(0, { 2, 0 })
  H.type('V"b2p')
  H.eq({
    'pub fn answer() -> u32 {',
    '    let put_twice = 5;',
    '    let put_twice = 5;',
    '}',
  }, api.nvim_buf_get_lines(bufnr, 0, -1, false), 'buffer after the put')
  wait_region(client, bufnr, { source = 'pasted' }, 1, 2)
end)

H.test('typing right after a put that changed nothing is not tagged', function()
  local bufnr, client = open_fresh_lib()
  vim.fn.setreg('c', {}, 'l')
  local echoed = {}
  local echo = api.nvim_echo
  api.nvim_echo = function(chunks)
    echoed[#echoed + 1] = chunks[1][1]
  end
  local ok, err = pcall(H.type, '"cpGofn typed() {}<Esc>')
  api.nvim_echo = echo
  assert(ok, err)
  H.eq({ 'E353: Nothing in register c' }, echoed, 'error shown as Neovim shows it')
  H.eq('fn typed() {}', api.nvim_buf_get_lines(bufnr, -2, -1, false)[1], 'typed line')
  H.sleep(300)
  H.eq({}, regions(client, bufnr), 'regions')
end)

H.test('accepting an inline completion makes a completion region named after its client', function()
  local bufnr, client, root = open_fresh_lib()
  accept_stub_completion(root, bufnr, client)
end)

H.test('a highlight covers exactly the inserted text, multibyte characters included', function()
  local bufnr, client, root = open_fresh_lib()
  local text = 'let s = "h\u{e9}llo \u{2014} \u{1F44B}";'
  text = text:gsub('\\u{(%x+)}', function(hex)
    return vim.fn.nr2char(tonumber(hex, 16))
  end)
  local region, row = accept_stub_completion(root, bufnr, client, text)
  H.eq({ line = row, character = 0 }, region.range.start, 'region start')
  H.wait_for('the highlight', function()
    return #highlights_at(bufnr, row) > 0
  end)
  for _, mark in ipairs(extmarks(bufnr)) do
    if mark[4].hl_group == 'ProvenanceAI' then
      H.eq({ row, 0, row, #text }, { mark[2], mark[3], mark[4].end_row, mark[4].end_col }, 'highlight')
    end
  end
end)

H.test('AI regions are painted with signs and ProvenanceAI, and follow edits', function()
  local bufnr, client, root = open_fresh_lib()
  local _, first = accept_stub_completion(root, bufnr, client)
  H.wait_for('ProvenanceAI over the completion', function()
    return vim.tbl_contains(highlights_at(bufnr, first + 1), 'ProvenanceAI')
  end)
  for row = first, first + 2 do
    H.eq({ 'ProvenanceAISign' }, signs_at(bufnr, row), 'signs on row ' .. row)
  end
  H.eq({}, signs_at(bufnr, 0), 'signs on the committed first line')

  -- Two lines typed above: the marks move with the text at once, and stay
  -- there once the server has shifted its regions too.
  H.type('ggOone<CR>two<Esc>')
  H.eq({ 'ProvenanceAISign' }, signs_at(bufnr, first + 2), 'sign moved with the text')
  wait_region(client, bufnr, { source = 'completion' }, first + 2, first + 4)
  H.sleep(400)
  for row = first + 2, first + 4 do
    H.eq({ 'ProvenanceAISign' }, signs_at(bufnr, row), 'signs on row ' .. row .. ' after the edit')
  end
  H.ok(vim.tbl_contains(highlights_at(bufnr, first + 3), 'ProvenanceAI'), 'highlight moved')
  H.eq({}, signs_at(bufnr, first), 'no sign left behind')
end)

H.test('text typed inside a completion is not highlighted: the spans are', function()
  local bufnr, client, root = open_fresh_lib()
  local _, first = accept_stub_completion(root, bufnr, client)
  -- "    42" becomes "    4002": the 00 is typed
  api.nvim_win_set_cursor(0, { first + 2, 5 })
  H.type('i00<Esc>')
  H.wait_for('a completion region of two spans', function()
    for _, region in ipairs(regions(client, bufnr)) do
      if region.source == 'completion' and #(region.spans or {}) == 2 then
        return region
      end
    end
  end, 8000)
  --- Whether a ProvenanceAI highlight covers column {col} of the edited row.
  local function painted(col)
    for _, mark in ipairs(extmarks(bufnr)) do
      local row, start_col, d = mark[2], mark[3], mark[4]
      if d.hl_group == 'ProvenanceAI' and d.end_row then
        local covers = (row < first + 1 or (row == first + 1 and start_col <= col))
          and (d.end_row > first + 1 or (d.end_row == first + 1 and d.end_col > col))
        if covers then
          return 'yes'
        end
      end
    end
    return 'no'
  end
  H.wait_for('the repaint', function()
    return painted(5) == 'no'
  end)
  H.eq('yes', painted(4), 'the 4 the completion put there')
  H.eq('no', painted(5), 'the typed 0')
  H.eq('no', painted(6), 'the typed 0')
  H.eq('yes', painted(7), 'the 2 the completion put there')
end)

H.test('pasted regions get a quiet sign and no highlight', function()
  local bufnr, client = open_fresh_lib()
  local first = paste_function(client, bufnr)
  H.wait_for('the pasted sign', function()
    return vim.tbl_contains(signs_at(bufnr, first), 'ProvenanceOtherSign')
  end)
  H.eq({}, highlights_at(bufnr, first + 1), 'highlights over pasted text')
end)

H.test(':ProvenanceReview marks the region under the cursor reviewed', function()
  local bufnr, client, root = open_fresh_lib()
  local _, first = accept_stub_completion(root, bufnr, client)
  api.nvim_win_set_cursor(0, { first + 2, 0 })
  vim.cmd('ProvenanceReview')
  wait_region(client, bufnr, { source = 'completion', reviewed = true }, first, first + 2)
  H.eq('provenance: 1 region marked as reviewed', notifications[#notifications].msg, 'notification')
  H.wait_for('ProvenanceAIReviewed over the reviewed code', function()
    return vim.tbl_contains(highlights_at(bufnr, first + 1), 'ProvenanceAIReviewed')
  end)
  H.eq({ 'ProvenanceAIReviewedSign' }, signs_at(bufnr, first), 'sign of the reviewed region')
end)

H.test(':ProvenanceToggle hides and shows the decorations', function()
  local bufnr, client, root = open_fresh_lib()
  local _, first = accept_stub_completion(root, bufnr, client)
  H.wait_for('the decorations', function()
    return #signs_at(bufnr, first) > 0
  end)
  vim.cmd('ProvenanceToggle')
  H.eq({}, extmarks(bufnr), 'extmarks while hidden')
  vim.cmd('ProvenanceToggle')
  H.ok(#signs_at(bufnr, first) > 0, 'signs are back')
end)

H.test('hover over a region says where it came from', function()
  local bufnr, client, root = open_fresh_lib()
  local _, first = accept_stub_completion(root, bufnr, client)
  api.nvim_win_set_cursor(0, { first + 2, 4 })
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  local hover = H.request(client, 'textDocument/hover', params, bufnr)
  H.ok(hover and hover.contents, 'a hover')
  local text = table.concat(vim.lsp.util.convert_input_to_markdown_lines(hover.contents), '\n')
  H.ok(text:find('completion', 1, true) and text:find('stub-ai', 1, true), 'hover text:\n' .. text)
end)

H.test('hover and :ProvenanceHistory show the churn history of a block', function()
  local root = H.repo({ ['src/lib.rs'] = LIB_RS })
  H.write(root .. '/src/lib.rs', LIB_RS:gsub('41', '42'))
  H.git(root, { 'commit', '-q', '-am', 'Make the answer 42' })
  H.write(root .. '/src/lib.rs', LIB_RS:gsub('41', '43'))
  H.git(root, { 'commit', '-q', '-am', 'Make the answer 43' })
  local bufnr, client = open(root, 'src/lib.rs')
  api.nvim_win_set_cursor(0, { 2, 4 })
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  local hover = H.wait_for('a hover', function()
    local result = H.request(client, 'textDocument/hover', params, bufnr)
    return result and result.contents and result
  end)
  local text = table.concat(vim.lsp.util.convert_input_to_markdown_lines(hover.contents), '\n')
  H.ok(text:find('Make the answer 43', 1, true), 'hover names the last commit:\n' .. text)

  local co = coroutine.running()
  local shown
  provenance.history({
    done = function(lines)
      shown = lines
      vim.schedule(function()
        coroutine.resume(co)
      end)
    end,
  })
  coroutine.yield()
  H.ok(table.concat(shown, '\n'):find('Make the answer 43', 1, true), 'history float:\n' .. table.concat(shown, '\n'))
  local float
  for _, win in ipairs(api.nvim_list_wins()) do
    if api.nvim_win_get_config(win).relative ~= '' then
      float = win
    end
  end
  H.ok(float, 'a floating window')
  api.nvim_win_close(float, true)
end)

H.test('running a history code lens shows the history in a float', function()
  local root = H.repo({ ['src/lib.rs'] = LIB_RS })
  H.write(root .. '/src/lib.rs', (LIB_RS:gsub('41', '42')))
  H.git(root, { 'commit', '-q', '-am', 'Make the answer 42' })
  local bufnr, client = open(root, 'src/lib.rs')
  local lenses = H.wait_for('code lenses', function()
    local result = H.request(client, 'textDocument/codeLens', {
      textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    }, bufnr)
    return type(result) == 'table' and #result > 0 and result
  end)
  local lens = lenses[1]
  if not lens.command then
    lens = H.request(client, 'codeLens/resolve', lens, bufnr)
  end
  H.eq('provenance.showHistory', lens.command.command, 'command of the lens')
  client:exec_cmd(lens.command, { bufnr = bufnr })
  local float = H.wait_for('the history float', function()
    for _, win in ipairs(api.nvim_list_wins()) do
      if api.nvim_win_get_config(win).relative ~= '' then
        return win
      end
    end
  end)
  local text = table.concat(api.nvim_buf_get_lines(api.nvim_win_get_buf(float), 0, -1, false), '\n')
  H.ok(text:find('Make the answer 42', 1, true), 'float text:\n' .. text)
  api.nvim_win_close(float, true)
end)

H.test('codelens = true shows the history lenses in the buffer', function()
  provenance.setup({ cmd = { SERVER }, codelens = true })
  local ok, err = pcall(function()
    local bufnr = open_fresh_lib()
    H.wait_for('code lenses in the buffer', function()
      return #vim.lsp.codelens.get(bufnr) > 0
    end)
  end)
  provenance.setup({ cmd = { SERVER } })
  assert(ok, err)
end)

H.test('copilot.lua accepts make completion regions with agent copilot', function()
  local bufnr, client = open_fresh_lib()
  H.type('Go')
  require('copilot.suggestion').accept()
  H.wait_for('the copilot.lua text', function()
    return api.nvim_buf_get_lines(bufnr, -2, -1, false)[1] == 'let from_copilot_lua = 1;'
  end)
  H.type('<Esc>')
  local row = row_of(bufnr, 'from_copilot_lua')
  local region = wait_region(client, bufnr, { source = 'completion', agent = 'copilot' }, row, row)
  H.eq(0, region.range.start.character, 'start of the completion region')
  H.eq(#'let from_copilot_lua = 1;', region.range['end'].character, 'end of the completion region')
end)

H.test('copilot.vim accepts make completion regions with agent copilot', function()
  local bufnr, client = open_fresh_lib()
  vim.fn['copilot#GetDisplayedSuggestion']() -- loads the autoload script, as copilot.vim does at startup
  vim.cmd([[imap <silent><script><expr> <C-J> copilot#Accept("\<CR>")]])
  -- Typed straight after the accept, in the same typeahead: must stay untagged.
  H.type('Go<C-J> // typed<Esc>')
  H.eq(1, vim.g.provenance_copilot_vim_wrapped, 'copilot.vim wrapped on InsertEnter')
  local row = row_of(bufnr, 'from_copilot_vim')
  H.eq('let from_copilot_vim = 2; // typed', api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1], 'line')
  local region = wait_region(client, bufnr, { source = 'completion', agent = 'copilot' }, row, row)
  H.eq(#'let from_copilot_vim = 2;', region.range['end'].character, 'end of the completion region')
end)

H.test(':checkhealth provenance reports OK', function()
  local root = H.repo({ ['src/lib.rs'] = LIB_RS })
  open(root, 'src/lib.rs')
  vim.cmd('silent checkhealth provenance')
  local report = H.wait_for('the health report', function()
    local text = table.concat(api.nvim_buf_get_lines(0, 0, -1, false), '\n')
    return text:find('provenance: setup', 1, true) and text
  end)
  H.ok(report:find('OK server: provenance%-ls'), 'server OK in:\n' .. report)
  H.ok(report:find('OK setup%(%) was called'), 'setup OK in:\n' .. report)
  H.ok(not report:find('ERROR'), 'no ERROR in:\n' .. report)
  H.ok(not report:find('WARNING'), 'no WARNING in:\n' .. report)
  vim.cmd('bwipeout!')
end)

H.test('the vimdoc has valid, unique tags', function()
  local dir = vim.fn.tempname() .. '-doc'
  vim.fn.mkdir(dir, 'p')
  local doc = vim.api.nvim_get_runtime_file('doc/provenance.txt', false)[1]
  H.ok(doc, 'doc/provenance.txt on the runtimepath')
  vim.fn.writefile(vim.fn.readfile(doc), dir .. '/provenance.txt')
  vim.v.errmsg = ''
  vim.cmd('silent helptags ' .. vim.fn.fnameescape(dir))
  H.eq('', vim.v.errmsg, 'helptags error')
  local tags = table.concat(vim.fn.readfile(dir .. '/tags'), '\n')
  for _, tag in ipairs({ 'provenance.txt', 'provenance-setup', ':ProvenanceReview', 'hl-ProvenanceAI' }) do
    H.ok(tags:find(tag, 1, true), 'tag ' .. tag)
  end
end)

H.run()
