--- `:checkhealth provenance`: is Neovim new enough, is the server there and
--- runnable, is the plugin set up, which edit sources it can see.
local M = {}

local health = vim.health

local function check_neovim()
  if vim.fn.has('nvim-0.11') == 1 then
    health.ok('Neovim ' .. tostring(vim.version()))
  else
    health.error('Neovim 0.11 or newer is required', { 'Upgrade Neovim' })
  end
end

local function check_server()
  local lsp_config = vim.lsp.config and vim.lsp.config.provenance
  local cmd = lsp_config and lsp_config.cmd
  if type(cmd) == 'function' then
    health.info('server command is a function: not checked')
    return
  end
  if type(cmd) ~= 'table' or not cmd[1] then
    health.error('no `cmd` for provenance-ls', {
      'Put editors/nvim on the runtimepath (it has lsp/provenance.lua)',
      "or call vim.lsp.config('provenance', { cmd = { '/path/to/provenance-ls' } })",
    })
    return
  end
  local exe = vim.fn.exepath(cmd[1])
  if exe == '' then
    health.error(('server `%s` not found'):format(cmd[1]), {
      'Install it: cargo install --path server',
      "or point to it: require('provenance').setup({ cmd = { '/path/to/provenance-ls' } })",
    })
    return
  end
  local ok, result = pcall(function()
    return vim.system({ exe, '--version' }, { text = true }):wait(5000)
  end)
  if ok and result.code == 0 then
    health.ok(('server: %s (%s)'):format(vim.trim(result.stdout), exe))
  else
    health.error(('`%s --version` failed'):format(exe), { (ok and result.stderr) or tostring(result) })
  end
end

local function check_setup()
  local provenance = require('provenance')
  local options = require('provenance.config').options
  if provenance.did_setup then
    health.ok('setup() was called')
  else
    health.warn('setup() was not called: edits are not tagged and the server is not enabled', {
      "require('provenance').setup()",
    })
  end
  if options.client_name ~= 'provenance' then
    health.info(('the server is expected as client `%s`'):format(options.client_name))
  elseif not vim.lsp.is_enabled then
    health.info(options.lsp and "setup() called vim.lsp.enable('provenance')" or 'lsp = false: enable the server yourself')
  elseif vim.lsp.is_enabled('provenance') then
    health.ok("vim.lsp.enable('provenance') is on")
  else
    health.warn('the `provenance` config is not enabled', { "vim.lsp.enable('provenance')" })
  end
  local clients = vim.lsp.get_clients({ name = options.client_name })
  if #clients == 0 then
    health.info('no provenance-ls client is running (it starts in a buffer inside a git work tree)')
  end
  for _, c in ipairs(clients) do
    health.info(
      ('client %d: root %s, %d buffer(s), %s positions'):format(
        c.id,
        c.root_dir or '(none)',
        vim.tbl_count(c.attached_buffers),
        c.offset_encoding
      )
    )
  end
end

local function check_sources()
  local options = require('provenance.config').options
  if not require('provenance').did_setup then
    return
  end
  if options.paste then
    health.ok('pastes (vim.paste) are tagged `pasted`')
  else
    health.info('pastes are not tagged (paste = false): they count as `bulk` when large')
  end
  if options.put_keys then
    health.ok(('puts (%s) are tagged `pasted`'):format(table.concat(options.put_keys, ' ')))
  end
  if vim.lsp.inline_completion and vim.lsp.inline_completion.get then
    health.ok(
      "inline completion: map require('provenance').accept_inline_completion to tag accepts"
    )
  else
    health.info('inline completion (vim.lsp.inline_completion) needs Neovim 0.12')
  end
  if package.loaded['copilot.suggestion'] then
    health.ok('copilot.lua accepts are tagged `completion` (agent copilot)')
  end
  if vim.g.provenance_copilot_vim_wrapped == 1 then
    health.ok('copilot.vim accepts are tagged `completion` (agent copilot)')
  end
end

function M.check()
  health.start('provenance: Neovim')
  check_neovim()
  health.start('provenance: server')
  check_server()
  health.start('provenance: setup')
  check_setup()
  health.start('provenance: edit sources')
  check_sources()
end

return M
