-- Loaded at startup by Neovim: only the cheap parts, so the commands and
-- highlight groups exist before (or without) `require('provenance').setup()`.
-- Everything that changes behaviour (hooks, enabling the server) waits for setup.
if vim.g.loaded_provenance == 1 then
  return
end
vim.g.loaded_provenance = 1

if vim.fn.has('nvim-0.11') == 0 then
  return
end

require('provenance.paint').define_highlights()
require('provenance.commands').create()
