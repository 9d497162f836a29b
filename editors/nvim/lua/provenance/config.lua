--- The user's options merged over the defaults. Holds no state but the options.
local M = {}

---@class provenance.Options
M.defaults = {
  --- Call `vim.lsp.enable('provenance')` from `setup()`.
  lsp = true,
  --- Override the server command (default from `lsp/provenance.lua`: `{ 'provenance-ls' }`).
  ---@type string[]?
  cmd = nil,
  --- The LSP client name the plugin looks for (change it only if you
  --- registered the server under another name).
  client_name = 'provenance',
  --- Wrap `vim.paste` so pasted text is marked `pasted`.
  paste = true,
  --- Map these keys (Normal and Visual mode) so puts from a register are
  --- marked `pasted`; `false` leaves them alone.
  ---@type string[]|false
  put_keys = { 'p', 'P', 'gp', 'gP', ']p', '[p', ']P', '[P' },
  --- Wrap the accept functions of copilot.lua and copilot.vim when present.
  copilot = true,
  --- Show the server's code lenses (churn history above each block) and keep
  --- them fresh; running one shows the history in a float.
  codelens = false,
  paint = {
    --- Paint regions at all (`:ProvenanceToggle` flips it).
    enabled = true,
    --- How to paint text that was pasted, bulk-inserted or changed on disk:
    --- `'sign'` (sign column only), `'highlight'` (sign and text), or `false`.
    ---@type 'sign'|'highlight'|false
    other = 'sign',
    --- Show the agent (and model) at the end of an unreviewed AI region's first line.
    label = true,
    signs = { ai = '▍', reviewed = '▏', other = '┆' },
    --- Extmark priority: under diagnostics (which use 10+) and search highlights.
    priority = 5,
  },
}

---@type table
M.options = vim.deepcopy(M.defaults)

--- Merges {opts} over the defaults (not over earlier calls: setup is idempotent).
---@param opts? table
function M.set(opts)
  opts = opts or {}
  M.options = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts)
  -- Lists replace the default whole (tbl_deep_extend would merge them index by index).
  for _, key in ipairs({ 'cmd', 'put_keys' }) do
    if opts[key] ~= nil then
      M.options[key] = opts[key]
    end
  end
  return M.options
end

return M
