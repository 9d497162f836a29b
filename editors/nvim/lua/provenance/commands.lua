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
      notify(('%d region%s marked as reviewed'):format(count or 0, count == 1 and '' or 's'))
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

---@param fraction number 0..1
local function percent(fraction)
  return ('%d%%'):format(math.floor(fraction * 100 + 0.5))
end

---@param block table an item of `provenance/blocks`
---@return string[]
local function block_lines(block)
  if block.commits == 0 then
    -- Uncommitted code has no statistics, only this.
    return { ('**%s**'):format(block.name or 'block'), '', 'Not committed yet.' }
  end
  local lines = {
    ('**%s**'):format(block.name or 'block'),
    '',
    ('↻ %s commits changed it · rewritten %s times in 90 days · %s churned within 14 days'):format(
      block.commits or '?',
      block.rewrites90d or '?',
      type(block.churn14d) == 'number' and percent(block.churn14d) or '?'
    ),
  }
  if type(block.aiShare) == 'number' then
    lines[#lines + 1] = 'AI-written (completion or agent): ' .. percent(block.aiShare) .. ' of its committed lines'
  end
  if block.authors then
    lines[#lines + 1] = ('%s author(s) · %s days old'):format(
      type(block.authors) == 'table' and #block.authors or block.authors,
      block.ageDays or '?'
    )
  end
  if type(block.risk) == 'table' then
    lines[#lines + 1] = ('**Risk %s (%s)**'):format(block.risk.score or '?', block.risk.level or '?')
  end
  return lines
end

--- Whether 0-based {line} lies in {range} (whose end is exclusive at column 0).
local function range_has_line(range, line)
  local last = range['end'].line
  if range['end'].character == 0 and last > range.start.line then
    last = last - 1
  end
  return range.start.line <= line and line <= last
end

---@param lines string[]
local function show(lines)
  return vim.lsp.util.open_floating_preview(lines, 'markdown', {
    border = 'rounded',
    focus_id = 'provenance-history',
    title = ' provenance ',
  })
end

--- Whether {c} offers the workspace command {name}.
---@param c vim.lsp.Client
---@param name string
local function offers_command(c, name)
  local provider = c.server_capabilities.executeCommandProvider
  return type(provider) == 'table' and vim.list_contains(provider.commands or {}, name)
end

--- Markdown → lines for a float.
---@param markdown string
---@return string[]
local function markdown_lines(markdown)
  return vim.split(markdown, '\n', { trimempty = true })
end

--- Shows the churn history of the block under the cursor: the server's
--- `provenance.showHistory` command there, or its hover, or failing both its
--- `provenance/blocks` entry for the block. {done} gets the lines shown
--- (empty when there was nothing).
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

  local function from_blocks()
    c:request('provenance/blocks', { textDocument = params.textDocument }, function(err, blocks)
      if err or type(blocks) ~= 'table' then
        return finish({})
      end
      for _, block in ipairs(blocks) do
        if block.range and range_has_line(block.range, line) then
          return finish(block_lines(block))
        end
      end
      finish({})
    end, bufnr)
  end

  local function from_hover()
    c:request('textDocument/hover', params, function(err, result)
      local lines = err and {} or hover_lines(result)
      if #lines > 0 then
        return finish(lines)
      end
      from_blocks()
    end, bufnr)
  end

  if not offers_command(c, 'provenance.showHistory') then
    return from_hover()
  end
  c:request('workspace/executeCommand', {
    command = 'provenance.showHistory',
    arguments = { { uri = params.textDocument.uri, position = params.position } },
  }, function(err, markdown)
    if not err and type(markdown) == 'string' and markdown ~= '' then
      return finish(markdown_lines(markdown))
    end
    from_hover()
  end, bufnr)
end

--- Runs `provenance.showHistory` (from a code lens) on the server and shows
--- the markdown it answers; Neovim would otherwise drop the answer.
---@param command lsp.Command
---@param ctx {client_id: integer, bufnr: integer}
function M.show_history_command(command, ctx)
  local c = vim.lsp.get_client_by_id(ctx.client_id)
  if not c then
    return
  end
  c:request('workspace/executeCommand', {
    command = command.command,
    arguments = command.arguments,
  }, function(err, markdown)
    if err then
      notify('history failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
    elseif type(markdown) == 'string' and markdown ~= '' then
      show(markdown_lines(markdown))
    end
  end, ctx.bufnr)
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
  end, { range = true, desc = 'Mark as reviewed: the AI regions on these lines' })
  api.nvim_create_user_command('ProvenanceHistory', function()
    M.history()
  end, { desc = 'Show the churn history of the block under the cursor' })
  api.nvim_create_user_command('ProvenanceToggle', function()
    M.toggle()
  end, { desc = 'Show or hide provenance decorations' })
end

return M
