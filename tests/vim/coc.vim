" provenance-ls in a real Vim 9 with coc.nvim, no shim.
"
" Run by tests/vim/run.sh as `vim -es -S coc.vim' (headless) with coc.nvim
" on the runtimepath and $HOME/.vim/coc-settings.json holding the text
" docs/editors.md gives for coc, word for word, in a git repository the
" script built with the git CLI ($PROV_REPO). Every assertion reads what coc
" itself produced: its hover (CocAction('getHover')), its diagnostics list.
" Coc starts on VimEnter, so the tests run from there. Writes one line per
" test to $PROV_LOG, then "N passed, M failed".

let s:repo = $PROV_REPO
let s:log = $PROV_LOG
let s:passed = 0
let s:failed = 0

function! s:Say(line) abort
  call writefile([substitute(a:line, '\n', ' | ', 'g')], s:log, 'a')
endfunction

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
    call s:Say('ok - coc: ' . a:name)
  catch
    let s:failed += 1
    call s:Say('FAILED - coc: ' . a:name . ': ' . v:exception)
  endtry
endfunction

function! s:Check(ok, message) abort
  if !a:ok
    throw a:message
  endif
endfunction

" What coc's hover gives at (line, col), asking again while the server says
" the history is still being read.
function! s:Hover(line, col) abort
  let l:shown = ''
  let l:deadline = reltimefloat(reltime()) + 30
  while reltimefloat(reltime()) < l:deadline
    call cursor(a:line, a:col)
    let l:shown = join(CocAction('getHover'), "\n")
    if !empty(l:shown) && l:shown !~# 'indexing\|still reading'
      return l:shown
    endif
    sleep 300m
  endwhile
  throw 'the hover never gave history: ' . l:shown
endfunction

" coc's diagnostics for this file that came from provenance-ls.
function! s:Problems() abort
  let l:file = expand('%:p')
  return filter(CocAction('diagnosticList'),
  \   {_, d -> d.file is# l:file && get(d, 'source', '') is# 'provenance'})
endfunction

function! s:ProblemOfSeverity(severity) abort
  return filter(s:Problems(), {_, d -> d.severity is# a:severity})
endfunction

" The lines coc shows an inlay hint on: Vim virtual text of coc's
" CocInlayHint property type (this Vim's prop_list does not give the text).
function! s:InlayHintLines() abort
  return map(filter(prop_list(1, {'end_lnum': -1}), {_, p -> p.type =~# '^CocInlayHint'}),
  \   {_, p -> p.lnum})
endfunction

function! s:HoverCommitted() abort
  let l:text = s:Hover(6, 9)
  call s:Check(l:text =~# 'Churn history', 'no churn history: ' . l:text)
  call s:Check(l:text =~# '`total`', 'not the block `total`: ' . l:text)
  call s:Check(l:text =~# 'Count unknown items as free', "the last commit's summary is missing: " . l:text)
  call s:Check(l:text =~# 'Bo Other', 'its author is missing: ' . l:text)
  call s:Check(l:text =~# 'Add total', 'the commit that added it is missing: ' . l:text)
  call s:Check(l:text !~# 'Add the price list', 'a commit that never touched `total` is listed: ' . l:text)
endfunction

function! s:Paste() abort
  call setreg('a', ['def refund(basket):', '    paid = total(basket)', '    return -paid', ''], 'l')
  8put a
  let l:text = s:Hover(10, 7)
  call s:Check(l:text =~# 'Inserted in one block', 'the paste is not described: ' . l:text)
  call s:Check(l:text =~# 'Not committed yet', 'pasted lines claim a history: ' . l:text)
  call s:Check(l:text !~# 'Count unknown items as free', "pasted lines show another block's history: " . l:text)
endfunction

function! s:InsertAbove() abort
  call append(0, ['# A comment', '# and another'])
  let l:text = s:Hover(8, 9)
  call s:Check(l:text =~# '`total`', 'not `total` after the insert: ' . l:text)
  call s:Check(l:text =~# 'Count unknown items as free', 'wrong history: ' . l:text)
endfunction

function! s:Settings() abort
  " The initializationOptions' hints.style, kept through the settings coc
  " sends right after start: the default style (codeLens) has no inlay hints.
  let l:lines = s:Wait('inlay hints (initializationOptions)', function('s:InlayHintLines'), 20)
  call s:Check(index(l:lines, 6) >= 0, 'no hint on the line of `total` (6): ' . string(l:lines))
  " What a user does with :CocConfig: edit coc-settings.json and save it.
  let l:config = $HOME . '/.vim/coc-settings.json'
  let l:settings = json_decode(join(readfile(l:config), "\n"))
  let l:settings.languageserver.provenance.settings = {'provenance': {'hints': {'enabled': v:false}}}
  call writefile([json_encode(l:settings)], l:config)
  call s:Wait('no inlay hints (settings)', {-> empty(s:InlayHintLines()) ? 1 : 0}, 20)
endfunction

function! s:Main() abort
  execute 'edit ' . fnameescape(s:repo . '/shop.py')
  try
    call s:Wait('coc to start', {-> get(g:, 'coc_service_initialized', 0)}, 30)
    call s:Wait('coc to start provenance-ls', {-> filter(CocAction('services'),
    \   {_, s -> s.id =~# 'provenance' && s.state is# 'running'})}, 30)
  catch
    call s:Say('FAILED - coc: coc.nvim started provenance-ls: ' . v:exception)
    call s:Say('0 passed, 1 failed')
    cquit!
  endtry
  call s:Test('hover on a committed function shows its churn history', function('s:HoverCommitted'))
  call s:Test('a paste is told apart and its lines are not committed yet', function('s:Paste'))
  call s:Test('a hover after lines inserted above answers for the function now under it', function('s:InsertAbove'))
  call s:Test('settings: initializationOptions kept through coc''s settings, then coc-settings.json edited', function('s:Settings'))
  call s:Say(printf('%d passed, %d failed', s:passed, s:failed))
  execute s:failed == 0 ? 'qa!' : 'cquit!'
endfunction

autocmd VimEnter * call s:Main()
