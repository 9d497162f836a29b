#!/usr/bin/env bash
# Retakes docs/emacs-hover.png: Emacs -nw with eglot under tmux, hovering a
# committed function of $PROV_REPO (built by run.sh), the pane captured as
# text and rendered with ImageMagick. Needs tmux and ImageMagick's convert.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
CONVERT=/usr/bin/convert
[[ -x "$CONVERT" ]] || CONVERT="$(command -v convert || true)"
command -v tmux >/dev/null && [[ -n "$CONVERT" ]] || { echo "screenshot: needs tmux and ImageMagick" >&2; exit 1; }
WORK="$(mktemp -d)"
SESSION="provenance-emacs-$$"
trap 'tmux kill-session -t "$SESSION" 2>/dev/null || true; rm -rf "$WORK"' EXIT
export PROV_DONE="$WORK/done"
tmux new-session -d -s "$SESSION" -x 96 -y 30 \
  "env TERM=xterm-256color PROV_REPO='$PROV_REPO' PROVENANCE_LS='$PROVENANCE_LS' PROV_DONE='$PROV_DONE' HOME='$HOME' emacs -nw -q -l '$REPO/tests/emacs/screenshot.el'"
for _ in $(seq 1 150); do
  [[ -e "$PROV_DONE" ]] && break
  sleep 0.2
done
[[ -e "$PROV_DONE" ]] || { echo "screenshot: the hover never showed" >&2; exit 1; }
sleep 1
tmux capture-pane -p -t "$SESSION" >"$WORK/pane.txt"
# -annotate reads % and \ as escapes: double them. 9×18 px per cell.
text="$(sed 's/\\/\\\\/g; s/%/%%/g' "$WORK/pane.txt")"
"$CONVERT" -size "$((96 * 9 + 24))x$((30 * 18 + 24))" xc:'#1e1e1e' -font DejaVu-Sans-Mono \
  -pointsize 15 -fill '#e0e0e0' -annotate +12+26 "$text" "$REPO/docs/emacs-hover.png"
echo "screenshot: docs/emacs-hover.png" >&2
