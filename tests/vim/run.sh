#!/usr/bin/env bash
# Runs provenance-ls in a real Vim 9, headless (`vim -es`), with no shim,
# configured only as docs/editors.md says (ale.vimrc and coc-settings.json
# are its text, word for word; the first tests check that): with ALE, hover
# on a committed function, a paste, lines inserted above, an agent's rewrite
# reloaded from disk, an edit source, and a settings change through
# lsp_config; with coc.nvim the same hovers and a settings change through
# coc-settings.json, when a coc.nvim build is there (COC_NVIM: no package
# registry ships one). Installs Debian's vim and vim-ale with apt-get when
# they are missing. Builds nothing: the server comes from $PROVENANCE_LS
# (default target/debug/provenance-ls, or $CARGO_TARGET_DIR/debug/
# provenance-ls) and is put on the PATH as `provenance-ls`, the name the
# configs use. Prints "N passed, M failed" last and exits non-zero on
# failure.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$REPO"

has_ale() { command -v vim >/dev/null && [[ -d /usr/share/vim/vimfiles/pack/dist-bundle/opt/ale ]]; }
if ! has_ale; then
  echo "installing vim and vim-ale (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  packages=(vim vim-ale)
  apt-get install -y --no-install-recommends "${packages[@]}" >/dev/null 2>&1 ||
    { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${packages[@]}" >/dev/null; } || true
fi
has_ale || { echo "0 passed, 1 failed (no Vim with ALE)"; exit 1; }

SERVER="${PROVENANCE_LS:-${CARGO_TARGET_DIR:-target}/debug/provenance-ls}"
[[ "$SERVER" = /* ]] || SERVER="$REPO/$SERVER"
if [[ ! -x "$SERVER" ]]; then
  echo "provenance-ls not found at $SERVER: build it (cargo build -p provenance-ls) or set PROVENANCE_LS" >&2
  exit 2
fi

SANDBOX="$(mktemp -d)"
trap 'rm -rf "$SANDBOX"' EXIT
export HOME="$SANDBOX/home" XDG_DATA_HOME="$SANDBOX/home/.local/share"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
mkdir -p "$HOME" "$SANDBOX/bin"
ln -s "$SERVER" "$SANDBOX/bin/provenance-ls"
export PATH="$SANDBOX/bin:$PATH"

passed=0
failed=0
status=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
fail() { echo "FAILED - $1"; failed=$((failed + 1)); status=1; }

# The fenced block of language $2 right under the heading $1 of docs/editors.md.
doc_block() {
  awk -v heading="$1" -v fence="\`\`\`$2" '
    $0 == heading { inside = 1; next }
    inside == 1 && /^## / { exit }
    inside == 1 && $0 == fence { inside = 2; next }
    inside == 2 && $0 == "```" { exit }
    inside == 2 { print }
  ' docs/editors.md
}
same_as_doc() {
  if diff <(doc_block "$1" "$2") "$3" >"$SANDBOX/doc.diff"; then
    ok "$4: $3 is the config docs/editors.md gives"
  else
    fail "$4: $3 differs from docs/editors.md:"
    cat "$SANDBOX/doc.diff"
  fi
}
same_as_doc "## Vim: ALE" vim tests/vim/ale.vimrc ale
same_as_doc "## Vim / Neovim: coc.nvim" json tests/vim/coc-settings.json coc

# A repository whose `total` was rewritten by a second author after the
# commit that added it; the price list above it came in a commit before.
PROV_REPO="$SANDBOX/shop"
export PROV_REPO
mkdir -p "$PROV_REPO"
(
  cd "$PROV_REPO"
  git init -q -b main
  git config user.name "Ada Lovelace"
  git config user.email ada@example.com
  commit() { GIT_AUTHOR_DATE="$1" GIT_COMMITTER_DATE="$1" git commit -q -am "$2"; }
  printf 'PRICES = {"apple": 3, "pear": 4}\n' >shop.py
  git add shop.py && commit 2025-01-10T10:00:00Z "Add the price list"
  printf '\n\ndef total(basket):\n    """What the basket costs."""\n    return sum(PRICES[item] for item in basket)\n\n\n' >>shop.py
  commit 2025-01-12T10:00:00Z "Add total"
  sed -i 's/PRICES\[item\]/PRICES.get(item, 0)/' shop.py
  git config user.name "Bo Other" && git config user.email bo@example.com
  commit 2025-02-01T10:00:00Z "Count unknown items as free"
)

# Runs one Vim script ($1) with the rest as Vim's arguments and adds up
# what it wrote to its log.
run_vim() {
  local name="$1" line
  shift
  export PROV_LOG="$SANDBOX/$name.log"
  : >"$PROV_LOG"
  timeout 300 vim -N -es -i NONE -n --cmd 'filetype plugin on' "$@" -S "tests/vim/$name.vim" \
    </dev/null >"$SANDBOX/$name.out" 2>&1 || status=1
  grep -aE '^(ok|FAILED) - ' "$PROV_LOG" || true
  line="$(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$PROV_LOG" | tail -n 1 || true)"
  if [[ -z "$line" ]]; then
    fail "$name.vim stopped before its summary:"
    tail -n 20 "$SANDBOX/$name.out" "$PROV_LOG"
    return
  fi
  passed=$((passed + ${line%% passed*}))
  line="${line#*passed, }"
  failed=$((failed + ${line%% failed*}))
}

# A fresh copy of the repository for each editor.
fresh_repo() {
  rm -rf "$PROV_REPO"
  cp -a "$SANDBOX/shop.orig" "$PROV_REPO"
}

cp -a "$PROV_REPO" "$SANDBOX/shop.orig"
run_vim ale -u tests/vim/ale.vimrc

# coc.nvim: no package registry ships the built plugin (npm's coc.nvim is
# its type definitions only), so this runs only where a checkout of its
# release branch is given (COC_NVIM, or .tools/coc.nvim).
COC_NVIM="${COC_NVIM:-$REPO/.tools/coc.nvim}"
if [[ -f "$COC_NVIM/build/index.js" ]]; then
  fresh_repo
  mkdir -p "$HOME/.vim"
  cp tests/vim/coc-settings.json "$HOME/.vim/coc-settings.json"
  printf 'set runtimepath^=%s\n' "$COC_NVIM" >"$HOME/.vimrc"
  run_vim coc -u "$HOME/.vimrc"
else
  echo "skipped - coc: no coc.nvim build at $COC_NVIM (set COC_NVIM to a checkout of its release branch)"
fi

echo "$passed passed, $failed failed"
exit "$status"
