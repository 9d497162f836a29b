-- Drives the Neovim that tests/nvim/screenshot.sh runs in tmux: opens a file
-- in a fresh git repository, pastes a function, accepts two inline
-- completions from the stub server (marking the first reviewed), with
-- SCREENSHOT_SHOT=hover opens the hover on a line of the second, then writes
-- SCREENSHOT_READY so the script can capture the screen.
local here = vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2))
package.path = here .. '/?.lua;' .. package.path
local H = require('harness')
local api = vim.api

vim.o.termguicolors = true
vim.o.number = true
vim.o.signcolumn = 'yes'
vim.o.swapfile = false
vim.o.showmode = false
vim.o.report = 10000
vim.o.laststatus = 2
vim.cmd('filetype plugin indent on')
vim.cmd('syntax on')

local provenance = require('provenance')
provenance.setup({ cmd = { vim.env.PROVENANCE_LS } })
vim.keymap.set('i', '<Tab>', function()
  if not provenance.accept_inline_completion() then
    return '<Tab>'
  end
end, { expr = true })

local completion_file = vim.env.STUB_COMPLETION_FILE
local function offer(text)
  H.write(completion_file, text)
end

--- Accepts the ghost text shown at the cursor (offered before insert mode began).
local function accept()
  local bufnr = api.nvim_get_current_buf()
  local before = api.nvim_buf_line_count(bufnr)
  local ghost = api.nvim_create_namespace('nvim.lsp.inline_completion')
  H.wait_for('the ghost text', function()
    return #api.nvim_buf_get_extmarks(bufnr, ghost, 0, -1, {}) > 0
  end, 10000)
  H.type('<Tab>')
  H.wait_for('the accepted text', function()
    return api.nvim_buf_line_count(bufnr) > before
  end)
end

local co = coroutine.create(function()
  local root = H.repo({
    ['src/words.rs'] = table.concat({
      'use std::collections::HashMap;',
      '',
      '/// How often each word occurs in `text`.',
      'pub fn word_counts(text: &str) -> HashMap<&str, usize> {',
      '    let mut counts = HashMap::new();',
      '    for word in text.split_whitespace() {',
      '        *counts.entry(word).or_insert(0) += 1;',
      '    }',
      '    counts',
      '}',
      '',
    }, '\n'),
  })
  vim.cmd.cd(root)
  vim.cmd.edit('src/words.rs')
  local bufnr = api.nvim_get_current_buf()
  H.wait_for('provenance-ls', function()
    return vim.lsp.get_clients({ bufnr = bufnr, name = 'provenance' })[1]
  end, 15000)
  vim.lsp.start({
    name = 'stub-ai',
    cmd = { vim.env.PYTHON or 'python3', here .. '/stub_inline_server.py' },
    root_dir = root,
  }, { bufnr = bufnr })
  H.wait_for('the stub', function()
    return vim.lsp.get_clients({ bufnr = bufnr, name = 'stub-ai' })[1]
  end, 10000)
  vim.lsp.inline_completion.enable(true, { bufnr = bufnr })

  -- A completion, then reviewed.
  offer('/// The words of `text`, lower-cased.\npub fn words(text: &str) -> Vec<String> {\n    text.split_whitespace().map(str::to_lowercase).collect()\n}')
  H.type('Go<CR>')
  accept()
  H.type('<Esc>')
  H.sleep(300)
  vim.cmd('ProvenanceReview')

  -- A pasted function.
  H.type('o<CR>')
  vim.paste({
    '/// Whether `word` occurs in `text`.',
    'pub fn contains(text: &str, word: &str) -> bool {',
    '    text.split_whitespace().any(|w| w == word)',
    '}',
  }, -1)
  H.type('<Esc>')

  -- A completion left unreviewed.
  offer('/// The `n` most frequent words of `text`.\npub fn top(text: &str, n: usize) -> Vec<(&str, usize)> {\n    let mut counts: Vec<_> = word_counts(text).into_iter().collect();\n    counts.sort_by(|a, b| b.1.cmp(&a.1));\n    counts.into_iter().take(n).collect()\n}')
  H.type('o<CR>')
  accept()
  H.type('<Esc>')
  -- No ghost text from a late automatic request; the cursor on committed code.
  vim.lsp.inline_completion.enable(false, { bufnr = bufnr })
  api.nvim_win_set_cursor(0, { 5, 4 })
  vim.cmd.echo('""')
  H.wait_for('all regions painted', function()
    local marks = api.nvim_buf_get_extmarks(bufnr, require('provenance.paint').ns, 0, -1, { details = true })
    local groups = {}
    for _, m in ipairs(marks) do
      groups[m[4].hl_group or m[4].sign_hl_group or ''] = true
    end
    return groups.ProvenanceAI and groups.ProvenanceAIReviewed and groups.ProvenanceOtherSign
  end, 10000)
  if vim.env.SCREENSHOT_SHOT == 'hover' then
    -- The hover on a line of the unreviewed completion.
    for i, line in ipairs(api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
      if line:find('counts.sort_by', 1, true) then
        api.nvim_win_set_cursor(0, { i, 4 })
      end
    end
    vim.api.nvim_set_hl(0, 'NormalFloat', { bg = '#1c2430' })
    vim.api.nvim_set_hl(0, 'FloatBorder', { fg = '#7a8aa0', bg = '#1c2430' })
    vim.lsp.buf.hover({ border = 'rounded' })
    H.wait_for('the hover window', function()
      for _, win in ipairs(api.nvim_list_wins()) do
        if api.nvim_win_get_config(win).relative ~= '' then
          return true
        end
      end
    end, 10000)
  end
  vim.cmd('redraw!')
  H.sleep(300)
  H.write(vim.env.SCREENSHOT_READY, 'ready\n')
end)

-- Reuse the harness's sleep/wait: it resumes the coroutine it runs in.
H._set_current(co)
vim.schedule(function()
  local ok, err = coroutine.resume(co)
  if not ok then
    H.write(vim.env.SCREENSHOT_READY, 'error: ' .. tostring(err) .. '\n')
  end
end)
