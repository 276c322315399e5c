#!/bin/sh
# `wasmplug compose` output run by another runtime: jco transpiles the
# composition of plugin.wasm, logger.wasm and app.wasm to JavaScript and
# Node runs it (test:kv/pool, left as an import, comes from jco/pool.js).
# usage: jco_test.sh WASMPLUG WASM_DIR JCO WORK_DIR
set -eu
W=$1 D=$2 JCO=$3 WORK=$4
HERE=$(cd "$(dirname "$0")" && pwd)
rm -rf "$WORK"
mkdir -p "$WORK"
"$W" compose --plugin "$D/plugin.wasm" --plugin "$D/logger.wasm" "$D/app.wasm" -o "$WORK/composed.wasm"
"$JCO" transpile "$WORK/composed.wasm" -o "$WORK/js" --name composed --map 'test:kv/pool=./pool.js' >/dev/null
cp "$HERE/jco/pool.js" "$HERE/jco/run.mjs" "$WORK/js/"
echo '{"type":"module"}' >"$WORK/js/package.json"
got=$(node "$WORK/js/run.mjs")
want='1000004 1000005 2639758403 20020 ["paranoid",{"read":false,"write":true,"admin":true},"cba"]'
if [ "$got" != "$want" ]; then
  echo "FAIL: jco run of the composed component printed '$got', want '$want'"
  exit 1
fi
echo "wasm_plugin_jco: the composed component runs on jco: $got"
