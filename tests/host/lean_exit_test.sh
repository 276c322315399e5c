#!/bin/sh
# lean_exit_test.sh WASMPLUG WASI_GUESTS PLUGIN_DIR PLUGIN_WASM P2_WASM
#
# `wasmplug run` ends with the lean exit (wasmplug_host_exit: no teardown of
# what the kernel frees).  Everything a run leaves outside the process must
# be there all the same: its files, its stdout through a pipe (the guest's
# and the command's own --invoke output), its stderr, its exit status, the
# flags of the caller's stdio put back, the plugins' finalizers (a resource
# the guest kept, the plugin's instance state, the plugin).  Each case runs
# lean and with WASMPLUG_FULL_TEARDOWN=1 (every object deleted first); both
# must leave the same.
set -u
W=$1 G=$2 P=$3 PW=$4 P2=$5
T=$(mktemp -d "${TMPDIR:-/tmp}/lean-exit.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
fails=0
fail() { echo "FAIL [$mode]: $*"; fails=$((fails + 1)); }

# pipe_run OUT ERR CMD...: CMD's stdout through a pipe into OUT; its
# status in $status
pipe_run() {
    out=$1 err=$2
    shift 2
    { "$@" 2>"$err"; echo $? >"$T/status"; } | cat >"$out"
    status=$(cat "$T/status")
}

for mode in lean full; do
    if [ $mode = full ]; then export WASMPLUG_FULL_TEARDOWN=1; else unset WASMPLUG_FULL_TEARDOWN; fi
    D=$T/$mode
    mkdir -p "$D/box"

    # the exit status, and output written before each way of exiting
    for how in exit proc_exit return; do
        pipe_run "$D/out" "$D/err" "$W" run "$G/exit.wasm" $how 7
        [ "$status" = 7 ] || fail "exit.wasm $how 7: status $status"
        [ "$(cat "$D/out")" = "leaving with 7 via $how" ] || fail "exit.wasm $how: stdout '$(cat "$D/out")'"
    done
    # stdout and stderr of a guest
    pipe_run "$D/out" "$D/err" "$W" run "$G/hello.wasm"
    [ "$status" = 0 ] && [ "$(cat "$D/out")" = "hello, world" ] && [ "$(cat "$D/err")" = "hello, stderr" ] ||
        fail "hello.wasm: status $status, stdout '$(cat "$D/out")', stderr '$(cat "$D/err")'"
    # files the guest wrote (fs.wasm checks what it reads back itself)
    echo "from the host" >"$D/box/in.txt"
    pipe_run "$D/out" "$D/err" "$W" run --dir "$D/box::/data" "$G/fs.wasm" /data
    [ "$status" = 0 ] && grep -qx 'fs: all checks passed' "$D/out" || fail "fs.wasm: status $status: $(cat "$D/err")"
    [ "$(cat "$D/box/out.txt" 2>/dev/null)" = "written by the guest" ] || fail "fs.wasm: out.txt is not there"
    # the flags the guest changed on the caller's stdio are put back
    : >"$D/flags-out"
    exec 5</dev/null 6>>"$D/flags-out"
    before5=$(grep '^flags' /proc/$$/fdinfo/5) before6=$(grep '^flags' /proc/$$/fdinfo/6)
    "$W" run "$G/nonblock.wasm" <&5 >&6 2>"$D/err"
    status=$?
    after5=$(grep '^flags' /proc/$$/fdinfo/5) after6=$(grep '^flags' /proc/$$/fdinfo/6)
    exec 5<&- 6>&-
    [ "$status" = 0 ] && grep -qx 'flags changed' "$D/flags-out" || fail "nonblock.wasm: status $status"
    [ "$before5" = "$after5" ] && [ "$before6" = "$after6" ] ||
        fail "stdio flags: '$before5' '$before6' became '$after5' '$after6'"
    # a native plugin's finalizers: two counters the guest kept, its
    # instance state, the plugin; the command's own output through a pipe
    rm -f "$D/plugin.log"
    export TEST_PLUGIN_LOG="$D/plugin.log"
    pipe_run "$D/out" "$D/err" "$W" run --plugin "$P/test_plugin.so" --invoke leak "$PW/cli.wasm"
    unset TEST_PLUGIN_LOG
    [ "$status" = 0 ] && [ "$(cat "$D/out")" = 2 ] || fail "plugin: status $status, stdout '$(cat "$D/out")'"
    printf 'test-plugin counter_drop\ntest-plugin counter_drop\ntest-plugin instance_drop\ntest-plugin fini\n' >"$D/want"
    cmp -s "$D/want" "$D/plugin.log" || fail "plugin finalizers: $(cat "$D/plugin.log" 2>/dev/null)"
    # a component (WASI 0.2: its streams, the built-in plugins' teardown):
    # 108894 bytes from a pipe to a pipe, and its exit status
    seq 1 20000 >"$D/in"
    pipe_run "$D/out" "$D/err" "$W" run "$P2/guest.wasm" cat <"$D/in"
    { cat "$D/in"; echo "[108894 bytes]"; } >"$D/want"
    [ "$status" = 0 ] && cmp -s "$D/want" "$D/out" || fail "component cat: status $status: $(cat "$D/err")"
    # (main returning 5 is wasi:cli/run's error: status 1)
    pipe_run "$D/out" "$D/err" "$W" run "$P2/guest.wasm" exit 5
    [ "$status" = 1 ] || fail "component exit 5: status $status"
done
[ $fails = 0 ] && echo "lean exit: ok"
exit $fails
