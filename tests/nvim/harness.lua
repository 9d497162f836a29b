-- A small test harness for a real headless Neovim. Tests run one after the
-- other in a coroutine that yields to Neovim's main loop whenever it waits,
-- so typed keys, timers, autocommands and LSP messages are processed exactly
-- as in an interactive session. Results go to stderr: in a headless Neovim
-- stdout carries the messages (`:echo`, "3 more lines"), which run.sh keeps
-- apart.
local H = {}

local uv = vim.uv
local tests = {}
local current ---@type thread

---@param name string
---@param fn fun()
function H.test(name, fn)
  tests[#tests + 1] = { name = name, fn = fn }
end

local function resume(...)
  local ok, err = coroutine.resume(current, ...)
  if not ok then
    io.stderr:write('harness crashed: ' .. tostring(err) .. '\n')
    vim.cmd('cquit 3')
  end
end

--- Makes {co} the coroutine that sleep and wait_for resume (for scripts
--- that drive Neovim without H.run).
---@param co thread
function H._set_current(co)
  current = co
end

--- Lets Neovim run for {ms} milliseconds.
function H.sleep(ms)
  vim.defer_fn(function()
    resume()
  end, ms)
  coroutine.yield()
end

--- Waits until {cond} returns a truthy value (and returns it), or fails
--- after {timeout_ms} (default 5000) saying what was awaited.
---@generic T
---@param what string
---@param cond fun(): T
---@param timeout_ms? integer
---@return T
function H.wait_for(what, cond, timeout_ms)
  local deadline = uv.now() + (timeout_ms or 5000)
  while true do
    local value = cond()
    if value then
      return value
    end
    if uv.now() > deadline then
      error('timed out waiting for ' .. what, 2)
    end
    H.sleep(20)
  end
end

--- Types {keys} (with <…> notation) as if the user did, mappings included,
--- and lets Neovim process them.
function H.type(keys)
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes(keys, true, false, true), 't', false)
  H.sleep(30)
end

--- Sends an LSP request through {client} and waits for its answer.
---@return any result, table? err
function H.request(client, method, params, bufnr)
  local co = coroutine.running()
  local done, result, err = false, nil, nil
  client:request(method, params, function(e, r)
    done, result, err = true, r, e
    if coroutine.status(co) == 'suspended' then
      resume()
    end
  end, bufnr)
  while not done do
    coroutine.yield()
  end
  return result, err
end

function H.eq(expected, actual, what)
  if not vim.deep_equal(expected, actual) then
    error(
      ('%s: expected %s, got %s'):format(what or 'value', vim.inspect(expected), vim.inspect(actual)),
      2
    )
  end
end

function H.ok(value, what)
  if not value then
    error((what or 'assertion') .. ' failed', 2)
  end
  return value
end

--- Runs `git` in {dir}; fails the test when git does.
---@param dir string
---@param args string[]
---@return string stdout
function H.git(dir, args, env)
  local cmd = { 'git', '-C', dir }
  vim.list_extend(cmd, args)
  local result = vim.system(cmd, { text = true, env = env }):wait()
  if result.code ~= 0 then
    error(('git %s failed: %s'):format(table.concat(args, ' '), result.stderr), 2)
  end
  return result.stdout
end

--- Writes {text} to {path}, creating folders.
function H.write(path, text)
  vim.fn.mkdir(vim.fs.dirname(path), 'p')
  local f = assert(io.open(path, 'w'))
  f:write(text)
  f:close()
end

--- A fresh git repository holding {files} (path → text) in one commit.
---@param files table<string, string>
---@return string root
function H.repo(files)
  local root = vim.fn.tempname() .. '-repo'
  vim.fn.mkdir(root, 'p')
  root = assert(uv.fs_realpath(root))
  H.git(root, { 'init', '-q', '-b', 'main' })
  H.git(root, { 'config', 'user.name', 'Test Author' })
  H.git(root, { 'config', 'user.email', 'test@example.com' })
  H.git(root, { 'config', 'commit.gpgsign', 'false' })
  for path, text in pairs(files) do
    H.write(root .. '/' .. path, text)
  end
  H.git(root, { 'add', '-A' })
  H.git(root, { 'commit', '-q', '-m', 'Initial commit' })
  return root
end

function H.run()
  local passed, failed = 0, 0
  local only = vim.env.TEST_FILTER
  current = coroutine.create(function()
    for _, t in ipairs(tests) do
      if not only or t.name:find(only, 1, true) then
        local started = uv.now()
        local ok, err = xpcall(t.fn, debug.traceback)
        -- Leave each test in Normal mode with no windows but one.
        vim.cmd('silent! stopinsert')
        pcall(vim.cmd, 'silent! only')
        if ok then
          passed = passed + 1
          io.stderr:write(('ok   %s (%d ms)\n'):format(t.name, uv.now() - started))
        else
          failed = failed + 1
          io.stderr:write(('FAIL %s\n     %s\n'):format(t.name, tostring(err):gsub('\n', '\n     ')))
        end
        io.stderr:flush()
      end
    end
    io.stderr:write(('%d passed, %d failed\n'):format(passed, failed))
    io.stderr:flush()
    vim.cmd('cquit ' .. (failed > 0 and 1 or 0))
  end)
  vim.schedule(resume)
end

return H
