#!/bin/sh
# Backtraces on traps (issue 19, item 4): on both tiers a trap prints the
# wasm functions it unwound, innermost first, named from the name section,
# with their code offsets in the module (checked against wasm-objdump);
# WASMPLUG_BACKTRACE=0 turns them off; an exit has none; a trap in a plugin call names the
# plugin and the function, and the guest's frames below it.
# usage: backtrace_test.sh WASMPLUG DX_WASM NATIVE_PLUGIN_DIR PLUGIN_GUEST_DIR WASM_PLUGIN_DIR
W=$1 D=$2 NP=$3 NG=$4 WP=$5
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; sed 's/^/  err: /' "$T/err"; fails=$((fails + 1)); }
# frame N MODULE!FUNC: the backtrace's line N names it
frame() { grep -Eq "^ +$1: +0x[0-9a-f]+ - $2\$" "$T/err"; }
# offset FUNC: its body's offset in bt.wasm, as wasm-objdump prints it
offset() { wasm-objdump -d "$D/bt.wasm" | sed -n "s/^0*\([0-9a-f]*\) func\[[0-9]*\] <$1>:\$/0x\1/p"; }

B=$D/bt.wasm
for tier in baseline optimized; do
  "$W" run --tier $tier --invoke div "$B" >"$T/out" 2>"$T/err"; rc=$?
  [ $rc = 134 ] && grep -q 'integer divide by zero' "$T/err" && grep -q '^wasm backtrace:$' "$T/err" &&
    frame 0 'bt.wasm!inner' && grep -q " 0: *$(offset inner) - bt.wasm!inner" "$T/err" &&
    grep -q "bt.wasm!entry_div\$" "$T/err" || fail "$tier: div"
  "$W" run --tier $tier --invoke oob "$B" >"$T/out" 2>"$T/err"; rc=$?
  [ $rc = 134 ] && grep -q 'memory out of bounds' "$T/err" && frame 0 'bt.wasm!oob' &&
    frame 1 'bt.wasm!entry_oob' && grep -q " 1: *$(offset entry_oob) - " "$T/err" || fail "$tier: oob"
  # stack overflow: the innermost frames, then a note that there are more
  "$W" run --tier $tier --invoke rec "$B" >"$T/out" 2>"$T/err"; rc=$?
  [ $rc = 134 ] && grep -q 'stack overflow' "$T/err" && frame 1 'bt.wasm!rec' &&
    grep -q 'more frames not shown' "$T/err" || fail "$tier: stack overflow"
done
# an exit (proc_exit(3) inside a call) is not a trap: the status exactly,
# nothing on stderr, no backtrace
for tier in baseline optimized; do
  "$W" run --tier $tier "$D/exit3.wasm" >/dev/null 2>&1 # compiled (and its progress shown) once
  "$W" run --tier $tier "$D/exit3.wasm" >"$T/out" 2>"$T/err"; rc=$?
  [ $rc = 3 ] && [ ! -s "$T/err" ] && [ ! -s "$T/out" ] || fail "$tier: proc_exit(3) gave status $rc"
done
WASMPLUG_BACKTRACE=0 "$W" run --invoke div "$B" >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 134 ] && grep -q 'integer divide by zero' "$T/err" && ! grep -q 'backtrace' "$T/err" ||
  fail "WASMPLUG_BACKTRACE=0"

# a native plugin's trap: the plugin and function, then the guest's frames
"$W" run --plugin "$NP/test_plugin.so" --invoke boom "$NG/cli.wasm" >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 134 ] && grep -q 'plugin test-plugin: test:plugin/api@0.1.0#fail: failing as asked: kaboom' "$T/err" &&
  frame 0 'cli.wasm!<wasm function [0-9]+>' || fail "native plugin trap"
# a wasm plugin's trap: the plugin and function, then the guest's frames
# (baseline: optimized code may turn the guest's call in tail position into
# a jump, and which tier `auto` picks depends on what the cache holds)
"$W" run --tier baseline --plugin "$WP/plugin.wasm" --plugin "$WP/res_plugin.wasm" --invoke 'test:kv/api#crash(1)' "$WP/app.wasm" \
  >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 134 ] && grep -q 'trap in wasm plugin plugin.wasm: test:kv/counter@0.1.0#crash: wasm trap: unreachable' "$T/err" &&
  grep -q '!exports_test_kv_api_crash$' "$T/err" || fail "wasm plugin trap"

[ $fails = 0 ] && echo "backtraces: ok"
exit $fails
