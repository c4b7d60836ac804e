#!/usr/bin/env bash
# Installs everything strangler and its test suite need on a fresh Debian machine:
# system packages (graphviz, chromium, nginx + Lua), a venv in .venv with the project and
# its test extra, and the pinned mermaid library the browser tests render with.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  graphviz                       # dot: the SVG dependency diagram
  chromium                       # headless browser for the report and mermaid tests
  nginx libnginx-mod-http-lua    # the generated API gateway, tested on the real nginx
  lua-resty-core lua-resty-lrucache lua-nginx-string lua-nginx-redis lua-cjson
)
# npm installs the pinned mermaid for the browser tests; a machine with its own Node.js keeps
# it (Debian's nodejs conflicts with other builds of node)
command -v npm >/dev/null || APT_PACKAGES+=(nodejs npm)

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

if [ -f tests/reports/js/package-lock.json ]; then
  npm ci --prefix tests/reports/js --no-audit --no-fund --loglevel=error
fi
echo "installed: .venv/bin/strangler"
