--- Talking to the provenance-ls client of a buffer: finding it, and telling
--- it where an edit came from (`provenance/editSource`). Knows nothing of how
--- an edit was made; the callers in `provenance.sources` know that.
local M = {}

local config = require('provenance.config')

--- {bufnr}, with nil or 0 meaning the current buffer.
---@param bufnr? integer
---@return integer
function M.buffer(bufnr)
  return (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
end

--- The running provenance-ls clients attached to {bufnr}.
---@param bufnr integer
---@return vim.lsp.Client[]
function M.clients(bufnr)
  return vim.lsp.get_clients({ bufnr = bufnr, name = config.options.client_name })
end

--- The first provenance-ls client attached to {bufnr}, if any.
---@param bufnr integer
---@return vim.lsp.Client?
function M.get(bufnr)
  return M.clients(bufnr)[1]
end

--- The document version Neovim sends in `didChange` for {bufnr}
--- (the buffer's changedtick as of its last text change).
---@param bufnr integer
---@return integer
function M.version(bufnr)
  return vim.lsp.util.buf_versions[bufnr]
end

--- Sends pending `didChange`s of {bufnr} now. Done around a hinted edit so the
--- hinted change travels alone in its own `didChange` whose version is the one
--- the hint names: otherwise the 150 ms debounce could fold typing done just
--- before or after into it, under a later version the hint does not name.
--- Uses Neovim's change tracker, which is private: without it the hint still
--- goes out, only less precisely.
---@param client vim.lsp.Client
---@param bufnr integer
local function flush(client, bufnr)
  local ok, changetracking = pcall(require, 'vim.lsp._changetracking')
  if ok and type(changetracking.flush) == 'function' then
    pcall(changetracking.flush, client, bufnr)
  end
end

--- Sends {bufnr}'s pending changes to every provenance-ls client: call
--- before an edit that will be hinted.
---@param bufnr integer
function M.flush(bufnr)
  for _, client in ipairs(M.clients(bufnr)) do
    flush(client, bufnr)
  end
end

-- An edit usually moves the version by one; a few edits (streamed pastes,
-- puts with autoindent fix-ups) move it by several. Past this many, the
-- intermediate versions are not worth hinting one by one.
local MAX_HINTED_VERSIONS = 8

---@class provenance.EditSource
---@field source 'pasted'|'completion'|'agent'|'typed'|'undo'|'reload'|'format'|'refactor'
---@field agent? string
---@field model? string

--- Tells the server that the edit which moved {bufnr} from version {before}
--- to its current version came from {edit}. Returns false when nothing
--- changed (the edit was a no-op or has not happened yet).
---@param bufnr integer
---@param before integer the version before the edit
---@param edit provenance.EditSource
---@return boolean
function M.hint(bufnr, before, edit)
  local after = M.version(bufnr)
  if after == before then
    return false
  end
  local clients = M.clients(bufnr)
  if #clients == 0 then
    return false
  end
  local uri = vim.uri_from_bufnr(bufnr)
  -- Every version the edit went through: Neovim may already have sent the
  -- first of them on its own (the first change after a quiet spell is not
  -- debounced), and the rest under the last one.
  local versions = {}
  for v = math.max(before + 1, after - MAX_HINTED_VERSIONS + 1), after do
    versions[#versions + 1] = v
  end
  for _, client in ipairs(clients) do
    for _, v in ipairs(versions) do
      client:notify('provenance/editSource', {
        textDocument = { uri = uri, version = v },
        source = edit.source,
        agent = edit.agent,
        model = edit.model,
      })
    end
    flush(client, bufnr)
  end
  return true
end

--- Runs {fn} (an edit of {bufnr}) and hints the change it made as {edit}.
--- With {later_ms}, an edit that {fn} only schedules (as some plugins do) is
--- hinted too, if it lands within that many milliseconds.
---@param bufnr integer
---@param edit provenance.EditSource
---@param fn fun(): ...
---@param later_ms? integer
---@return ... what {fn} returns
function M.around(bufnr, edit, fn, later_ms)
  if #M.clients(bufnr) == 0 then
    return fn()
  end
  M.flush(bufnr)
  local before = M.version(bufnr)
  local results = vim.F.pack_len(fn())
  if not M.hint(bufnr, before, edit) and later_ms then
    M.hint_later(bufnr, before, edit, later_ms)
  end
  return vim.F.unpack_len(results)
end

--- Hints the first change of {bufnr} past version {before} that lands within
--- {wait_ms} (default 300) as {edit}: for edits made after the caller returns
--- (expression mappings, scheduled accepts).
---@param bufnr integer
---@param before integer
---@param edit provenance.EditSource
---@param wait_ms? integer
function M.hint_later(bufnr, before, edit, wait_ms)
  local deadline = vim.uv.now() + (wait_ms or 300)
  local function check()
    if not vim.api.nvim_buf_is_valid(bufnr) then
      return
    end
    if M.hint(bufnr, before, edit) then
      return
    end
    if vim.uv.now() < deadline then
      vim.defer_fn(check, 10)
    end
  end
  vim.schedule(check)
end

return M
