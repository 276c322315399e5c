#!/bin/sh
# examples/demo.sh BUILD_DIR — the runnable tour of wasmplug
# (`make demo` calls it as `sh examples/demo.sh build` after building).
#
# Each step says what it shows, then runs it.  Everything it creates goes to
# BUILD_DIR/examples/.  Any failed step stops the demo with a non-zero exit.
#
# Later demos (plugins, components...) go in the marked section at the end.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: sh examples/demo.sh BUILD_DIR" >&2
    exit 2
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$1" && pwd)
WP=$BUILD/cli/wasmplug
OUT=$BUILD/examples
WASM_CC="clang --target=wasm32-wasi --sysroot=/usr"

if [ ! -x "$WP" ]; then
    echo "demo: $WP is missing (run: make build)" >&2
    exit 1
fi
mkdir -p "$OUT"
cd "$OUT"   # the guest's argv[0] and the commands shown stay short
# The optimized code of the demo goes to a cache of its own, so the demo
# shows a real compile and does not depend on (or touch) the user's cache.
export WASMPLUG_CACHE_DIR="$OUT/cache"

step_no=0
step() { # TITLE: prints a step header
    step_no=$((step_no + 1))
    printf '\n== %d. %s\n' "$step_no" "$1"
}
show() { # COMMAND...: echoes the command (paths shortened), then runs it
    line='$'
    for a in "$@"; do
        case $a in
        *" "*) line="$line '$a'" ;;
        *) line="$line $a" ;;
        esac
    done
    printf '%s\n' "$line" | sed "s|$BUILD/cli/||g; s|$ROOT/||g"
    "$@"
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# ------------------------------------------------------------------ hello
step "Build examples/hello/hello.c for wasm32-wasi (clang -O2 -c, then link without -O)"
show $WASM_CC -O2 -Wall -Wextra -Werror -c "$ROOT/examples/hello/hello.c" -o hello.o
show $WASM_CC hello.o -o hello.wasm
echo "-> $OUT/hello.wasm: $(wc -c <hello.wasm | tr -d ' ') bytes of WebAssembly"

rm -rf "$OUT/data" "$OUT/cache"
mkdir -p "$OUT/data"
step "Run it on the baseline tier (libtcc, in memory): it sees its arguments, only the
   environment variable we pass, and only the directory we preopen (as /data)"
show "$WP" run --tier baseline --dir data::/data --env GREETING=hello \
    hello.wasm first "second arg"
echo "-> the file the guest wrote, seen from the host:"
show cat data/hello.txt

step "Without --dir and --env the guest gets nothing: it cannot write its file
   (exit status 1 is the guest's own, on purpose)"
status=0
show "$WP" run --tier baseline hello.wasm || status=$?
echo "-> exit status $status"
if [ "$status" -ne 1 ]; then
    echo "demo: expected the guest to exit with 1 without a preopened directory" >&2
    exit 1
fi

step "Compile ahead of time (wasmplug's Wasm->C translator + cc -O1) into a self-contained artifact"
show "$WP" compile hello.wasm -o hello.cwasm
echo "-> $OUT/hello.cwasm: $(wc -c <hello.cwasm | tr -d ' ') bytes (native code + the module)"

step "Run the artifact: native code (so only with --allow-precompiled), no compiler and no cache needed"
rm -f data/hello.txt
show "$WP" run --allow-precompiled --dir data::/data --env GREETING=compiled hello.cwasm from artifact
show cat data/hello.txt

step "The compile also filled the cache: the plain module now starts on the optimized tier
   without compiling (no 'compiling...' line)"
t0=$(now_ms)
show "$WP" run --tier optimized --dir data::/data hello.wasm cached
echo "-> whole run took $(($(now_ms) - t0)) ms"

# ===================================================================
# More demos: append below this line, one block per demo, each starting
# with `step "..."` and using $WP, $OUT (the current directory), $ROOT,
# $WASM_CC and `show`.
# (plugins, components, wasi:dl ...)
# ===================================================================

step "A native plugin: the keyvalue-sqlite plugin (wasi:keyvalue on SQLite) serves a
   guest built with \`wasmplug bindgen\`; a second run on the same file shows the data persisted"
show sh "$ROOT/examples/keyvalue/demo.sh" "$BUILD"

step "The same plugin isolated: the unchanged .so runs in a sandboxed helper process
   (seccomp, no new privileges, closed fds); the guest cannot tell the difference"
show "$WP" run --plugin "$BUILD/plugins/keyvalue-sqlite/keyvalue-sqlite.so,isolate,isolate-allow=files,isolate-dir=$OUT/keyvalue,path=$OUT/keyvalue/kv.db" \
    "$OUT/keyvalue/guest.wasm"

step "The Wasmtime plugin RFC's scenario: a wasm component plugin in C exports wasi:keyvalue by
   calling libsqlite3 through wasi:dl (granted with allow-dl=); the same guest runs against it unchanged"
show sh "$ROOT/examples/kv-over-dl/demo.sh" "$BUILD"

step "An HTTP server: \`wasmplug serve\` hands each request to a wasi:http/proxy component
   (C, tests/http/handler.c) in an instance of its own, through the wasi-http plugin; then to a
   wasi:http@0.3.0 service (async handler, streams, client.send under --allow-http, trailers)"
show sh "$ROOT/examples/http/demo.sh" "$BUILD"

step "A trap prints a backtrace of wasm function names (from the name section) and their
   offsets in the module, like \`wasmtime run\`; WASMPLUG_BACKTRACE=0 turns it off"
show $WASM_CC -O2 -Wall -Wextra -Werror -c "$ROOT/examples/trap/trap.c" -o trap.o
show $WASM_CC trap.o -o trap.wasm
status=0
show "$WP" run --tier baseline trap.wasm || status=$?
echo "-> exit status $status (134: the guest trapped)"
if [ "$status" -ne 134 ]; then
    echo "demo: expected trap.wasm to trap" >&2
    exit 1
fi

step "Discovery: \`wasmplug plugins\` lists plugins (native and wasm) on the search path
   (WASMPLUG_PLUGIN_PATH, then the installed ones) with their interfaces and options"
show env WASMPLUG_PLUGIN_PATH="$BUILD/plugins/keyvalue-sqlite:$OUT/kv-over-dl" "$WP" plugins

# ======================== end of the demos ==========================
printf '\n== demo finished: all steps succeeded\n'
