#!/bin/sh
# Wasm plugin lifecycle through `wasmplug run` (issue 19, item 1): shutdown
# runs when the guest's plugin instance goes (and for a shared one when the
# host ends), unbind when the guest goes; a trap in either cannot stop the
# teardown and is reported on stderr, the run keeping its status.
# usage: lifecycle_test.sh WASMPLUG DX_WASM
W=$1 D=$2
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; sed 's/^/  err: /' "$T/err"; fails=$((fails + 1)); }

for spec in life_shutdowntrap.wasm life_shutdowntrap.wasm,shared; do
  "$W" run --plugin "$D/$spec" --invoke 'binds()' "$D/life_guest.wasm" >"$T/out" 2>"$T/err"; rc=$?
  [ $rc = 0 ] && [ "$(cat "$T/out")" = 1 ] && [ "$(grep -c 'lifecycle#shutdown trapped: wasm trap: unreachable' "$T/err")" = 1 ] ||
    fail "$spec: shutdown once (status $rc)"
done
"$W" run --plugin "$D/life_trap.wasm" --invoke 'binds()' "$D/life_guest.wasm" >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 0 ] && grep -q 'lifecycle#unbind trapped' "$T/err" && ! grep -q 'shutdown trapped' "$T/err" ||
  fail "unbind trapped (status $rc; shutdown is not reported for an instance that trapped)"
"$W" run --plugin "$D/life_ok.wasm" --invoke 'binds()' --invoke 'unbinds()' "$D/life_guest.wasm" >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 0 ] && [ "$(cat "$T/out")" = "$(printf '1\n0')" ] && [ ! -s "$T/err" ] || fail "quiet hooks (status $rc)"

[ $fails = 0 ] && echo "lifecycle: ok"
exit $fails
