-- The provenance-ls client config, found on the runtimepath by
-- `vim.lsp.config('provenance', …)` / `vim.lsp.enable('provenance')`.
-- A plain table: override any field with `vim.lsp.config('provenance', {…})`.
-- No filetypes: provenance is about any text in a git work tree.
return {
  cmd = { 'provenance-ls' },
  root_markers = { '.git' },
  -- Outside a git work tree there is no history to show and nowhere to keep
  -- the journal, so the server is not started there.
  workspace_required = true,
  -- The server sends `provenance/regionsChanged` only to clients that ask;
  -- the handler below paints from it. `vim.lsp.config` merges a user's own
  -- init_options over this table, so the flag stays.
  init_options = { customNotifications = true },
  handlers = {
    ['provenance/regionsChanged'] = function(_, result, ctx)
      require('provenance.paint').on_regions(ctx.client_id, result)
    end,
  },
  -- Commands the server's code lenses carry, run here so their answer is shown.
  commands = {
    ['provenance.showHistory'] = function(command, ctx)
      require('provenance.commands').show_history_command(command, ctx)
    end,
  },
}
