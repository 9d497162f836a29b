#!/usr/bin/env bash
# The export checked by the real DuckDB: generates two repositories with the
# git CLI, runs `provenance-ls report --json --export` on each, and checks
# that DuckDB's queries over both exports (the README's, on
# `*/lines.parquet`) give the two reports' figures. Installs DuckDB (PyPI)
# into .tools/duckdb-venv (gitignored) when missing; builds nothing: the
# server comes from $PROVENANCE_LS (default target/debug/provenance-ls, or
# $CARGO_TARGET_DIR/debug/provenance-ls). Prints "N passed, M failed" last.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$REPO"

TOOLS="$REPO/.tools"
VENV="$TOOLS/duckdb-venv"
if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
  echo "installing DuckDB into $VENV (pip install duckdb)" >&2
  mkdir -p "$TOOLS"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet duckdb
fi

SERVER="${PROVENANCE_LS:-${CARGO_TARGET_DIR:-target}/debug/provenance-ls}"
[[ "$SERVER" = /* ]] || SERVER="$REPO/$SERVER"
if [[ ! -x "$SERVER" ]]; then
  echo "provenance-ls not found at $SERVER: build it (cargo build -p provenance-ls) or set PROVENANCE_LS" >&2
  exit 2
fi
command -v git >/dev/null || { echo "git is required" >&2; exit 2; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME="$WORK/home"
mkdir -p "$HOME"
exec "$VENV/bin/python" "$REPO/tests/duckdb/check.py" "$SERVER" "$WORK"
