#!/usr/bin/env bash
# Runs provenance-ls in a real Vim 9 with ALE and no shim, headless
# (`vim -es`), configured only as docs/editors.md says (ale.vimrc is that
# text, word for word; the first test checks it): hover on a committed
# function, a paste, lines inserted above, and a settings change through
# lsp_config. Installs Debian's vim and vim-ale with apt-get when they are
# missing. Builds nothing: the server comes from $PROVENANCE_LS (default
# target/debug/provenance-ls, or $CARGO_TARGET_DIR/debug/provenance-ls) and
# is put on the PATH as `provenance-ls`, the name the config uses. Prints
# "N passed, M failed" last and exits non-zero on failure.
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
if diff <(doc_block "## Vim: ALE" vim) tests/vim/ale.vimrc >"$SANDBOX/doc.diff"; then
  ok "ale: tests/vim/ale.vimrc is the config docs/editors.md gives"
else
  fail "ale: tests/vim/ale.vimrc differs from docs/editors.md:"
  cat "$SANDBOX/doc.diff"
fi

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

export PROV_LOG="$SANDBOX/ale.log"
: >"$PROV_LOG"
timeout 300 vim -N -es -i NONE -n --cmd 'filetype plugin on' -u tests/vim/ale.vimrc \
  -S tests/vim/ale.vim </dev/null >"$SANDBOX/vim.out" 2>&1 || status=1
grep -aE '^(ok|FAILED) - ' "$PROV_LOG" || true
line="$(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$PROV_LOG" | tail -n 1 || true)"
if [[ -z "$line" ]]; then
  fail "ale.vim stopped before its summary:"
  tail -n 20 "$SANDBOX/vim.out" "$PROV_LOG"
else
  passed=$((passed + ${line%% passed*}))
  line="${line#*passed, }"
  failed=$((failed + ${line%% failed*}))
fi
echo "$passed passed, $failed failed"
exit "$status"
