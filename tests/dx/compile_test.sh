#!/bin/sh
# `wasmplug compile` for components (issue 19, item 5): every core module
# of a component goes into the cache; -o writes one artifact that runs
# only with --allow-precompiled (as a core artifact), without compiling
# anything, and whose corruption is caught.
# usage: compile_test.sh WASMPLUG DX_WASM
W=$1 D=$2
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; sed 's/^/  err: /' "$T/err"; fails=$((fails + 1)); }
C=$D/unknown.wasm # two core modules
entries() { find "$1" -name '*.so' -newer "$T/stamp" | wc -l; }

mkdir "$T/c1" "$T/c2"
touch "$T/stamp"
WASMPLUG_CACHE_DIR=$T/c1 "$W" compile "$C" >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 0 ] && [ "$(entries "$T/c1")" = 2 ] || fail "compile fills the cache with both modules (status $rc)"
WASMPLUG_CACHE_DIR=$T/c1 "$W" compile "$C" -o "$T/u.cwasm" >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 0 ] && [ -s "$T/u.cwasm" ] || fail "compile -o (status $rc)"

# refused without the opt-in, whatever the file is called
cp "$T/u.cwasm" "$T/u.wasm"
WASMPLUG_CACHE_DIR=$T/c2 "$W" run --trap-unknown-imports --invoke 'noop()' "$T/u.wasm" >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 1 ] && grep -q 'precompiled wasmplug artifact.*--allow-precompiled' "$T/err" || fail "opt-in (status $rc)"
# with it: runs, from the artifact's code (no compiler, nothing cached)
WASMPLUG_CC=/bin/false WASMPLUG_CACHE_DIR=$T/c2 "$W" run --allow-precompiled --tier optimized --trap-unknown-imports \
  --invoke 'noop()' --invoke 'call-num(1)' "$T/u.cwasm" >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 134 ] && [ "$(cat "$T/out")" = 7 ] && grep -q 'unknown import `test:nobody/api@1.0.0#num` was called' "$T/err" &&
  [ "$(entries "$T/c2")" = 0 ] || fail "run the artifact (status $rc)"
# imports are still checked (before anything runs)
WASMPLUG_CACHE_DIR=$T/c2 "$W" run --allow-precompiled --invoke 'noop()' "$T/u.cwasm" >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 1 ] && grep -q 'unknown import `test:nobody/api@1.0.0#num`' "$T/err" || fail "imports checked (status $rc)"

# corruption: a flipped byte in a module's code, a truncated file
size=$(wc -c <"$T/u.cwasm")
cp "$T/u.cwasm" "$T/bad.cwasm"
printf 'X' | dd of="$T/bad.cwasm" bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null
WASMPLUG_CACHE_DIR=$T/c2 "$W" run --allow-precompiled --trap-unknown-imports --invoke 'noop()' "$T/bad.cwasm" \
  >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 1 ] && grep -q 'corrupt wasmplug artifact (checksum mismatch)' "$T/err" || fail "corrupt code (status $rc)"
head -c $((size - 1)) "$T/u.cwasm" >"$T/short.cwasm"
WASMPLUG_CACHE_DIR=$T/c2 "$W" run --allow-precompiled --trap-unknown-imports --invoke 'noop()' "$T/short.cwasm" \
  >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 1 ] && grep -q 'short.cwasm: corrupt component artifact (bad lengths)' "$T/err" || fail "truncated (status $rc)"

# the progress line names the tier the code is compiled for (core.progress
# checks the baseline tier's, on a module large enough to be built in units)
mkdir "$T/p"
WASMPLUG_CACHE_DIR=$T/p "$W" run --tier optimized --trap-unknown-imports --invoke 'noop()' "$C" >"$T/out" 2>"$T/err"
rc=$?
[ $rc = 0 ] && grep -q "^wasmplug: compiling .*(optimized tier)" "$T/err" && ! grep -q "(baseline tier)" "$T/err" ||
  fail "the progress line names the optimized tier (status $rc)"

[ $fails = 0 ] && echo "component compile: ok"
exit $fails
