--- Paints the server's regions into buffers with extmarks in the namespace
--- `provenance`: a sign on every line of a region and a highlight over its
--- text. Owns the last regions each buffer received; decides nothing about
--- provenance itself (the server does) and never edits a buffer.
local M = {}

local config = require('provenance.config')

M.ns = vim.api.nvim_create_namespace('provenance')

--- Sources an assistant wrote; the rest (pasted, bulk, external) is painted quietly.
local AI_SOURCES = { completion = true, agent = true }

---@class provenance.Region
---@field range lsp.Range
---@field spans? lsp.Range[]
---@field source string
---@field agent? string
---@field model? string
---@field insertedAt? integer
---@field reviewed boolean
---@field modified boolean
---@field retained? number

---@class (private) provenance.BufferRegions
---@field client_id integer
---@field version? integer
---@field regions provenance.Region[]

---@type table<integer, provenance.BufferRegions>
local by_buffer = {}

--- Links the highlight groups with `default = true`, so a colour scheme or
--- the user's own `:highlight` wins.
function M.define_highlights()
  local links = {
    ProvenanceAI = 'DiffAdd',
    ProvenanceAIReviewed = 'CursorLine',
    -- Not `Added`: git's added-lines sign must not be mistaken for AI text.
    ProvenanceAISign = 'DiagnosticHint',
    ProvenanceAIReviewedSign = 'Comment',
    ProvenanceAILabel = 'Comment',
    ProvenanceOther = 'Visual',
    ProvenanceOtherSign = 'NonText',
  }
  for group, target in pairs(links) do
    vim.api.nvim_set_hl(0, group, { link = target, default = true })
  end
end

--- LSP position → (row, byte column) in {bufnr}, clamped into the buffer.
---@param bufnr integer
---@param pos lsp.Position
---@param encoding string
---@return integer, integer
local function to_extmark_pos(bufnr, pos, encoding)
  local line_count = vim.api.nvim_buf_line_count(bufnr)
  if pos.line >= line_count then
    local last = line_count - 1
    local text = vim.api.nvim_buf_get_lines(bufnr, last, last + 1, false)[1] or ''
    return last, #text
  end
  local text = vim.api.nvim_buf_get_lines(bufnr, pos.line, pos.line + 1, false)[1] or ''
  local ok, col = pcall(vim.str_byteindex, text, encoding, pos.character, false)
  return pos.line, ok and col or math.min(pos.character, #text)
end

---@param region provenance.Region
---@return string
local function label(region)
  local who = region.agent or region.source
  if region.model and region.model ~= '' then
    who = who .. ' · ' .. region.model
  end
  return '  ' .. who
end

--- Repaints {bufnr} from the regions it last received.
---@param bufnr integer
function M.paint(bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) then
    by_buffer[bufnr] = nil
    return
  end
  vim.api.nvim_buf_clear_namespace(bufnr, M.ns, 0, -1)
  local opts = config.options.paint
  local entry = by_buffer[bufnr]
  if not opts.enabled or not entry then
    return
  end
  local client = vim.lsp.get_client_by_id(entry.client_id)
  local encoding = client and client.offset_encoding or 'utf-16'
  for _, region in ipairs(entry.regions) do
    local ai = AI_SOURCES[region.source]
    local text_hl, sign_hl, sign
    if ai then
      text_hl = region.reviewed and 'ProvenanceAIReviewed' or 'ProvenanceAI'
      sign_hl = region.reviewed and 'ProvenanceAIReviewedSign' or 'ProvenanceAISign'
      sign = region.reviewed and opts.signs.reviewed or opts.signs.ai
    elseif opts.other then
      text_hl = opts.other == 'highlight' and 'ProvenanceOther' or nil
      sign_hl = 'ProvenanceOtherSign'
      sign = opts.signs.other
    end
    if sign_hl then
      -- The text the region holds: its spans (text typed inside is not its).
      local spans = type(region.spans) == 'table' and #region.spans > 0 and region.spans
        or { region.range }
      for _, span in ipairs(spans) do
        local start_row, start_col = to_extmark_pos(bufnr, span.start, encoding)
        local end_row, end_col = to_extmark_pos(bufnr, span['end'], encoding)
        if text_hl and (end_row > start_row or end_col > start_col) then
          vim.api.nvim_buf_set_extmark(bufnr, M.ns, start_row, start_col, {
            end_row = end_row,
            end_col = end_col,
            hl_group = text_hl,
            priority = opts.priority,
            strict = false,
          })
        end
        -- A span that ends at the start of a line does not reach into it.
        local last_row = (end_col == 0 and end_row > start_row) and end_row - 1 or end_row
        for row = start_row, last_row do
          vim.api.nvim_buf_set_extmark(bufnr, M.ns, row, 0, {
            sign_text = sign,
            sign_hl_group = sign_hl,
            priority = opts.priority,
            strict = false,
          })
        end
      end
      local start_row = to_extmark_pos(bufnr, region.range.start, encoding)
      if ai and opts.label and not region.reviewed then
        vim.api.nvim_buf_set_extmark(bufnr, M.ns, start_row, 0, {
          virt_text = { { label(region), 'ProvenanceAILabel' } },
          virt_text_pos = 'eol',
          priority = opts.priority,
          strict = false,
        })
      end
    end
  end
end

---@type table<integer, uv.uv_timer_t>
local refresh_timers = {}

-- Consecutive answers for an older version, per buffer: past a few, paint
-- anyway (a server that reports versions differently must still be shown).
---@type table<integer, integer>
local stale_answers = {}
local MAX_STALE_ANSWERS = 5

--- Asks the server for {bufnr}'s regions and paints them.
---@param bufnr integer
function M.refresh(bufnr)
  local client = require('provenance.client').get(bufnr)
  if not client then
    return
  end
  client:request('provenance/regions', {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
  }, function(err, result, ctx)
    if not err and result then
      M.on_regions(ctx.client_id, result)
    end
  end, bufnr)
end

--- Asks again once typing pauses: regions computed for an older version
--- would land on the wrong text.
---@param bufnr integer
function M.refresh_later(bufnr)
  local timer = refresh_timers[bufnr]
  if timer then
    timer:stop()
  else
    timer = assert(vim.uv.new_timer())
    refresh_timers[bufnr] = timer
  end
  timer:start(200, 0, vim.schedule_wrap(function()
    refresh_timers[bufnr] = nil
    timer:close()
    if vim.api.nvim_buf_is_valid(bufnr) then
      M.refresh(bufnr)
    end
  end))
end

--- Takes a `provenance/regionsChanged` notification or a `provenance/regions`
--- result and paints the buffer it names.
---@param client_id integer
---@param result {uri: string, version?: integer, regions?: provenance.Region[]}
function M.on_regions(client_id, result)
  if type(result) ~= 'table' or not result.uri then
    return
  end
  -- Only buffers the client has open: vim.uri_to_bufnr would create one.
  local client = vim.lsp.get_client_by_id(client_id)
  local bufnr
  for b in pairs(client and client.attached_buffers or {}) do
    if vim.api.nvim_buf_is_loaded(b) and vim.uri_from_bufnr(b) == result.uri then
      bufnr = b
    end
  end
  if not bufnr then
    return
  end
  if type(result.version) == 'number' and result.version ~= vim.lsp.util.buf_versions[bufnr] then
    stale_answers[bufnr] = (stale_answers[bufnr] or 0) + 1
    if stale_answers[bufnr] <= MAX_STALE_ANSWERS then
      -- Written for text the buffer no longer has: the extmarks already
      -- painted follow the edits meanwhile; ask again when typing pauses.
      M.refresh_later(bufnr)
      return
    end
  end
  stale_answers[bufnr] = nil
  local regions = {}
  for _, region in ipairs(type(result.regions) == 'table' and result.regions or {}) do
    -- JSON null arrives as vim.NIL; absent is simpler to test.
    for key, value in pairs(region) do
      if value == vim.NIL then
        region[key] = nil
      end
    end
    regions[#regions + 1] = region
  end
  by_buffer[bufnr] = { client_id = client_id, version = result.version, regions = regions }
  M.paint(bufnr)
end

--- The regions {bufnr} last received (empty when none).
---@param bufnr integer
---@return provenance.Region[]
function M.regions(bufnr)
  local entry = by_buffer[bufnr]
  return entry and entry.regions or {}
end

--- Forgets {bufnr} (unloaded, or its client went away).
---@param bufnr integer
function M.forget(bufnr)
  by_buffer[bufnr] = nil
  if vim.api.nvim_buf_is_valid(bufnr) then
    vim.api.nvim_buf_clear_namespace(bufnr, M.ns, 0, -1)
  end
end

--- Turns painting on or off in every buffer.
---@param enabled boolean
function M.set_enabled(enabled)
  config.options.paint.enabled = enabled
  for bufnr in pairs(by_buffer) do
    M.paint(bufnr)
  end
end

return M
