" provenance-ls in a real Vim 9 with ALE, no shim.
"
" Run by tests/vim/run.sh as `vim -es -u ale.vimrc -S ale.vim' (headless)
" in a git repository the script built with the git CLI ($PROV_REPO, holding
" a committed shop.py). ale.vimrc is the configuration docs/editors.md gives
" for ALE, word for word; every assertion reads what ALE itself produced:
" the hover text it put in its preview window, the problems it keeps for
" the buffer. Writes one line per test to $PROV_LOG, then "N passed, M failed".

let s:repo = $PROV_REPO
let s:log = $PROV_LOG
let s:passed = 0
let s:failed = 0

function! s:Say(line) abort
  call writefile([substitute(a:line, '\n', ' | ', 'g')], s:log, 'a')
endfunction

" Waits up to a:seconds for a:Pred() to be truthy and returns its value.
function! s:Wait(what, Pred, seconds) abort
  let l:deadline = reltimefloat(reltime()) + a:seconds
  while 1
    let l:found = a:Pred()
    if !empty(l:found)
      return l:found
    endif
    if reltimefloat(reltime()) > l:deadline
      throw 'timed out waiting for ' . a:what
    endif
    sleep 50m
  endwhile
endfunction

function! s:Test(name, Body) abort
  try
    call a:Body()
    let s:passed += 1
    call s:Say('ok - ale: ' . a:name)
  catch
    let s:failed += 1
    call s:Say('FAILED - ale: ' . a:name . ': ' . v:exception)
  endtry
endfunction

function! s:Check(ok, message) abort
  if !a:ok
    throw a:message
  endif
endfunction

function! s:PreviewBuffer() abort
  for l:b in getbufinfo()
    if getbufvar(l:b.bufnr, '&filetype') =~# '^ale-preview'
      return l:b.bufnr
    endif
  endfor
  return 0
endfunction

" What :ALEHover shows at (line, col), asking again while the server says
" the history is still being read.
function! s:Hover(line, col) abort
  let l:shown = ''
  let l:deadline = reltimefloat(reltime()) + 30
  while reltimefloat(reltime()) < l:deadline
    let l:preview = s:PreviewBuffer()
    if l:preview
      call setbufvar(l:preview, '&modifiable', 1)
      silent call deletebufline(l:preview, 1, '$')
    endif
    call cursor(a:line, a:col)
    ALEHover
    let l:shown = s:Wait('the hover answer',
    \   {-> s:PreviewBuffer() ? join(getbufline(s:PreviewBuffer(), 1, '$'), "\n") : ''}, 10)
    if l:shown !~# 'indexing\|still reading'
      return l:shown
    endif
    sleep 300m
  endwhile
  throw 'the hover never gave history: ' . l:shown
endfunction

" The problems ALE keeps for this buffer that came from provenance-ls.
function! s:Problems() abort
  return filter(copy(ale#engine#GetLoclist(bufnr(''))),
  \   {_, p -> get(p, 'linter_name', '') is# 'provenance_ls'})
endfunction

function! s:ProblemOfType(type) abort
  return filter(s:Problems(), {_, p -> p.type is# a:type})
endfunction

let g:ale_hover_to_preview = 1
execute 'edit ' . fnameescape(s:repo . '/shop.py')

function! s:HoverCommitted() abort
  let l:text = s:Hover(6, 9)             " inside `total'
  call s:Check(l:text =~# 'Churn history', 'no churn history: ' . l:text)
  call s:Check(l:text =~# '`total`', 'not the block `total`: ' . l:text)
  call s:Check(l:text =~# 'Count unknown items as free', "the last commit's summary is missing: " . l:text)
  call s:Check(l:text =~# 'Bo Other', 'its author is missing: ' . l:text)
  call s:Check(l:text =~# 'Add total', 'the commit that added it is missing: ' . l:text)
  call s:Check(l:text !~# 'Add the price list', 'a commit that never touched `total` is listed: ' . l:text)
endfunction
call s:Test('hover on a committed function shows its churn history', function('s:HoverCommitted'))

function! s:Paste() abort
  call setreg('a', ['def refund(basket):', '    paid = total(basket)', '    return -paid', ''], 'l')
  8put a
  let l:text = s:Hover(10, 7)
  call s:Check(l:text =~# 'Inserted in one block', 'the paste is not described: ' . l:text)
  call s:Check(l:text =~# 'Not committed yet', 'pasted lines claim a history: ' . l:text)
  call s:Check(l:text !~# 'Count unknown items as free', "pasted lines show another block's history: " . l:text)
endfunction
call s:Test('a paste is told apart and its lines are not committed yet', function('s:Paste'))

function! s:InsertAbove() abort
  call append(0, ['# A comment', '# and another'])
  let l:text = s:Hover(8, 9)             " `total' moved down two lines
  call s:Check(l:text =~# '`total`', 'not `total` after the insert: ' . l:text)
  call s:Check(l:text =~# 'Count unknown items as free', 'wrong history: ' . l:text)
endfunction
call s:Test('a hover after lines inserted above answers for the function now under it', function('s:InsertAbove'))

" An agent writes the file on disk and its hook marks it (docs/agent-hooks.md);
" Vim reloads the buffer (autoread) and the config's autocmd says so.
function! s:AgentReload() abort
  silent write
  let l:lines = readfile(s:repo . '/shop.py')
  call writefile(['def audit(basket):', '    seen = list(basket)', '    return len(seen)', ''] + l:lines, s:repo . '/shop.py')
  call system('provenance-ls mark --agent claude-code --file ' . shellescape(s:repo . '/shop.py'))
  call s:Check(v:shell_error == 0, 'provenance-ls mark failed')
  checktime
  call s:Check(getline(1) is# 'def audit(basket):', 'Vim did not reload the file: ' . getline(1))
  let l:p = s:Wait('a warning (initialization_options)', {-> s:ProblemOfType('W')}, 20)
  call s:Check(l:p[0].text =~# 'Unreviewed agent edit (claude-code)', string(l:p))
  call s:Check(l:p[0].lnum == 1, "not on the agent's lines: " . string(l:p))
  let l:text = s:Hover(2, 5)
  call s:Check(l:text =~# 'claude-code', 'the hover does not name the agent: ' . l:text)
endfunction
call s:Test("an agent's rewrite on disk, reloaded, is the agent's", function('s:AgentReload'))

function! s:Completion() abort
  call append(4, ['def tax(amount):', '    return amount * 0.2', ''])
  call ProvenanceEditSource('completion', 'copilot')
  let l:p = s:Wait('a problem on the completion', {-> filter(s:ProblemOfType('W'), {_, p -> p.text =~# 'copilot'})}, 20)
  call s:Check(l:p[0].lnum == 5, "not on the completion's lines: " . string(l:p))
endfunction
call s:Test('ProvenanceEditSource records an accepted completion', function('s:Completion'))

function! s:Settings() abort
  call s:Check(!empty(s:ProblemOfType('W')), 'no warning to start from: ' . string(s:Problems()))
  let g:provenance_settings = {'diagnostics': {'severity': 'error'}}
  ALELint
  call s:Wait('errors (lsp_config)', {-> s:ProblemOfType('W') == [] && s:ProblemOfType('E') != [] ? 1 : 0}, 20)
  let g:provenance_settings = {'diagnostics': {'enabled': v:false}}
  ALELint
  call s:Wait('no provenance problems', {-> empty(s:Problems()) ? 1 : 0}, 20)
endfunction
call s:Test('settings: initialization_options, then lsp_config', function('s:Settings'))

call s:Say(printf('%d passed, %d failed', s:passed, s:failed))
execute s:failed == 0 ? 'qa!' : 'cquit!'
