#!/bin/sh
# The command on top of the host API: unknown commands, imports resolved
# before compiling, --invoke by a bare name.
# usage: cli_test.sh WASMPLUG HOST_WASM COMPONENT_RT_WASM
W=$1 H=$2 D=$3
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; sed 's/^/  err: /' "$T/err"; fails=$((fails + 1)); }

# a word that is no command and no file is an unknown command
"$W" frobnicate x.wasm >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 2 ] && grep -q "unknown command 'frobnicate'" "$T/err" || fail "unknown command (status $rc)"
# a file name still runs: this one does not exist
"$W" nosuch.wasm >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 1 ] && grep -q "cannot open nosuch.wasm" "$T/err" || fail "missing file (status $rc)"

# an import nothing provides is refused before the component is compiled:
# the optimized tier would leave its code in the (empty) cache
mkdir "$T/cache"
WASMPLUG_CACHE_DIR=$T/cache "$W" run --tier optimized --invoke 'add(1, 2)' "$D/basic.wasm" >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 1 ] && grep -q "no loaded plugin provides interface test:rt/host@0.1.0" "$T/err" ||
  fail "missing import (status $rc)"
[ -z "$(find "$T/cache" -type f)" ] || fail "the component was compiled before its imports were resolved"

# --invoke by the function's own name, when one exported interface has it
out=$("$W" run --invoke 'add(1, 2)' "$H/calc.wasm" 2>"$T/err"); rc=$?
[ $rc = 0 ] && [ "$out" = 3 ] || fail "add by suffix (status $rc, out '$out')"
"$W" run --invoke 'mul(2, 3)' "$H/calc.wasm" >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 1 ] && grep -q "'mul' is ambiguous: .*example:calc/api@1.0.0#mul.*example:calc/other@1.0.0#mul" "$T/err" ||
  fail "ambiguous mul (status $rc)"

[ $fails = 0 ] && echo "host cli: ok"
exit $fails
