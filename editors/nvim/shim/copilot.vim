" Sourced by provenance.nvim (lua/provenance/sources.lua) once copilot.vim's
" autoload script is loaded: wraps copilot#Accept, copilot#AcceptWord and
" copilot#AcceptLine so every mapping that calls them by name tells
" provenance-ls that the text they insert is a completion by copilot.
" The originals are kept by funcref and called unchanged.
"
" This file is named copilot.vim because Vim lets only a script of that name
" define copilot#… functions (E746). It lives outside autoload/ so Vim never
" mistakes it for copilot.vim's own.
for s:name in ['Accept', 'AcceptWord', 'AcceptLine']
  if exists('*copilot#' .. s:name) && !exists('g:Provenance_copilot_' .. s:name)
    let g:Provenance_copilot_{s:name} = funcref('copilot#' .. s:name)
  endif
endfor

" The keys copilot.vim returns insert the suggestion; these run right after
" them, before any later key, and tell the server what changed.
let s:accepted = "\<Cmd>call v:lua.require'provenance.sources'.copilot_vim_accepted()\<CR>"

if exists('g:Provenance_copilot_Accept')
  function! copilot#Accept(...) abort
    call v:lua.require'provenance.sources'.copilot_vim_accepting()
    return call(g:Provenance_copilot_Accept, a:000) .. s:accepted
  endfunction
endif

if exists('g:Provenance_copilot_AcceptWord')
  function! copilot#AcceptWord(...) abort
    call v:lua.require'provenance.sources'.copilot_vim_accepting()
    return call(g:Provenance_copilot_AcceptWord, a:000) .. s:accepted
  endfunction
endif

if exists('g:Provenance_copilot_AcceptLine')
  function! copilot#AcceptLine(...) abort
    call v:lua.require'provenance.sources'.copilot_vim_accepting()
    return call(g:Provenance_copilot_AcceptLine, a:000) .. s:accepted
  endfunction
endif
