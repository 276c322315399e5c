#!/bin/sh
# Installs every Debian package wasmplug needs to build, test and run its
# demo, and nothing that is already there.  Runs as root on Debian 12; apt's
# package lists are refreshed once, and only if something is missing.
set -eu

# libc6-dev by name: apt installs without recommends, so gcc alone does not
# bring it, and the static `wasmplug` command links its libc.a.
PKGS="cmake make gcc libc6-dev pkg-config wabt tcc libtcc-dev libffi-dev libsqlite3-dev
libseccomp-dev clang lld wasi-libc libclang-rt-14-dev-wasm32
libclang-rt-14-dev libmicrohttpd-dev libcurl4-openssl-dev curl wrk"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done

# Node may come from another repository (its npm is then bundled): only ask
# Debian for it when the commands are absent.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"

if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "install-deps: missing packages:$missing (run as root to install them)" >&2
        exit 1
    fi
    echo "install-deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
fi

# npm tools used only by tests and examples (componentizing C guests).
if [ -f "$(dirname "$0")/../tools/npm/package.json" ]; then
    dir="$(cd "$(dirname "$0")/../tools/npm" && pwd)"
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package.json" -nt "$dir/node_modules" ]; then
        echo "install-deps: npm install in tools/npm"
        (cd "$dir" && npm install --no-audit --no-fund --loglevel=error && touch node_modules)
    fi
fi
