--- provenance.nvim: the Neovim side of provenance-ls. `setup(opts)` enables
--- the language server, installs the edit-source hooks and paints regions.
--- All analysis happens in the server; this plugin only reports where edits
--- came from and shows what the server says.
local M = {}

local config = require('provenance.config')

M.did_setup = false

local group = vim.api.nvim_create_augroup('provenance', { clear = true })

--- Paint a buffer as soon as provenance-ls attaches (its regions may come
--- from the journal of an earlier session); forget it when the client leaves.
local function create_autocmds()
  local paint = require('provenance.paint')
  for event, action in pairs({ LspAttach = paint.refresh, LspDetach = paint.forget }) do
    vim.api.nvim_create_autocmd(event, {
      group = group,
      callback = function(args)
        local c = vim.lsp.get_client_by_id(args.data.client_id)
        if c and c.name == config.options.client_name then
          action(args.buf)
        end
      end,
    })
  end
  vim.api.nvim_create_autocmd('BufWipeout', {
    group = group,
    callback = function(args)
      require('provenance.paint').forget(args.buf)
    end,
  })
  vim.api.nvim_create_autocmd('ColorScheme', {
    group = group,
    callback = function()
      require('provenance.paint').define_highlights()
    end,
  })
  if config.options.codelens then
    vim.api.nvim_create_autocmd({ 'LspAttach', 'BufEnter', 'InsertLeave', 'BufWritePost' }, {
      group = group,
      callback = function(args)
        if #require('provenance.client').clients(args.buf) > 0 then
          vim.lsp.codelens.refresh({ bufnr = args.buf })
        end
      end,
    })
  end
  if config.options.copilot then
    -- copilot.vim loads its autoload script on its own schedule.
    vim.api.nvim_create_autocmd({ 'VimEnter', 'InsertEnter' }, {
      group = group,
      callback = function()
        require('provenance.sources').wrap_copilot_vim()
      end,
    })
  end
end

--- Sets the plugin up with {opts} merged over the defaults (see
--- `:help provenance-options`). Safe to call again: it starts over.
---@param opts? table
function M.setup(opts)
  local options = config.set(opts)
  local sources = require('provenance.sources')
  vim.api.nvim_clear_autocmds({ group = group })

  require('provenance.paint').define_highlights()
  require('provenance.commands').create()
  create_autocmds()

  sources.unwrap_paste()
  if options.paste then
    sources.wrap_paste()
  end
  if options.put_keys then
    sources.map_puts(options.put_keys)
  end
  if options.copilot then
    sources.wrap_copilot_lua()
    sources.wrap_copilot_vim()
  end

  if options.cmd then
    vim.lsp.config('provenance', { cmd = options.cmd })
  end
  if options.lsp then
    vim.lsp.enable('provenance')
  end
  M.did_setup = true
end

--- Accepts the inline completion shown in the buffer (Neovim 0.12's
--- `vim.lsp.inline_completion`) and records it as a completion. Returns false
--- when there is none, so a mapping can fall back to the key itself.
---@param opts? {bufnr?: integer}
---@return boolean
function M.accept_inline_completion(opts)
  return require('provenance.sources').accept_inline_completion(opts)
end

--- Marks the AI regions on lines {first}..{last} (default: cursor line) reviewed.
---@param opts? {bufnr?: integer, first?: integer, last?: integer, done?: fun(count: integer?, err: table?)}
function M.review(opts)
  require('provenance.commands').review(opts)
end

--- Shows the churn history of the block under the cursor.
---@param opts? {bufnr?: integer, done?: fun(lines: string[])}
function M.history(opts)
  require('provenance.commands').history(opts)
end

--- Shows or hides the decorations (flips them without {enabled}).
---@param enabled? boolean
function M.toggle(enabled)
  require('provenance.commands').toggle(enabled)
end

--- The regions the server last sent for {bufnr} (default: current buffer).
---@param bufnr? integer
---@return provenance.Region[]
function M.regions(bufnr)
  return require('provenance.paint').regions(require('provenance.client').buffer(bufnr))
end

return M
