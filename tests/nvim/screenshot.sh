#!/usr/bin/env bash
# Takes docs/nvim-decorations.png (SHOT=hover: docs/nvim-hover.png, the
# hover on an assistant's line): runs Neovim with the plugin in tmux
# against the real server (tests/nvim/screenshot.lua makes the regions),
# captures the screen with its colours, renders it to HTML with aha and
# photographs that with headless chromium. Needs tmux, aha and chromium
# (apt-get install tmux aha chromium); says so and fails without them.
# Usage: screenshot.sh NVIM [WORKDIR]; PROVENANCE_LS must be set.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
NVIM="$1"
WORK="$(mktemp -d "${2:-${TMPDIR:-/tmp}}/shot.XXXXXX")"
for tool in tmux aha chromium; do
  command -v "$tool" >/dev/null || { echo "screenshot: $tool is missing" >&2; exit 1; }
done
: "${PROVENANCE_LS:?PROVENANCE_LS must be set}"

SESSION="provenance-shot-$$"
SHOT="${SHOT:-decorations}"
case "$SHOT" in decorations | hover) ;; *) echo "screenshot: SHOT is decorations or hover" >&2; exit 1 ;; esac
export SCREENSHOT_SHOT="$SHOT" SCREENSHOT_READY="$WORK/ready" STUB_COMPLETION_FILE="$WORK/completion.txt"
cleanup() { tmux -L "$SESSION" kill-server 2>/dev/null || true; }
trap cleanup EXIT

COLS=100 ROWS=32
# The tmux config: no status bar (so the pane is the whole window), a fixed
# size, and true colour passed through.
printf '%s\n' 'set -g status off' 'set -g default-size "'"${COLS}x${ROWS}"'"' \
  'set -sa terminal-overrides ",*:RGB"' 'set -g default-terminal tmux-256color' >"$WORK/tmux.conf"
tmux -L "$SESSION" -f "$WORK/tmux.conf" new-session -d -s shot -x "$COLS" -y "$ROWS" \
  -e "TERM=tmux-256color" -e "COLORTERM=truecolor" \
  -e "PROVENANCE_LS=$PROVENANCE_LS" -e "SCREENSHOT_READY=$SCREENSHOT_READY" \
  -e "SCREENSHOT_SHOT=$SCREENSHOT_SHOT" \
  -e "STUB_COMPLETION_FILE=$STUB_COMPLETION_FILE" \
  -e "XDG_CONFIG_HOME=$WORK/config" -e "XDG_DATA_HOME=$WORK/data" \
  -e "XDG_STATE_HOME=$WORK/state" -e "XDG_CACHE_HOME=$WORK/cache" \
  -e "GIT_CONFIG_NOSYSTEM=1" -e "GIT_CONFIG_GLOBAL=/dev/null" \
  "$NVIM -u NONE -i NONE -n --cmd 'set rtp^=$REPO/editors/nvim' -c 'luafile $REPO/tests/nvim/screenshot.lua'"

for _ in $(seq 1 300); do
  [[ -s "$SCREENSHOT_READY" ]] && break
  sleep 0.1
done
if [[ "$(cat "$SCREENSHOT_READY" 2>/dev/null)" != ready ]]; then
  echo "screenshot: Neovim did not get ready: $(cat "$SCREENSHOT_READY" 2>/dev/null)" >&2
  tmux -L "$SESSION" capture-pane -p -t shot >&2 || true
  exit 1
fi

tmux -L "$SESSION" capture-pane -e -p -t shot >"$WORK/screen.ansi"
aha --black --title "provenance in Neovim" <"$WORK/screen.ansi" >"$WORK/screen.html"
# aha's page in a terminal font, without margins.
sed -i 's|</head>|<style>body{margin:8px;font:15px/1.25 "DejaVu Sans Mono",monospace}pre{margin:0}</style></head>|' "$WORK/screen.html"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
  --window-size=930,620 --screenshot="$WORK/screen.png" "file://$WORK/screen.html" >/dev/null 2>&1
mkdir -p "$REPO/docs"
cp "$WORK/screen.png" "$REPO/docs/nvim-$SHOT.png"
echo "screenshot: docs/nvim-$SHOT.png" >&2
