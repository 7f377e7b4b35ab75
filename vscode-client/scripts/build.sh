#!/usr/bin/env bash
# Builds, lints, tests and packs the Backend Architect VS Code extension.
# Usage: vscode-client/scripts/build.sh   (from anywhere; exits non-zero on failure)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ -f package-lock.json ]; then
    npm ci
else
    npm install
fi
npm run build
npm run lint
npm test
npm run package
ls -1 ./*.vsix
