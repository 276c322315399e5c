#!/bin/sh
# The Wasmtime plugin RFC's scenario: a wasm component plugin written in C
# (plugin.c) imports wasi:dl and exports wasi:keyvalue/store by calling the
# system's libsqlite3 through it.  The keyvalue demo's guest runs against it
# unchanged and prints what it prints with the native keyvalue-sqlite plugin.
# The user grants the library on the plugin's spec (allow-dl=); without the
# grant the plugin is refused.
#
# usage: examples/kv-over-dl/demo.sh BUILD_DIR     (after `make build`)
set -eu

[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WASMPLUG=$BUILD/cli/wasmplug
[ -x "$WASMPLUG" ] || { echo "kv-over-dl demo: $WASMPLUG is missing: build first (make build)" >&2; exit 1; }
[ -d "$ROOT/tools/npm/node_modules" ] || {
    echo "kv-over-dl demo: tools/npm/node_modules is missing (jco): run scripts/install-deps.sh" >&2; exit 1; }
COMPONENTIZE="node $ROOT/tools/componentize.mjs"
CC_WASM="clang --target=wasm32-wasi --sysroot=/usr"
OUT=$BUILD/examples/kv-over-dl
mkdir -p "$OUT/gen"

# 1. C bindings for the plugin's imports (wasi:dl).  C bindgen cannot export
#    resources yet, so the world `dl-imports` has only the imports and
#    plugin.c writes the store's exports (resource `bucket`) by hand.
"$WASMPLUG" bindgen c --guest "$HERE/wit" --world dl-imports -o "$OUT/gen"

# 2. Compile with -O2, link without it.  Only malloc and string functions
#    come from wasi-libc and no start files: the core module imports
#    nothing from WASI, so the component needs no adapter.
$CC_WASM -std=c11 -Wall -Wextra -Werror -O2 -I"$OUT/gen" -c "$HERE/plugin.c" -o "$OUT/plugin.o"
$CC_WASM -std=c11 -Wall -Wextra -Werror -O2 -c "$OUT/gen/dl_imports.c" -o "$OUT/dl_imports.o"
$CC_WASM -nostartfiles -Wl,--no-entry "$OUT/plugin.o" "$OUT/dl_imports.o" -o "$OUT/kv-dl.core.wasm"

# 3. Componentize (world kv-dl: imports wasi:dl, exports the store).
#    wit-component exports the interface with resource `bucket` through a
#    shim component instantiated with the resource as a type argument; the
#    component is loaded as jco writes it.
$COMPONENTIZE new "$OUT/kv-dl.core.wasm" --wit "$HERE/wit" --world kv-dl --adapter none \
    -o "$OUT/kv-dl.wasm"
echo "--- kv-over-dl: built $OUT/kv-dl.wasm ($(wc -c <"$OUT/kv-dl.wasm" | tr -d ' ') bytes), world:"
"$WASMPLUG" wit "$OUT/kv-dl.wasm" | sed -n '/^world/,/^}/p'

# 4. The keyvalue demo's guest as a command component, built as
#    examples/keyvalue/demo.sh builds it (unless that demo already did).
KV=$BUILD/examples/keyvalue
GUEST=$KV/guest.component.wasm
if [ ! -f "$GUEST" ]; then
    mkdir -p "$KV/gen"
    "$WASMPLUG" bindgen c --guest "$ROOT/examples/keyvalue/wit" --world demo -o "$KV/gen"
    $CC_WASM -std=c11 -Wall -Wextra -Werror -O2 -I"$KV/gen" -c "$ROOT/examples/keyvalue/guest.c" -o "$KV/guest.o"
    $CC_WASM -std=c11 -Wall -Wextra -Werror -O2 -c "$KV/gen/demo.c" -o "$KV/demo.o"
    $CC_WASM "$KV/guest.o" "$KV/demo.o" -o "$KV/guest.wasm"
    $COMPONENTIZE new "$KV/guest.wasm" --wit "$ROOT/examples/keyvalue/wit" --world demo --adapter command \
        -o "$GUEST"
fi

# 5. Run the unchanged guest against it.
cd "$OUT"
echo "--- kv-over-dl: wasmplug run --plugin kv-dl.wasm,allow-dl=libsqlite3.so.0 guest.component.wasm"
"$WASMPLUG" run --plugin "kv-dl.wasm,allow-dl=libsqlite3.so.0" "$GUEST" >"$OUT/dl.out"
cat "$OUT/dl.out"

NATIVE=$BUILD/plugins/keyvalue-sqlite/keyvalue-sqlite.so
if [ -e "$NATIVE" ]; then
    "$WASMPLUG" run --plugin "$NATIVE" "$GUEST" >"$OUT/native.out"
    if cmp -s "$OUT/dl.out" "$OUT/native.out"; then
        echo "--- kv-over-dl: same output as with the native plugin (keyvalue-sqlite.so, in memory)"
    else
        echo "kv-over-dl demo: the output differs from the native plugin's:" >&2
        diff "$OUT/native.out" "$OUT/dl.out" >&2 || true
        exit 1
    fi
fi

# 5b. A guest that leaves without dropping its bucket (exit, or a trap):
#    the host drops what it left, then the plugin's lifecycle shutdown
#    (wasmplug:plugin/lifecycle) closes sqlite.  Under SANITIZE=1 builds,
#    LeakSanitizer fails the run if anything sqlite allocated is left.
LEAVE=$OUT/leave.wasm
mkdir -p "$OUT/kvgen"
"$WASMPLUG" bindgen c --guest "$ROOT/examples/keyvalue/wit" --world demo -o "$OUT/kvgen"
$CC_WASM -std=c11 -Wall -Wextra -Werror -O2 -I"$OUT/kvgen" -c "$HERE/leave.c" -o "$OUT/leave.o"
$CC_WASM -std=c11 -Wall -Wextra -Werror -O2 -c "$OUT/kvgen/demo.c" -o "$OUT/kvgen.o"
$CC_WASM "$OUT/leave.o" "$OUT/kvgen.o" -o "$OUT/leave.core.wasm"
$COMPONENTIZE new "$OUT/leave.core.wasm" --wit "$ROOT/examples/keyvalue/wit" --world demo --adapter command -o "$LEAVE"
for how in exit trap; do
    status=0
    "$WASMPLUG" run --plugin "kv-dl.wasm,allow-dl=libsqlite3.so.0" "$LEAVE" $how >"$OUT/leave.out" 2>&1 || status=$?
    want=0; [ $how = trap ] && want=134
    echo "--- kv-over-dl: a guest leaving by $how without dropping its bucket: exit status $status"
    sed 's/^/    /' "$OUT/leave.out" | head -3
    if [ "$status" -ne "$want" ] || ! grep -q "leaving without dropping" "$OUT/leave.out"; then
        echo "kv-over-dl demo: the guest leaving by $how: expected status $want" >&2
        exit 1
    fi
done

# The narrowest grant: exactly the symbols plugin.c uses, each pinned to the
# signature it calls it with ("," is written "+" inside a --plugin spec).
PINNED='libsqlite3.so.0:sqlite3_open:(pointer+pointer)->c-int+sqlite3_prepare_v2:(pointer+pointer+c-int+pointer+pointer)->c-int'
PINNED=$PINNED'+sqlite3_bind_text:(pointer+c-int+pointer+c-int+pointer)->c-int+sqlite3_step:(pointer)->c-int'
PINNED=$PINNED'+sqlite3_column_text:(pointer+c-int)->pointer+sqlite3_finalize:(pointer)->c-int+sqlite3_errmsg:(pointer)->pointer+sqlite3_close:(pointer)->c-int'
echo "--- kv-over-dl: the same with only the eight symbols it uses, signatures pinned"
echo "    allow-dl=$PINNED"
"$WASMPLUG" run --plugin "kv-dl.wasm,allow-dl=$PINNED" "$GUEST" >"$OUT/pinned.out"
cmp -s "$OUT/dl.out" "$OUT/pinned.out" || { echo "kv-over-dl demo: pinned run differs" >&2; exit 1; }
echo "    (same output)"

# 6. Refusals: no grant at all, and a grant of another library.
expect_refused() { # WHAT EXPECTED-TEXT SPEC
    status=0
    "$WASMPLUG" run --plugin "$3" "$GUEST" >"$OUT/refused.out" 2>&1 || status=$?
    awk '{ print "    " $0 }' "$OUT/refused.out"   # (adds a newline the last line may lack)
    if [ "$status" -eq 0 ] || ! grep -q "$2" "$OUT/refused.out"; then
        echo "kv-over-dl demo: $1: expected a failure mentioning '$2' (exit status $status)" >&2
        exit 1
    fi
    echo "    -> refused, exit status $status"
}
echo "--- kv-over-dl: without allow-dl= the plugin is refused: wasmplug run --plugin kv-dl.wasm guest.component.wasm"
expect_refused "no allow-dl" "was not granted it (add allow-dl=POLICY" kv-dl.wasm
echo "--- kv-over-dl: allow-dl=libz.so.1 does not cover libsqlite3: the plugin's open fails"
expect_refused "wrong library" "library 'libsqlite3.so.0' is not allowlisted" "kv-dl.wasm,allow-dl=libz.so.1"
