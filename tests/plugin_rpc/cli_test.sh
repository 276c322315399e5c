#!/bin/bash
# cli_test.sh WASMPLUG TEST_PLUGIN_DIR TEST_WASM_DIR FAULTY.so FAULTY_GUEST.wasm KV.so KV_WIT_DIR
#             RT_PLUGIN.so RT_PLUG.wasm [C_GUEST]
# `wasmplug run --plugin X.so,isolate` as a user types it: core-module
# and component guests get the same output isolated as in-process (the
# loader tests' plugin and guests, the component runtime's plugin guest,
# the keyvalue-sqlite plugin with a file database), and
# a crashing or hanging plugin gives a guest trap naming it.
set -u
W=$1 P=$2 D=$3 F=$4 FG=$5 KV=$6 KVWIT=$7 RTP=$8 RTG=$9 C=${10:-}
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The isolate helper is wasmplug itself, started through this wrapper so
# that, in sanitizer builds, its crashes stay crashes (ASan's handlers
# would exit 1 instead, through system calls the seccomp filter refuses)
# while the host keeps the caller's sanitizer options.
printf '#!/bin/sh\nASAN_OPTIONS=handle_segv=0:handle_abort=0:handle_sigbus=0:detect_leaks=0 exec "%s" "$@"\n' "$W" >"$tmp/helper"
chmod +x "$tmp/helper"
export WASMPLUG_EXE=$tmp/helper

# expect NAME STATUS PATTERN CMD...: exit status and output (grep -E).
expect() {
  local name=$1 want=$2 pat=$3
  shift 3
  "$@" >"$tmp/out" 2>&1
  local got=$?
  if [ "$got" = "$want" ] && grep -Eq -- "$pat" "$tmp/out"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $name: status $got (want $want), output:"
    sed 's/^/    /' "$tmp/out"
    echo "    (wanted /$pat/)"
  fi
}

# same NAME CMD-ARGS...: `wasmplug run ARGS` with the first --plugin given
# in-process and then with ,isolate appended: same status, same output.
same() {
  local name=$1
  shift
  "$W" run "$@" >"$tmp/a" 2>&1
  local s1=$?
  local args=() done=0
  for a in "$@"; do
    if [ $done = 0 ] && [ "${prev:-}" = "--plugin" ]; then a="$a,isolate"; done=1; fi
    args+=("$a")
    prev=$a
  done
  prev=
  "$W" run "${args[@]}" >"$tmp/b" 2>&1
  local s2=$?
  if [ $s1 = $s2 ] && cmp -s "$tmp/a" "$tmp/b"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $name: in-process status $s1, isolated $s2; outputs:"
    sed 's/^/  in: /' "$tmp/a"
    sed 's/^/ iso: /' "$tmp/b"
  fi
}

G=$D/cli.wasm
TP=$P/test_plugin.so
same "run" --plugin "$TP" --invoke run "$G"
same "config" --plugin "$TP" --invoke run "$G"
same "plugin trap" --plugin "$TP" --invoke boom "$G"
same "resources alive at exit" --plugin "$TP" --invoke leak "$G"
expect "isolated trap message" 134 'plugin test-plugin: test:plugin/api@0.1.0#fail: failing as asked: kaboom' \
  "$W" run --plugin "$TP,isolate" --invoke boom "$G"
if [ -n "$C" ] && [ -f "$C" ]; then
  same "C guest" --plugin "$TP,greeting=servus" "$C"
  same "C guest checks" --plugin "$TP" "$C"
fi

# A component guest (the component runtime calls bindings, lowers
# strings, runs resource destructors, passes an exit request through).
if [ -f "$RTG" ]; then
  for inv in 'hello("wasm")' 'fail()' 'quit(5)' 'tally(5)' 'keep(3)'; do
    same "component guest $inv" --plugin "$RTP" --invoke "$inv" "$RTG"
  done
else
  echo "SKIP component guest: $RTG not built (not counted)"
fi

expect "faulty: works" 0 '^42$' "$W" run --plugin "$F,isolate" --invoke run "$FG"
expect "faulty: crash traps the guest" 134 \
  'plugin rpc-faulty: test:faulty/api@1.0.0#segfault: the plugin process crashed: killed by signal 11' \
  "$W" run --plugin "$F,isolate" --invoke crash "$FG"
expect "faulty: hang times out" 134 'plugin rpc-faulty: test:faulty/api@1.0.0#loop-forever: no answer within 200 ms' \
  "$W" run --plugin "$F,isolate,timeout=200" --invoke hang "$FG"
# The guest call's time limit passes while the isolated plugin waits: the
# helper is told (plugin ABI 1.4's host->interrupted, through the ring) and
# ends its call, and lives (not killed); a helper that answers the notice
# with garbage, or ignores it (killed after its grace), ends the call all
# the same.
interrupted() { # NAME INVOKE PATTERN [!PATTERN]
  "$W" run --timeout 300 --plugin "$F,isolate" --invoke "$2" "$FG" >"$tmp/out" 2>&1
  local got=$?
  if [ $got = 134 ] && grep -q 'exceeded its time limit' "$tmp/out" && grep -Eq -- "$3" "$tmp/out" &&
    { [ -z "${4:-}" ] || ! grep -Eq -- "$4" "$tmp/out"; }; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $1: status $got (want 134), output:"
    sed 's/^/    /' "$tmp/out"
  fi
}
interrupted "faulty: the plugin learns of the interrupt" wait 'told of the interrupt' 'killed'
interrupted "faulty: garbage after the interrupt" wait-junk 'told of the interrupt'
interrupted "faulty: a plugin ignoring the interrupt" hang '.'
# The guest call's time limit reaches the plugin as host->deadline, in
# process and isolated (it came with the request): 1..5000 ms left.
for mode in "" ",isolate"; do
  expect "faulty$mode: host->deadline" 0 '^([1-9][0-9]{0,2}|[1-4][0-9]{3}|5000)$' \
    "$W" run --timeout 5000 --plugin "$F$mode" --invoke deadline "$FG"
  expect "faulty$mode: no deadline without --timeout" 0 '^0$' "$W" run --plugin "$F$mode" --invoke deadline "$FG"
done
# A plugin server (plugin-serve) is told of its client's interrupt (a STOP
# frame; its watcher signals the plugin's thread) and gets the deadline:
# the plugin ends its wait, the server lives on for the next host.
SOCK=$tmp/faulty.sock
"$W" plugin-serve "$F" --listen "unix:$SOCK" >"$tmp/serve.out" 2>"$tmp/serve.err" &
SERVER=$!
for _ in $(seq 100); do grep -q ready "$tmp/serve.out" 2>/dev/null && break; sleep 0.1; done
expect "plugin-serve: host->deadline" 0 '^([1-9][0-9]{0,2}|[1-4][0-9]{3}|5000)$' \
  "$W" run --timeout 5000 --plugin "unix:$SOCK" --invoke deadline "$FG"
"$W" run --timeout 300 --plugin "unix:$SOCK" --invoke wait "$FG" >"$tmp/out" 2>&1
got=$?
for _ in $(seq 50); do grep -q 'told of the interrupt' "$tmp/serve.err" && break; sleep 0.1; done
if [ $got = 134 ] && grep -q 'exceeded its time limit' "$tmp/out" && grep -q 'told of the interrupt' "$tmp/serve.err" &&
  ! grep -q 'connection closed' "$tmp/out"; then
  pass=$((pass + 1))
else
  fail=$((fail + 1))
  echo "FAIL plugin-serve: the interrupt reaches the plugin: status $got (want 134), output:"
  sed 's/^/    /' "$tmp/out"
  sed 's/^/    server: /' "$tmp/serve.err"
fi
expect "plugin-serve: serves on after an interrupt" 0 '^42$' "$W" run --plugin "unix:$SOCK" --invoke run "$FG"
kill "$SERVER" 2>/dev/null
wait "$SERVER" 2>/dev/null
# its limits on clients: in --help, bad values refused naming the option
expect "plugin-serve --help: the limits" 0 'frame-timeout MS.*' "$W" plugin-serve --help
expect "plugin-serve --help: send timeout" 0 'send-timeout MS' "$W" plugin-serve --help
expect "plugin-serve: bad --frame-timeout" 2 "--frame-timeout: expected milliseconds from 1 to 86400000, got '0'" \
  "$W" plugin-serve "$F" --listen "unix:$tmp/x.sock" --frame-timeout 0
expect "plugin-serve --help: idle timeout" 0 'idle-timeout MS' "$W" plugin-serve --help
expect "plugin-serve --help: call workers" 0 'call-workers N' "$W" plugin-serve --help
expect "plugin-serve: bad --call-workers" 2 "--call-workers: expected a number from 1 to 256, got '0'" \
  "$W" plugin-serve "$F" --listen "unix:$tmp/x.sock" --call-workers 0
expect "plugin-serve: bad --idle-timeout" 2 "--idle-timeout: expected milliseconds from 0 \\(never\\) to 86400000, got '-1'" \
  "$W" plugin-serve "$F" --listen "unix:$tmp/x.sock" --idle-timeout -1
expect "plugin-serve: bad --send-timeout" 2 "--send-timeout: expected milliseconds from 1 to 86400000, got 'x'" \
  "$W" plugin-serve "$F" --listen "unix:$tmp/x.sock" --send-timeout x
expect "faulty: seccomp" 134 'open-socket: .*signal 31.*seccomp' "$W" run --plugin "$F,isolate" --invoke sock "$FG"
expect "faulty: in-process socket" 0 '^1$' "$W" run --plugin "$F" --invoke sock "$FG"

# keyvalue-sqlite on a database file: needs the "files" syscalls.
if command -v clang >/dev/null && [ -f "$KV" ]; then
  KVG=$tmp/kv
  mkdir -p "$KVG/gen"
  HERE=$(cd "$(dirname "$0")/../.." && pwd)/examples/keyvalue
  if "$W" bindgen c --guest "$HERE/wit" --world demo -o "$KVG/gen" >/dev/null &&
     clang --target=wasm32-wasi --sysroot=/usr -std=c11 -O2 -I"$KVG/gen" -c "$HERE/guest.c" -o "$KVG/guest.o" &&
     clang --target=wasm32-wasi --sysroot=/usr -std=c11 -O2 -c "$KVG/gen/demo.c" -o "$KVG/demo.o" &&
     clang --target=wasm32-wasi --sysroot=/usr "$KVG/guest.o" "$KVG/demo.o" -o "$KVG/guest.wasm"; then
    for run in 1 2; do
      "$W" run --plugin "$KV,path=$tmp/in.db" "$KVG/guest.wasm" >"$tmp/kv_in_$run" 2>&1
      s1=$?
      "$W" run --plugin "$KV,isolate,isolate-allow=files,isolate-dir=$tmp,path=$tmp/iso.db" "$KVG/guest.wasm" >"$tmp/kv_iso_$run" 2>&1
      s2=$?
      if [ $s1 = 0 ] && [ $s2 = 0 ] && cmp -s "$tmp/kv_in_$run" "$tmp/kv_iso_$run"; then
        pass=$((pass + 1))
      else
        fail=$((fail + 1))
        echo "FAIL keyvalue run $run: in-process $s1, isolated $s2"
        sed 's/^/  in: /' "$tmp/kv_in_$run"
        sed 's/^/ iso: /' "$tmp/kv_iso_$run"
      fi
    done
    # In memory too: SQLite reads /dev/urandom when a connection opens.
    "$W" run --plugin "$KV" "$KVG/guest.wasm" >"$tmp/a" 2>&1
    "$W" run --plugin "$KV,isolate,isolate-allow=files" "$KVG/guest.wasm" >"$tmp/b" 2>&1
    expect "keyvalue in memory" 0 'same output' sh -c "cmp '$tmp/a' '$tmp/b' && grep -q 'empty store' '$tmp/b' && echo same output"
    expect "keyvalue without files syscalls" 1 'signal 31' \
      "$W" run --plugin "$KV,isolate,path=$tmp/other.db" "$KVG/guest.wasm"
  else
    fail=$((fail + 1))
    echo "FAIL keyvalue guest did not build"
  fi
else
  echo "SKIP keyvalue: no clang or no $KV (not counted)"
fi

echo "plugin_rpc cli tests: $pass passed, $fail failed"
[ $fail = 0 ]
