#!/usr/bin/env bash
# The VS Code suite: installs what it needs on a fresh machine (cached under
# .tools/, so a second run is fast), builds the .vsix, and drives the packaged
# extension in a real VS Code (code-server) through headless chromium against
# the real server binary.
#
#   PROVENANCE_LS   server binary (default: $CARGO_TARGET_DIR or target, /debug/provenance-ls)
#   UPDATE_DOCS=1   also write the hover screenshot to docs/vscode-hover.png
#   ONLY=REGEX      run only the tests whose names match (the first one opens the workbench)
#   KEEP=FILE       debugging: leave code-server and chromium (CDP on port 9333) up until FILE exists
#
# Output (logs, screenshots, the generated repository): target/vscode-tests/.
# Ends with "N passed, M failed"; exits non-zero on any failure.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$REPO"
started=$(date +%s)
say() { printf '[vscode %s] %s\n' "$(date +%T)" "$*" >&2; }

fail_setup() {
  echo "not ok - setup: $*"
  echo "0 passed, 1 failed"
  exit 1
}

vars="$(REPO="$REPO" bash tests/vscode/install.sh)" || fail_setup "installing the tools failed"
eval "$vars"
NODE_BIN="$(dirname "$NODE24")"
NPM_CLI="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"
npm24() { PATH="$NODE_BIN:$PATH" "$NODE24" "$NPM_CLI" "$@"; }
say "tools ready ($(( $(date +%s) - started ))s)"

SERVER="${PROVENANCE_LS:-${CARGO_TARGET_DIR:-$REPO/target}/debug/provenance-ls}"
case "$SERVER" in /*) ;; *) SERVER="$REPO/$SERVER" ;; esac
[ -x "$SERVER" ] || fail_setup "no server binary at $SERVER (cargo build -p provenance-ls, or set PROVENANCE_LS)"

OUT="$REPO/target/vscode-tests"
mkdir -p "$OUT"

say "building the .vsix"
(
  cd editors/vscode
  # npm ci only when the lock file changed since the last one (a stamp in node_modules).
  lock="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [ "$(cat node_modules/.lock-stamp 2>/dev/null)" != "$lock" ]; then
    npm24 ci --no-audit --no-fund --loglevel=error
    echo "$lock" >node_modules/.lock-stamp
  fi
  npm24 test   # the table of edit reasons, without an editor
  npm24 run package
) >"$OUT/../vscode-build.log" 2>&1 || { cat "$OUT/../vscode-build.log" >&2; fail_setup "building or unit-testing the extension failed"; }
VSCE="$REPO/editors/vscode/node_modules/@vscode/vsce/vsce"
STUB_VSIX="$REPO/target/provenance-test-stub.vsix"
(
  cd tests/vscode/stub-extension
  PATH="$NODE_BIN:$PATH" "$NODE24" "$VSCE" package --no-dependencies --skip-license --allow-missing-repository --out "$STUB_VSIX"
) >>"$OUT/../vscode-build.log" 2>&1 || { cat "$OUT/../vscode-build.log" >&2; fail_setup "packaging the test stub failed"; }
say "built ($(( $(date +%s) - started ))s)"

docs=()
[ "${UPDATE_DOCS:-}" = 1 ] && docs=(DOCS_SCREENSHOT="$REPO/docs/vscode-hover.png")
status=0
env "${docs[@]}" \
  CODE_SERVER="$CODE_SERVER" PLAYWRIGHT_DIR="$PLAYWRIGHT_DIR" \
  PROVENANCE_VSIX="$REPO/editors/vscode/provenance.vsix" STUB_VSIX="$STUB_VSIX" \
  PROVENANCE_LS="$SERVER" OUT="$OUT" \
  PATH="$NODE_BIN:$PATH" "$NODE24" tests/vscode/test.mjs || status=$?
say "done in $(( $(date +%s) - started ))s; output in $OUT"
exit "$status"
