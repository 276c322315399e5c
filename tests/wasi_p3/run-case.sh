#!/bin/sh
# run-case.sh WASMPLUG P3GUEST.wasm P3RC.wasm CASE
# Runs one WASI 0.3 case of the test guest (p3guest.c) under `wasmplug run`
# on the baseline tier and asserts its output and exit status.  "rc-" cases
# run the build against 0.3.0-rc-2026-03-15 (which also exports run@0.2).
set -u
W=$1 G=$2 RC=$3 CASE=$4
T=$(mktemp -d) || exit 1
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
fails=0
run() { # run ARGS... : stdout in $T/out, stderr in $T/err, status in $rc
  "$W" run --tier baseline "$@" >"$T/out" 2>"$T/err" </dev/null
  rc=$?
}
expect_rc() {
  if [ "$rc" != "$1" ]; then
    echo "FAIL [$CASE]: exit status $rc, expected $1"; sed 's/^/  err: /' "$T/err"; fails=1
  fi
}
expect_out() { # exact stdout
  printf '%s\n' "$1" >"$T/want"
  if ! cmp -s "$T/want" "$T/out"; then
    echo "FAIL [$CASE]: stdout differs"; diff "$T/want" "$T/out" | sed 's/^/  /'; fails=1
  fi
}
expect_grep() { # FILE PATTERN: a line of FILE matches
  if ! grep -q -- "$2" "$T/$1"; then
    echo "FAIL [$CASE]: $1 lacks '$2'"; sed 's/^/  /' "$T/$1"; fails=1
  fi
}
expect_nogrep() {
  if grep -q -- "$2" "$T/$1"; then
    echo "FAIL [$CASE]: $1 has '$2'"; sed 's/^/  /' "$T/$1"; fails=1
  fi
}
mkdir -p "$T/box" "$T/ro"
echo "outside, must never change" >"$T/outside.txt"
ln -s /etc "$T/box/link"
echo "ro data" >"$T/ro/data.txt"

FILES_OUT="preopen=1
open-new=ok
write=ok
append=ok
read=[hello, 0.3 file!]
read=ok
read-at-7=[0.3 file!]
read-at-7=ok
size=16
stat-at-size=16
mkdir=ok
rename=ok
open-sub=ok
entry=moved.txt
readdir=ok
unlink=ok
escape-dotdot=err:not-permitted
escape-absolute=err:not-permitted
escape-symlink=err:not-permitted
open-dir=ok
read-dir=[]
read-dir=err:is-directory"
DENIED_OUT="tcp-create=ok
tcp-bind=err:access-denied
tcp-listen=err:access-denied
tcp-connect=err:access-denied
udp-create=ok
udp-bind=err:access-denied
udp-send=err:access-denied
lookup=err:access-denied"

case $CASE in
hello)
  run "$G" hello; expect_rc 0; expect_out "hello from wasi 0.3" ;;
args)
  run --env FOO=bar --env "SP=a b,c%d" "$G" args "two words" ""
  expect_rc 0
  expect_out "arg=$(basename "$G")
arg=args
arg=two words
arg=
env=FOO=bar
env=SP=a b,c%d
terminal=0" ;;
env-none)
  # nothing of the host's environment leaks without --env/--inherit-env
  export P3_TEST_VAR=leak; run "$G" args; expect_rc 0; expect_nogrep out "^env=" ;;
stdin)
  # read in chunks of 7 bytes: several stream reads, then the end
  printf 'piped text\nline two, longer than a chunk\n' |
    "$W" run --tier baseline "$G" stdin >"$T/out" 2>"$T/err"; rc=$?
  expect_rc 0; expect_out "piped text
line two, longer than a chunk
stdin-bytes=41
stdin-result=0" ;;
stdin-once)
  # read once, the stream dropped, then the read's future awaited while
  # the writer keeps stdin open until the guest has answered (at most
  # 20 s): the future resolves at the drop, not at the writer's EOF
  # (before, the pump learnt of the drop only at the next byte or EOF)
  { printf 'hi'; i=0
    while [ $i -lt 200 ] && ! grep -q '^stdin-once-result=' "$T/out" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
    grep -q '^stdin-once-result=' "$T/out" 2>/dev/null || : >"$T/closed-late"; } |
    "$W" run --tier baseline "$G" stdin-once >"$T/out" 2>"$T/err"; rc=$?
  expect_rc 0; expect_out "hi
stdin-once-bytes=2
stdin-once-result=0"
  if [ -e "$T/closed-late" ]; then echo "FAIL [$CASE]: the guest answered only after stdin closed"; fails=1; fi ;;
stderr)
  run "$G" stderr; expect_rc 0; expect_grep err "^to stderr$"; expect_nogrep out "." ;;
exit-status)
  # run's result: err is status 1; wasi:cli/exit#exit(err) ends at once
  run "$G" fail; expect_rc 1; expect_nogrep err "trap"
  run "$G" exit-err; expect_rc 1; expect_out "before exit"; expect_nogrep err "trap" ;;
exit-with-code)
  run "$G" exit-3; expect_rc 3; expect_nogrep err "trap" ;;
clocks)
  run "$G" clocks; expect_rc 0; expect_out "waited-20ms=1
waited-until=1
resolution-ok=1
system-after-2025=1" ;;
random)
  run "$G" random; expect_rc 0; expect_out "random-bytes=32
random-nonzero=1
insecure-bytes=5
u64s-differ=1
seed-nonzero=1
seed-stable=1" ;;
files)
  run --dir "$T/box::/box" "$G" files; expect_rc 0; expect_out "$FILES_OUT"
  [ -e "$T/box/new.txt" ] || [ -e "$T/box/sub/moved.txt" ] && { echo "FAIL [$CASE]: files left behind"; fails=1; }
  [ -d "$T/box/sub" ] || { echo "FAIL [$CASE]: sub/ not made on the host"; fails=1; } ;;
escape)
  # what the guest tried outside its preopen changed nothing
  run --dir "$T/box::/box" "$G" files; expect_rc 0
  [ "$(cat "$T/outside.txt")" = "outside, must never change" ] || { echo "FAIL [$CASE]: outside changed"; fails=1; } ;;
readonly)
  run --dir-ro "$T/ro::/ro" "$G" readonly; expect_rc 0; expect_out "preopen=1
open-read=ok
read=[ro data
]
read=ok
write-readonly-fd=err:bad-descriptor
open-write=err:read-only
create=err:read-only
mkdir=err:read-only"
  [ "$(ls "$T/ro")" = "data.txt" ] || { echo "FAIL [$CASE]: the read-only dir changed"; fails=1; } ;;
flags)
  run --dir "$T/box::/box" "$G" flags; expect_rc 0; expect_out "preopen-rm=1
dir-none=r--
dir-mutate=r-m
create-none=rw-
create-w=-w-
create-r=rw-
file-none=r--
file-excl-only=r--
cleanup=ok" ;;
sock-rules)
  run --allow-network "$G" sock-rules; expect_rc 0; expect_out "bind-multicast=err:invalid-argument
bind-broadcast=err:invalid-argument
connect-port-0=err:invalid-argument
connect-unspecified=err:invalid-argument
connect-v4mapped=err:invalid-argument
connect-other-family=err:invalid-argument
rebind-after-drop=ok
relisten=ok
dropped-receive-result=0
udp-connect-other-family=err:invalid-argument
udp-connect=ok
udp-send-to-peer=ok
udp-send-to-other=err:invalid-argument
udp-send-connected=ok" ;;
nodirs)
  # no --dir: no preopens at all
  run "$G" nodirs; expect_rc 0; expect_out "preopens=0" ;;
tcp)
  run --allow-network "$G" tcp; expect_rc 0; expect_out "create=ok
bind=ok
listen=ok
port-nonzero=1
connect=ok
accepted=1
send-result=0
received=ping over wasi 0.3
receive-result=0" ;;
udp)
  run --allow-network "$G" udp; expect_rc 0; expect_out "udp-create=ok
udp-bind=ok
udp-send=ok
udp-receive=ok
datagram=datagram!" ;;
lookup)
  run --allow-network "$G" lookup; expect_rc 0; expect_out "lookup=ok
addresses-nonzero=1" ;;
net-denied)
  # the network is denied unless --allow-network, as for WASI 0.2
  run "$G" net-denied; expect_rc 0; expect_out "$DENIED_OUT" ;;
rc-files)
  run --dir "$T/box::/box" "$RC" files; expect_rc 0; expect_out "$FILES_OUT" ;;
rc-run-picked)
  # the rc command exports run@0.2.12 too (failing silently): the 0.3 one runs
  run "$RC" hello; expect_rc 0; expect_out "hello from wasi 0.3" ;;
rc-net-denied)
  run "$RC" net-denied; expect_rc 0; expect_out "$DENIED_OUT" ;;
*) echo "unknown case $CASE"; exit 2 ;;
esac
[ $fails = 0 ] && echo "ok [$CASE]"
exit $fails
