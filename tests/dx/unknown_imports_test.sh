#!/bin/sh
# Unknown imports on request (issue 19, item 7): a component and a core
# module importing a function nothing provides are refused by default, run
# until they call it with --trap-unknown-imports (the trap names it), and
# get default values with --default-values-unknown-imports.
# usage: unknown_imports_test.sh WASMPLUG DX_WASM
W=$1 D=$2
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; sed 's/^/  err: /' "$T/err"; fails=$((fails + 1)); }
run() { "$W" run --tier baseline "$@" >"$T/out" 2>"$T/err"; }

C=$D/unknown.wasm M=$D/unknown_core.wasm
# refused by default, naming the import
run --invoke 'noop()' "$C"; rc=$?
[ $rc = 1 ] && grep -q 'unknown import `test:nobody/api@1.0.0#num`' "$T/err" || fail "component: refused (status $rc)"
run --invoke noop "$M"; rc=$?
[ $rc = 1 ] && grep -q 'unknown import: env.missing' "$T/err" || fail "core: refused (status $rc)"

# trap: runs until the call, which traps naming the import
run --trap-unknown-imports --invoke 'noop()' --invoke 'call-num(3)' --invoke 'noop()' "$C"; rc=$?
[ $rc = 134 ] && [ "$(cat "$T/out")" = 7 ] && grep -q 'unknown import `test:nobody/api@1.0.0#num` was called' "$T/err" ||
  fail "component: trap (status $rc, out '$(cat "$T/out")')"
run --trap-unknown-imports --invoke noop --invoke call "$M"; rc=$?
[ $rc = 134 ] && [ "$(cat "$T/out")" = 7 ] && grep -q 'unknown import env.missing was called' "$T/err" ||
  fail "core: trap (status $rc)"

# default values: 0, "", none
run --default-values-unknown-imports --invoke 'call-num(3)' --invoke 'call-str()' --invoke 'call-opt()' "$C"; rc=$?
printf '0\n""\nnone\n' >"$T/want"
[ $rc = 0 ] && cmp -s "$T/out" "$T/want" || fail "component: default values (status $rc, out '$(cat "$T/out")')"
run --default-values-unknown-imports --invoke call "$M"; rc=$?
[ $rc = 0 ] && [ "$(cat "$T/out")" = 0 ] || fail "core: default values (status $rc)"

[ $fails = 0 ] && echo "unknown imports: ok"
exit $fails
