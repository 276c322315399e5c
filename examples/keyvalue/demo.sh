#!/bin/sh
# The keyvalue demo: a C guest (wasm32-wasi core module) built with
# `wasmplug bindgen c --guest` writes, reads, lists and deletes keys through
# the keyvalue-sqlite plugin, then runs a second time against the same
# database file to show the data persisted.  Then the same guest as a
# component, and an async guest of the plugin's async variant (streams.wat).
#
# usage: examples/keyvalue/demo.sh BUILD_DIR     (after `make build`)
set -eu

[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
WASMPLUG=$BUILD/cli/wasmplug
PLUGIN=$BUILD/plugins/keyvalue-sqlite/keyvalue-sqlite.so
ASYNC_PLUGIN=$BUILD/plugins/keyvalue-sqlite/keyvalue-sqlite-async.so
for f in "$WASMPLUG" "$PLUGIN" "$ASYNC_PLUGIN"; do
    [ -e "$f" ] || { echo "keyvalue demo: $f is missing: build first (make build)" >&2; exit 1; }
done
OUT=$BUILD/examples/keyvalue
mkdir -p "$OUT/gen"

# 1. C bindings for the guest's world (imports wasi:keyvalue/store).
"$WASMPLUG" bindgen c --guest "$HERE/wit" --world demo -o "$OUT/gen"

# 2. Compile with -O2 but link without it (wasm-ld + -O would run wasm-opt).
CC_WASM="clang --target=wasm32-wasi --sysroot=/usr"
$CC_WASM -std=c11 -Wall -Wextra -Werror -O2 -I"$OUT/gen" -c "$HERE/guest.c" -o "$OUT/guest.o"
$CC_WASM -std=c11 -Wall -Wextra -Werror -O2 -c "$OUT/gen/demo.c" -o "$OUT/demo.o"
$CC_WASM "$OUT/guest.o" "$OUT/demo.o" -o "$OUT/guest.wasm"

# 3. Run it twice on one database file.
DB=$OUT/kv.db
rm -f "$DB"
echo "--- keyvalue demo, run 1: wasmplug run --plugin keyvalue-sqlite.so,path=$DB guest.wasm"
"$WASMPLUG" run --plugin "$PLUGIN,path=$DB" "$OUT/guest.wasm"
echo "--- keyvalue demo, run 2 (same path=)"
"$WASMPLUG" run --plugin "$PLUGIN,path=$DB" "$OUT/guest.wasm"
echo "--- keyvalue demo: without path= the store is in memory and starts empty"
"$WASMPLUG" run --plugin "$PLUGIN" "$OUT/guest.wasm"

# 4. The same guest as a component (jco's preview1 command adapter turns its
#    WASI imports into WASI 0.2, served by wasmplug's built-in WASI plugins),
#    against the same database: the count goes on.
if [ -d "$HERE/../../tools/npm/node_modules" ]; then
    node "$HERE/../../tools/componentize.mjs" new "$OUT/guest.wasm" --wit "$HERE/wit" \
        --world demo --adapter command -o "$OUT/guest.component.wasm"
    echo "--- keyvalue demo, run 3: the guest as a component (same path=)"
    "$WASMPLUG" run --plugin "$PLUGIN,path=$DB" "$OUT/guest.component.wasm"
fi

# 5. The async variant: keyvalue-sqlite-async.so adds wasmplug:keyvalue/streams
#    (values as stream<u8>, an async write).  streams.wat is a component
#    whose put() writes a value into a stream while the plugin's async call
#    reads it, and whose get() reads a value as a stream; same database and
#    bucket, so it also reads what the C guest stored.
if [ -d "$HERE/../../tools/npm/node_modules" ]; then
    node "$HERE/../../tools/componentize.mjs" parse "$HERE/streams.wat" "$OUT/streams.wasm"
    echo "--- keyvalue demo, run 4: the async variant, a value through streams (same path=)"
    "$WASMPLUG" run --plugin "$ASYNC_PLUGIN,path=$DB" --invoke 'put("poem", "so much depends upon a red wheel barrow")' \
        --invoke 'get("poem")' --invoke 'get("no such key")' --invoke 'get("greeting")' "$OUT/streams.wasm"
    echo "--- keyvalue demo, run 5: a new instance reads the streamed value back"
    "$WASMPLUG" run --plugin "$ASYNC_PLUGIN,path=$DB" --invoke 'get("poem")' "$OUT/streams.wasm"
fi
