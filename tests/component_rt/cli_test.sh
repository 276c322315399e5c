#!/bin/sh
# CLI tests for components: wasmplug run (wasi:cli/run, --invoke in WAVE,
# exit statuses, link errors) and wasmplug wit.
# usage: cli_test.sh WASMPLUG WASM_DIR RT_PLUGIN.so
W=$1
D=$2
P=$3
T=${TMPDIR:-/tmp}/wasmplug-cli-rt.$$
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT
fails=0
checks=0

# expect STATUS STDOUT_SUBSTRING STDERR_SUBSTRING -- COMMAND...
expect() {
  st=$1; out=$2; err=$3; shift 4
  checks=$((checks + 1))
  "$@" >"$T/out" 2>"$T/err"
  rc=$?
  ok=1
  [ "$rc" = "$st" ] || ok=0
  [ -z "$out" ] || grep -qF -- "$out" "$T/out" || ok=0
  [ -z "$err" ] || grep -qF -- "$err" "$T/err" || ok=0
  if [ $ok = 0 ]; then
    fails=$((fails + 1))
    echo "FAIL: $* (status $rc, want $st)"
    echo "  stdout: $(cat "$T/out")"
    echo "  stderr: $(cat "$T/err")"
  fi
}

expect 0 "" "" -- "$W" run "$D/cmd.wasm"
expect 1 "" "" -- "$W" run "$D/cmd_fail.wasm"
expect 134 "" "error: wasm trap: unreachable" -- "$W" run "$D/cmd_trap.wasm"
expect 0 "5" "" -- "$W" run --invoke 'add(2, 3)' "$D/cmd.wasm"
expect 0 "-1" "" -- "$W" run --invoke 'add(2147483647, -2147483648)' "$D/cmd.wasm"
expect 0 '"wasmplug"' "" -- "$W" run --invoke 'name()' "$D/cmd.wasm"
expect 0 "ok" "" -- "$W" run --invoke 'wasi:cli/run#run()' "$D/cmd.wasm"
expect 0 "ok" "" -- "$W" run --invoke 'wasi:cli/run@0.2.6#run()' "$D/cmd.wasm"
expect 134 "" "error: wasm trap: unreachable" -- "$W" run --invoke 'boom()' "$D/cmd.wasm"
expect 1 "" "no exported function named 'nope'" -- "$W" run --invoke 'nope()' "$D/cmd.wasm"
expect 1 "" "error:" -- "$W" run --invoke 'add(1)' "$D/cmd.wasm"
# an unsatisfied import fails before anything is compiled, naming it, its
# WIT type and what the plugins lack
expect 1 "" 'unknown import `test:rt/host@0.1.0#double`: `func(x: u32) -> u32`: no loaded plugin provides interface test:rt/host@0.1.0 (3 plugin(s) loaded; load one with --plugin)' -- \
  "$W" run --invoke 'add(1, 2)' "$D/basic.wasm"
expect 1 "" 'unknown import `log`: `func(n: u32)` has not been defined' -- "$W" run "$D/nested.wasm"
expect 0 "import log: func(n: u32);" "" -- "$W" wit "$D/nested.wasm"
expect 0 "export %use: func(v: u32) -> u32;" "" -- "$W" wit "$D/nested.wasm"
expect 0 "export wasi:cli/run@0.2.6;" "" -- "$W" wit "$D/cmd.wasm"
# interface bodies: resources with their members, functions
expect 0 "interface greet {" "" -- "$W" wit "$D/plug.wasm"
expect 0 "    constructor();" "" -- "$W" wit "$D/plug.wasm"
expect 0 "    add: func(n: u32) -> u32;" "" -- "$W" wit "$D/plug.wasm"
expect 0 "  hello: func(name: string) -> string;" "" -- "$W" wit "$D/plug.wasm"
expect 0 "  take: func(t: thing) -> u32;" "" -- "$W" wit "$D/nested.wasm"
# a native plugin serving a component guest: strings, traps, resources
expect 0 '"hello, wasm"' "" -- "$W" run --plugin "$P" --invoke 'hello("wasm")' "$D/plug.wasm"
expect 134 "" "test:rtplug/greet@1.0.0#fail: plugin says no (7)" -- \
  "$W" run --plugin "$P" --invoke 'fail()' "$D/plug.wasm"
# the guest's exit status passes through (a plugin asking for exit)
expect 5 "" "" -- "$W" run --plugin "$P" --invoke 'quit(5)' "$D/plug.wasm"
expect 0 "" "" -- "$W" run --plugin "$P" --invoke 'quit(0)' "$D/plug.wasm"
expect 0 "10" "rt-plugin: tally 1 dropped at 10" -- "$W" run --plugin "$P" --invoke 'tally(5)' "$D/plug.wasm"
# a tally the guest keeps is dropped once, at teardown
expect 0 "3" "rt-plugin: tally 1 dropped at 3" -- "$W" run --plugin "$P" --invoke 'keep(3)' "$D/plug.wasm"
checks=$((checks + 1))
if [ "$(grep -c dropped "$T/err")" != 1 ]; then fails=$((fails + 1)); echo "FAIL: keep: drop count"; fi
expect 1 "" 'unknown import `test:rtplug/greet@1.0.0#tally`' -- "$W" run --invoke 'keep(3)' "$D/plug.wasm"
# --invoke is repeatable: in order, on one instance, one line per call (empty
# for a function without result); the first trap ends the run with 134
expect 0 "" "" -- "$W" run --invoke 'bump()' --invoke 'set(41)' --invoke 'bump()' "$D/counter.wasm"
checks=$((checks + 1))
if [ "$(cat "$T/out")" != "$(printf '1\n\n42')" ]; then fails=$((fails + 1)); echo "FAIL: repeated --invoke output: $(cat "$T/out")"; fi
expect 134 "" "wasm trap: unreachable" -- "$W" run --invoke 'bump()' --invoke 'boom()' --invoke 'bump()' "$D/counter.wasm"
checks=$((checks + 1))
if [ "$(cat "$T/out")" != "1" ]; then fails=$((fails + 1)); echo "FAIL: calls after a trap ran: $(cat "$T/out")"; fi
expect 1 "" "no exported function named 'nope'" -- "$W" run --invoke 'bump()' --invoke 'nope()' "$D/counter.wasm"
expect 0 "" "" -- "$W" run --invoke 'set(3)' "$D/counter.wasm"
checks=$((checks + 1))
if [ -s "$T/out" ]; then fails=$((fails + 1)); echo "FAIL: a single call without result printed: $(cat "$T/out")"; fi
# exception handling in a core module: a valid component (wit accepts it);
# run either computes the result or refuses naming the proposal
expect 0 "export run: func(x: u32) -> u32;" "" -- "$W" wit "$D/eh.wasm"
checks=$((checks + 1))
"$W" run --invoke 'run(41)' "$D/eh.wasm" >"$T/out" 2>"$T/err"
rc=$?
if [ $rc = 0 ]; then
  [ "$(cat "$T/out")" = 42 ] || { fails=$((fails + 1)); echo "FAIL: eh: run printed $(cat "$T/out")"; }
elif [ $rc != 1 ] || ! grep -q "exception handling" "$T/err"; then
  fails=$((fails + 1)); echo "FAIL: eh: status $rc, stderr: $(cat "$T/err")"
fi
printf '\0asm\1\0\0\0' >"$T/core.wasm"
expect 1 "" "not a component" -- "$W" wit "$T/core.wasm"
printf '\0asm\15\0\1\0\7' >"$T/bad.wasm"
expect 1 "" "bad.wasm" -- "$W" run "$T/bad.wasm"

echo "$checks checks, $fails failures"
[ "$fails" = 0 ]
