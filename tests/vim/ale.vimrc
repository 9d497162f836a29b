packadd! ale  " Debian's vim-ale; leave this out when a plugin manager loads ALE
call ale#linter#Define('python', {
\   'name': 'provenance_ls',
\   'lsp': 'stdio',
\   'executable': 'provenance-ls',
\   'command': '%e lsp',
\   'project_root': {buffer -> fnamemodify(ale#path#FindNearestDirectory(buffer, '.git'), ':h:h')},
\   'initialization_options': {'diagnostics': {'severity': 'warning'}},
\   'lsp_config': {buffer -> {'provenance': get(g:, 'provenance_settings', {})}},
\})
" An entry here replaces ALE's default linters for python: name yours too.
let g:ale_linters = {'python': ['provenance_ls']}

" Says where the change just made came from (docs/protocol.md), e.g. from
" the mapping that accepts an AI completion: ProvenanceEditSource('completion', 'copilot').
function! ProvenanceEditSource(source, ...) abort
  ALELint
  let l:params = {'source': a:source, 'textDocument': {
  \   'uri': ale#util#ToURI(expand('%:p')), 'version': g:ale_lsp_next_version_id - 1}}
  if a:0
    let l:params.agent = a:1
  endif
  call ale#lsp_linter#SendRequest(bufnr(''), 'provenance_ls', [1, 'provenance/editSource', l:params])
endfunction
" Names Vim's reload of a file changed on disk: what another program wrote
" is marked `external`. (A file an agent rewrote, its hook having run
" `provenance-ls mark`, is the agent's when Vim reloads it, with or without this.)
set autoread
augroup provenance
  autocmd!
  autocmd FileChangedShellPost *.py call ProvenanceEditSource('reload')
augroup END
