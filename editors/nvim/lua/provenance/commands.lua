--- The user commands: `:ProvenanceReview`, `:ProvenanceHistory`,
--- `:ProvenanceToggle`. Each asks the server and shows its answer; none
--- computes provenance or history itself.
local M = {}

local client = require('provenance.client')
local paint = require('provenance.paint')
local api = vim.api

---@param msg string
---@param level? integer
local function notify(msg, level)
  vim.notify('provenance: ' .. msg, level or vim.log.levels.INFO)
end

--- The buffer {opts} names (default: current) and its provenance-ls client,
--- warning when there is none.
---@param opts {bufnr?: integer}
---@return integer bufnr, vim.lsp.Client?
local function buffer_and_client(opts)
  local bufnr = client.buffer(opts.bufnr)
  local c = client.get(bufnr)
  if not c then
    notify('provenance-ls is not attached to this buffer', vim.log.levels.WARN)
  end
  return bufnr, c
end

--- The LSP range of lines {first}..{last} (1-based, inclusive) of {bufnr}:
--- from the start of {first} to the end of {last}.
local function line_range(bufnr, first, last, encoding)
  local text = api.nvim_buf_get_lines(bufnr, last - 1, last, false)[1] or ''
  return {
    start = { line = first - 1, character = 0 },
    ['end'] = { line = last - 1, character = vim.str_utfindex(text, encoding, #text, false) },
  }
end

--- Marks the regions overlapping lines {first}..{last} (default: the cursor
--- line) of {bufnr} reviewed. {done} gets the number marked.
---@param opts? {bufnr?: integer, first?: integer, last?: integer, done?: fun(count: integer?, err: table?)}
function M.review(opts)
  opts = opts or {}
  local bufnr, c = buffer_and_client(opts)
  if not c then
    return
  end
  local cursor = api.nvim_win_get_cursor(0)[1]
  local first, last = opts.first or cursor, opts.last or opts.first or cursor
  c:request('workspace/executeCommand', {
    command = 'provenance.markReviewed',
    arguments = {
      { uri = vim.uri_from_bufnr(bufnr), range = line_range(bufnr, first, last, c.offset_encoding) },
    },
  }, function(err, count)
    if err then
      notify('marking reviewed failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
    else
      notify(('%d region%s marked reviewed'):format(count or 0, count == 1 and '' or 's'))
      -- The server also sends regionsChanged; asking keeps the paint right
      -- even if that notification is debounced away.
      paint.refresh(bufnr)
    end
    if opts.done then
      opts.done(count, err)
    end
  end, bufnr)
end

--- Hover contents → markdown lines.
---@return string[]
local function hover_lines(result)
  if not result or not result.contents then
    return {}
  end
  local lines = vim.lsp.util.convert_input_to_markdown_lines(result.contents)
  return vim.split(table.concat(lines, '\n'), '\n', { trimempty = true })
end

---@param block table an item of `provenance/blocks`
---@return string[]
local function block_lines(block)
  local lines = {
    ('## %s'):format(block.name or 'block'),
    ('- commits: %s, rewrites in 90 days: %s, churn in 14 days: %s'):format(
      block.commits or '?',
      block.rewrites90d or '?',
      block.churn14d or '?'
    ),
  }
  if block.aiShare then
    lines[#lines + 1] = ('- AI share: %d%%'):format(math.floor(block.aiShare * 100 + 0.5))
  end
  if block.authors then
    local authors = type(block.authors) == 'table' and table.concat(block.authors, ', ')
      or tostring(block.authors)
    lines[#lines + 1] = '- authors: ' .. authors
  end
  if block.ageDays then
    lines[#lines + 1] = ('- age: %s days'):format(block.ageDays)
  end
  if block.risk then
    lines[#lines + 1] = ('- risk: %s (%s)'):format(block.risk.level or '?', block.risk.score or '?')
  end
  return lines
end

---@param lines string[]
local function show(lines)
  return vim.lsp.util.open_floating_preview(lines, 'markdown', {
    border = 'rounded',
    focus_id = 'provenance-history',
    title = ' provenance ',
  })
end

--- Shows the churn history of the block under the cursor: the server's hover
--- there, or failing that its `provenance/blocks` entry for the block.
--- {done} gets the lines shown (empty when there was nothing).
---@param opts? {bufnr?: integer, done?: fun(lines: string[])}
function M.history(opts)
  opts = opts or {}
  local bufnr, c = buffer_and_client(opts)
  if not c then
    return
  end
  local function finish(lines)
    if #lines == 0 then
      notify('no history here')
    else
      show(lines)
    end
    if opts.done then
      opts.done(lines)
    end
  end
  local params = vim.lsp.util.make_position_params(0, c.offset_encoding)
  local line = params.position.line
  c:request('textDocument/hover', params, function(err, result)
    local lines = err and {} or hover_lines(result)
    if #lines > 0 then
      return finish(lines)
    end
    c:request('provenance/blocks', { textDocument = params.textDocument }, function(err2, blocks)
      if err2 or type(blocks) ~= 'table' then
        return finish({})
      end
      for _, block in ipairs(blocks) do
        local r = block.range
        if r and r.start.line <= line and line <= r['end'].line then
          return finish(block_lines(block))
        end
      end
      finish({})
    end, bufnr)
  end, bufnr)
end

--- Turns painting on or off (or to {enabled}).
---@param enabled? boolean
function M.toggle(enabled)
  if enabled == nil then
    enabled = not require('provenance.config').options.paint.enabled
  end
  paint.set_enabled(enabled)
end

--- Defines the user commands (idempotent).
function M.create()
  api.nvim_create_user_command('ProvenanceReview', function(args)
    M.review({ first = args.line1, last = args.line2 })
  end, { range = true, desc = 'Mark the AI regions on these lines reviewed' })
  api.nvim_create_user_command('ProvenanceHistory', function()
    M.history()
  end, { desc = 'Show the churn history of the block under the cursor' })
  api.nvim_create_user_command('ProvenanceToggle', function()
    M.toggle()
  end, { desc = 'Show or hide provenance decorations' })
end

return M
