#!/usr/bin/env bash
# Records the VS Code edit traces of tests/traces/ (format in its README.md):
# a scripted session in a real VS Code (code-server, headless chromium) with
# tests/vscode/recorder-extension installed, one trace per session.
#
#   SESSIONS="js python"   which sessions of record.mjs to record (default: all)
#
# Writes tests/traces/vscode-<session>.jsonl. Needs the tools tests/vscode/run.sh
# installs (it installs them too) and editors/vscode/node_modules for vsce.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$REPO"
vars="$(REPO="$REPO" bash tests/vscode/install.sh)"
eval "$vars"
NODE_BIN="$(dirname "$NODE24")"
VSCE="$REPO/editors/vscode/node_modules/@vscode/vsce/vsce"
[ -x "$VSCE" ] || { echo "no vsce: run (cd editors/vscode && npm ci) first" >&2; exit 1; }
OUT="${CARGO_TARGET_DIR:-$REPO/target}/vscode-traces"
mkdir -p "$OUT"
VSIX="$OUT/provenance-trace-recorder.vsix"
(cd tests/vscode/recorder-extension &&
  PATH="$NODE_BIN:$PATH" "$NODE24" "$VSCE" package --no-dependencies --skip-license --allow-missing-repository --out "$VSIX" >&2)
for session in ${SESSIONS:-js python}; do
  CODE_SERVER="$CODE_SERVER" PLAYWRIGHT_DIR="$PLAYWRIGHT_DIR" RECORDER_VSIX="$VSIX" \
    OUT="$OUT/$session" SESSION="$session" TRACE="$REPO/tests/traces/vscode-$session.jsonl" \
    PATH="$NODE_BIN:$PATH" "$NODE24" tests/vscode/record.mjs
done
