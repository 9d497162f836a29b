#!/usr/bin/env bash
# Runs provenance-ls in a real Emacs with eglot and no shim (headless:
# `emacs --batch`), configured only as docs/editors.md says: hover on a
# committed function, a paste, lines inserted above, and a settings change
# through eglot-workspace-configuration; then with lsp-mode: its hover, and
# no "Unknown notification" warning. Installs Debian's emacs-nox, elpa-eglot
# and elpa-lsp-mode with apt-get when they are missing. Builds nothing:
# the server comes from $PROVENANCE_LS (default target/debug/provenance-ls,
# or $CARGO_TARGET_DIR/debug/provenance-ls). Prints "N passed, M failed"
# last and exits non-zero on failure. When tmux and ImageMagick are there
# it first retakes docs/emacs-hover.png (SCREENSHOT=0 skips that).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$REPO"

has() {
  command -v emacs >/dev/null && emacs --batch --eval "(require '$1)" >/dev/null 2>&1
}
if ! has eglot || ! has lsp-mode; then
  echo "installing emacs-nox, elpa-eglot and elpa-lsp-mode (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  packages=(emacs-nox elpa-eglot elpa-lsp-mode)
  apt-get install -y --no-install-recommends "${packages[@]}" >/dev/null 2>&1 ||
    { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${packages[@]}" >/dev/null; } || true
fi
has eglot || { echo "0 passed, 1 failed (no Emacs with eglot)"; exit 1; }

SERVER="${PROVENANCE_LS:-${CARGO_TARGET_DIR:-target}/debug/provenance-ls}"
[[ "$SERVER" = /* ]] || SERVER="$REPO/$SERVER"
if [[ ! -x "$SERVER" ]]; then
  echo "provenance-ls not found at $SERVER: build it (cargo build -p provenance-ls) or set PROVENANCE_LS" >&2
  exit 2
fi
export PROVENANCE_LS="$SERVER"

SANDBOX="$(mktemp -d)"
trap 'rm -rf "$SANDBOX"' EXIT
export HOME="$SANDBOX/home" XDG_DATA_HOME="$SANDBOX/home/.local/share"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
mkdir -p "$HOME"

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

if [[ "${SCREENSHOT:-1}" != 0 && -x "$REPO/tests/emacs/screenshot.sh" ]]; then
  "$REPO/tests/emacs/screenshot.sh" || echo "screenshot: not taken (the tests do not depend on it)" >&2
fi

# Each runner prints "N passed, M failed" last; this adds them up.
status=0
passed=0
failed=0
run() {
  local log="$SANDBOX/$1.log" line
  timeout 300 emacs --batch -l "$REPO/tests/emacs/$1.el" >"$log" 2>&1 || status=1
  grep -E '^(ok|FAILED) - ' "$log" || true
  line="$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 || true)"
  if [[ -z "$line" ]]; then
    echo "FAILED - $1.el stopped before its summary:"
    tail -n 20 "$log"
    failed=$((failed + 1))
    status=1
    return
  fi
  passed=$((passed + ${line%% passed*}))
  line="${line#*passed, }"
  failed=$((failed + ${line%% failed*}))
}
run eglot
if has lsp-mode; then
  run lsp-mode
else
  echo "FAILED - lsp-mode is not installed (elpa-lsp-mode)"
  failed=$((failed + 1))
  status=1
fi
echo "$passed passed, $failed failed"
exit "$status"
