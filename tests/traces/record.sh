#!/usr/bin/env bash
# Records the Neovim edit traces (tests/traces/nvim-*.jsonl) in a real
# headless Neovim 0.12 with the plugin and the real server (see README.md).
# Needs Neovim from tests/nvim/run.sh's install (.tools/nvim-venv) and a
# built server ($PROVENANCE_LS, default $CARGO_TARGET_DIR/debug/provenance-ls).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
NVIM="$REPO/.tools/nvim-venv/bin/nvim"
SERVER="${PROVENANCE_LS:-${CARGO_TARGET_DIR:-$REPO/target}/debug/provenance-ls}"
SANDBOX="$(mktemp -d)"
trap 'rm -rf "$SANDBOX"' EXIT
export XDG_CONFIG_HOME="$SANDBOX/config" XDG_DATA_HOME="$SANDBOX/data" \
  XDG_STATE_HOME="$SANDBOX/state" XDG_CACHE_HOME="$SANDBOX/cache" HOME="$SANDBOX"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export PROVENANCE_LS="$SERVER" REPO
for session in ${SESSIONS:-rust python go}; do
  TRACE_SESSION="$session" TRACE_OUT="$REPO/tests/traces/nvim-$session.jsonl" \
    timeout 300 "$NVIM" --headless -u NONE -i NONE -n \
    --cmd "set rtp^=$REPO/editors/nvim" \
    -c "luafile $REPO/tests/traces/record_nvim.lua" </dev/null >"$SANDBOX/messages.log"
done
