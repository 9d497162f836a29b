--- Hooks into the ways text arrives that Neovim does not report: pastes
--- (`vim.paste`), puts from a register, and accepted inline completions
--- (Neovim's own, copilot.lua, copilot.vim). Each hook lets the edit happen
--- exactly as it would have and then tells the server where it came from; a
--- hook never changes what gets inserted.
local M = {}

local client = require('provenance.client')
local api = vim.api

-- Set while the plugin inserts a completion itself through `nvim_paste`, so
-- the paste hook does not call it a paste.
local inserting_completion = 0

local PASTED = { source = 'pasted' }

---@type fun(lines: string[], phase: integer): boolean?
local original_paste

--- Wraps `vim.paste`: every phase of a paste (a whole one, -1, or each chunk
--- of a streamed one, 1/2/3) is hinted `pasted` with the version it produced.
function M.wrap_paste()
  if original_paste then
    return
  end
  original_paste = vim.paste
  vim.paste = function(lines, phase)
    if inserting_completion > 0 then
      return original_paste(lines, phase)
    end
    local bufnr = api.nvim_get_current_buf()
    return client.around(bufnr, PASTED, function()
      return original_paste(lines, phase)
    end)
  end
end

--- Puts the original `vim.paste` back.
function M.unwrap_paste()
  if original_paste then
    vim.paste = original_paste
    original_paste = nil
  end
end

--- Runs the put {key} with the pending register and count, as Neovim would.
---@param key string
local function put(key)
  local count = vim.v.count > 0 and tostring(vim.v.count) or ''
  local ok, err = pcall(vim.cmd.normal, { '"' .. vim.v.register .. count .. key, bang = true })
  if not ok then
    -- Show "E353: Nothing in register x" as Neovim would, not as a Lua error.
    local message = tostring(err):match('E%d+:.*') or tostring(err)
    api.nvim_echo({ { message, 'ErrorMsg' } }, true, {})
  end
end

--- Maps {keys} in Normal and Visual mode so a put is hinted `pasted`. Each
--- mapping runs the same put itself (`:normal!` with the register and count
--- given, still in Visual mode when it was), so the change it makes, and only
--- that change, is known; `.` repeats it as before. A key the user already
--- mapped is left alone.
---@param keys string[]
function M.map_puts(keys)
  for _, key in ipairs(keys) do
    for _, mode in ipairs({ 'n', 'x' }) do
      local existing = vim.fn.maparg(key, mode, false, true)
      if vim.tbl_isempty(existing) or existing.desc == 'provenance: put' then
        vim.keymap.set(mode, key, function()
          client.around(api.nvim_get_current_buf(), PASTED, function()
            put(key)
          end)
        end, { desc = 'provenance: put' })
      end
    end
  end
end

--- (row, col, end_row, end_col), 0-based with byte columns, of an inline
--- completion item's range: a `vim.Range` in Neovim 0.12 (`start`/`end_`
--- positions, or flat `start_row`… fields in later builds).
---@return integer?, integer?, integer?, integer?
local function item_bounds(range)
  if range == nil then
    return nil
  end
  if range.start_row then
    return range.start_row, range.start_col, range.end_row, range.end_col
  end
  local s, e = range.start, range.end_ or range['end']
  return s.row, s.col, e.row, e.col
end

--- Inserts {item} the way Neovim's default accept does.
---@param bufnr integer
---@param item vim.lsp.inline_completion.Item
local function insert_item(bufnr, item)
  local text = item.insert_text
  if type(text) == 'table' and text.kind == 'snippet' then
    vim.snippet.expand(text.value)
    return
  end
  if type(text) == 'table' then
    text = text.value
  end
  local lines = vim.split(text, '\n', { plain = true })
  local row, col, end_row, end_col = item_bounds(item.range)
  if row then
    api.nvim_buf_set_text(bufnr, row, col, end_row, end_col, lines)
    local win = vim.fn.bufwinid(bufnr)
    if win ~= -1 then
      api.nvim_win_set_cursor(win, {
        row + #lines,
        (#lines == 1 and col or 0) + #lines[#lines],
      })
    end
  else
    inserting_completion = inserting_completion + 1
    local ok, err = pcall(api.nvim_paste, text, false, 0)
    inserting_completion = inserting_completion - 1
    if not ok then
      error(err, 0)
    end
  end
end

--- Accepts the inline completion shown in {opts.bufnr} (default: current)
--- like `vim.lsp.inline_completion.get()` does, and hints the inserted text
--- `completion` with the name of the client that offered it as agent.
--- Returns false when there is nothing to accept, so a mapping can fall back:
--- ```lua
--- vim.keymap.set('i', '<Tab>', function()
---   if not require('provenance').accept_inline_completion() then
---     return '<Tab>'
---   end
--- end, { expr = true })
--- ```
---@param opts? {bufnr?: integer}
---@return boolean
function M.accept_inline_completion(opts)
  opts = opts or {}
  local inline = vim.lsp.inline_completion
  if not (inline and inline.get) then
    return false
  end
  local bufnr = client.buffer(opts.bufnr)
  return inline.get({
    bufnr = bufnr,
    -- Inserting here (and returning nil) behaves the same whether this
    -- Neovim lets on_accept replace the default insertion or lets it return
    -- the item to have Neovim insert it.
    on_accept = function(item)
      local offering = vim.lsp.get_client_by_id(item.client_id)
      client.around(bufnr, {
        source = 'completion',
        agent = offering and offering.name or nil,
      }, function()
        insert_item(bufnr, item)
      end)
      if item.command and offering then
        offering:exec_cmd(item.command, { bufnr = bufnr })
      end
      return nil
    end,
  })
end

local COPILOT = { source = 'completion', agent = 'copilot' }

--- Wraps copilot.lua's accept functions in {mod} (`copilot.suggestion`).
local function wrap_copilot_lua(mod)
  if type(mod) ~= 'table' or mod.__provenance_wrapped then
    return
  end
  mod.__provenance_wrapped = true
  for _, name in ipairs({ 'accept', 'accept_word', 'accept_line' }) do
    local original = mod[name]
    if type(original) == 'function' then
      mod[name] = function(...)
        -- Without a suggestion copilot.lua types its fallback key instead:
        -- that is not a completion.
        if type(mod.is_visible) == 'function' and not mod.is_visible() then
          return original(...)
        end
        local args = vim.F.pack_len(...)
        return client.around(api.nvim_get_current_buf(), COPILOT, function()
          return original(vim.F.unpack_len(args))
        end, 300)
      end
    end
  end
end

--- Loads module {name} with every searcher but `package.preload`'s.
local function load_skipping_preload(name)
  local searchers = package.loaders or package.searchers
  for i = 2, #searchers do
    local loader, extra = searchers[i](name)
    if type(loader) == 'function' then
      return loader(name, extra)
    end
  end
  error('module ' .. name .. ' not found')
end

--- Wraps copilot.lua now if it is loaded, else when it first is (through
--- `package.preload`, so a lazily loaded copilot.lua stays lazy).
function M.wrap_copilot_lua()
  local name = 'copilot.suggestion'
  if package.loaded[name] then
    wrap_copilot_lua(package.loaded[name])
  elseif not package.preload[name] then
    package.preload[name] = function()
      package.preload[name] = nil
      local mod = load_skipping_preload(name)
      wrap_copilot_lua(mod)
      return mod
    end
  end
end

-- The version before a copilot.vim accept, between the wrapped function
-- computing its keys and those keys having run.
---@type {bufnr: integer, before: integer}?
local copilot_vim_pending

--- Called by the wrapped `copilot#Accept*` before copilot.vim computes the
--- keys that insert its suggestion.
function M.copilot_vim_accepting()
  copilot_vim_pending = nil
  local ok, shown = pcall(vim.fn['copilot#GetDisplayedSuggestion'])
  if ok and type(shown) == 'table' and (shown.text or '') == '' then
    return -- copilot.vim returns its fallback key: not a completion
  end
  local bufnr = api.nvim_get_current_buf()
  if #client.clients(bufnr) == 0 then
    return
  end
  client.flush(bufnr)
  copilot_vim_pending = { bufnr = bufnr, before = client.version(bufnr) }
end

--- Run by a `<Cmd>` the wrapper appends to copilot.vim's keys: they have
--- inserted the suggestion, and nothing typed after it has run yet.
function M.copilot_vim_accepted()
  local pending = copilot_vim_pending
  copilot_vim_pending = nil
  if pending and api.nvim_buf_is_valid(pending.bufnr) then
    client.hint(pending.bufnr, pending.before, COPILOT)
  end
end

--- Wraps copilot.vim's `copilot#Accept`, `copilot#AcceptWord` and
--- `copilot#AcceptLine` once its autoload script is loaded (see
--- shim/copilot.vim): every mapping that names them goes through the wrapper.
function M.wrap_copilot_vim()
  if vim.g.provenance_copilot_vim_wrapped == 1 or vim.fn.exists('*copilot#Accept') == 0 then
    return
  end
  local root = vim.fs.dirname(vim.fs.dirname(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2))))
  vim.cmd.source(vim.fn.fnameescape(root .. '/shim/copilot.vim'))
  vim.g.provenance_copilot_vim_wrapped = 1
end

return M
