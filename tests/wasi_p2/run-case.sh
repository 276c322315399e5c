#!/bin/sh
# run-case.sh WASMPLUG GUEST.wasm PLUGIN.so CASE
# Runs one WASI 0.2 case of the test guest (guest.c) under `wasmplug run`
# on the baseline tier and asserts its output and exit status.  "-so"
# cases take WASI from wasi-p2.so (--no-default-plugins --plugin) instead
# of the built-in copy.
set -u
W=$1 G=$2 SO=$3 CASE=$4
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
expect_out() { # exact stdout ("" : none at all)
  if [ -z "$1" ]; then : >"$T/want"; else printf '%s\n' "$1" >"$T/want"; fi
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

case $CASE in
hello)
  run "$G"; expect_rc 0; expect_out "hello from wasi-p2"; expect_grep err "^to stderr$" ;;
hello-so)
  run --no-default-plugins --plugin "$SO" "$G"; expect_rc 0; expect_out "hello from wasi-p2"
  expect_grep err "^to stderr$" ;;
no-default-plugins)
  # without the built-in nothing provides WASI: a link error naming the import
  run --no-default-plugins "$G"; expect_rc 1; expect_grep err "unknown import .wasi:" ;;
args)
  run --env FOO=bar --env "SP=a b,c%d" "$G" args "two words" "x,y" "100%" ""
  expect_rc 0
  expect_out "arg 0: $(basename "$G")
arg 1: args
arg 2: two words
arg 3: x,y
arg 4: 100%
arg 5: 
env FOO=bar
env SP=a b,c%d" ;;
env-none)
  # nothing of the host's environment leaks without --env/--inherit-env
  export P2_TEST_VAR=leak; run "$G" args; expect_rc 0; expect_nogrep out "^env " ;;
inherit-env)
  # --env wins over the inherited value, before or after --inherit-env
  export P2_TEST_VAR="from host" P2_OVERRIDE=host P2_EARLY=host
  run --env P2_EARLY=mine --inherit-env --env P2_OVERRIDE=mine "$G" args
  expect_rc 0; expect_grep out "^env P2_TEST_VAR=from host$"; expect_grep out "^env P2_OVERRIDE=mine$"
  expect_grep out "^env P2_EARLY=mine$"; expect_nogrep out "=host$" ;;
exit-0)
  run "$G" exit 0; expect_rc 0; expect_out "" ;;
exit-3)
  # jco's preview1 adapter reports a non-zero main() as exit(err): status 1
  run "$G" exit 3; expect_rc 1; expect_out ""; expect_nogrep err "trap" ;;
stdin)
  printf 'piped text\nline two\n' | "$W" run --tier baseline "$G" cat >"$T/out" 2>"$T/err"; rc=$?
  expect_rc 0; expect_out "PIPED TEXT
LINE TWO
[20 bytes]" ;;
pollin)
  (sleep 0.3; echo wakeup) | "$W" run --tier baseline "$G" pollin >"$T/out" 2>"$T/err"; rc=$?
  expect_rc 0; expect_out "poll returned 1, revents POLLIN, woke early yes, read: wakeup" ;;
files)
  run --dir "$T/box::/box" "$G" files /box; expect_rc 0
  expect_out "read 23 bytes: hello file
second line
size 23 regular 1
entry b.txt
pread at 6: file
, size after truncate 10
symlink -> b.txt reads HELLO file
files ok"
  [ -z "$(ls "$T/box" | grep -v '^link$')" ] || { echo "FAIL [$CASE]: files left behind: $(ls "$T/box")"; fails=1; } ;;
files-so)
  # the same through wasi-p2.so, capabilities given as its config options
  run --no-default-plugins --plugin "$SO,dir=$T/box::/box,args=g files /box" "$G"; expect_rc 0
  expect_grep out "^files ok$" ;;
bad-dir-so)
  # a config naming a directory that cannot be opened refuses the load once,
  # naming the path
  run --no-default-plugins --plugin "$SO,dir=$T/missing::/m" "$G"; expect_rc 1
  expect_grep err "dir $T/missing: cannot open it as a directory (ENOENT)"
  expect_grep err "plugin wasi-p2: init failed"
  [ "$(grep -c "cannot open it" "$T/err")" = 1 ] || { echo "FAIL [$CASE]: not exactly one message"; fails=1; } ;;
escape)
  run --dir "$T/box::/box" "$G" escape /box; expect_rc 0
  expect_nogrep out "ESCAPED"
  expect_grep out "^refused /../outside.txt: "; expect_grep out "^refused /link/x: "
  expect_grep out "^refused /etc/passwd: "
  grep -q "must never change" "$T/outside.txt" || { echo "FAIL [$CASE]: outside.txt changed"; fails=1; } ;;
readonly)
  run --dir-ro "$T/ro::/ro" "$G" readonly /ro; expect_rc 0
  expect_out "create refused: Read-only file system
read: ro data"
  [ ! -e "$T/ro/new.txt" ] || { echo "FAIL [$CASE]: new.txt was created"; fails=1; } ;;
clocks)
  run "$G" clocks; expect_rc 0; expect_out "slept at least 200ms
wall clock after 2020: yes" ;;
random)
  run "$G" random; expect_rc 0; expect_out "random differs: yes, nonzero: yes" ;;
tcp)
  # a server and a client on loopback in one guest (net.c), waits via poll
  NET=$(dirname "$G")/net.wasm
  run --allow-network "$NET"; expect_rc 0
  expect_grep out "^listening: yes, port assigned: yes$"
  expect_grep out "^resolved 127.0.0.1: yes$"
  expect_grep out "^keep-alive: on, idle 30s: yes$"
  expect_grep out "^accept wait: woken by listener$"
  expect_grep out "^connect wait: woken by socket$"
  expect_grep out "^server got: ping over tcp$"
  expect_grep out "^client got: pong$"
  expect_grep out "^server: stream closed$"
  expect_grep out "^peer is loopback: yes$"
  expect_grep out "^tcp ok$"
  expect_grep out "^udp sent: 1$"; expect_grep out "^udp wait: woken by datagram$"
  expect_grep out "^udp got: dgram from a: yes$"; expect_grep out "^udp ok$" ;;
tcp-denied)
  # no --allow-network: creating a socket fails with access-denied (1)
  NET=$(dirname "$G")/net.wasm
  run "$NET"; expect_rc 1
  expect_grep out "^create-tcp-socket: error-code 1$"; expect_nogrep out "tcp ok" ;;
semver)
  # any 0.2.x links to the provided 0.2.12 (one track: the types decide,
  # and these functions are the same in every 0.2); 0.3.0 links to wasi-p3;
  # 0.4 to nothing
  D=$(dirname "$G")
  for v in 0.2.0 0.2.1 0.2.2 0.2.3 0.2.4 0.2.5 0.2.6 0.2.7 0.2.8 0.2.9 0.2.10 0.2.11 0.2.12; do
    run --invoke 'check()' "$D/semver-$v.wasm"; expect_rc 0; expect_out "true"
  done
  run --invoke 'check()' "$D/semver-0.2.99.wasm"; expect_rc 0; expect_out "true"
  run --invoke 'check()' "$D/semver-0.3.0.wasm"; expect_rc 0; expect_out "true"
  run --invoke 'check()' "$D/semver-0.4.0.wasm"; expect_rc 1; expect_grep err "unknown import .wasi:random/random@0.4.0#" ;;
exit-with-code)
  # a command built against 0.2.12 whose run calls exit-with-code(42)
  run "$(dirname "$G")/exitcode-0.2.12.wasm"; expect_rc 42; expect_out ""; expect_nogrep err "error" ;;
hostile)
  # misuse wasi-libc never does ends in a clean trap naming the function
  D=$(dirname "$G")
  run --invoke 'poll-empty()' "$D/hostile.wasm"; expect_rc 134
  expect_grep err "wasi:io/poll@0.2.12#poll: .*empty list of pollables"
  run --invoke 'random-huge()' "$D/hostile.wasm"; expect_rc 134
  expect_grep err "get-random-bytes: .*at most 1048576 per call"
  run --invoke 'random-32()' "$D/hostile.wasm"; expect_rc 0; expect_out "32"
  # wasi:cli/exit#exit-with-code: the status, no error message
  run --invoke 'exit-7()' "$D/hostile.wasm"; expect_rc 7; expect_nogrep err "error" ;;
p2-streams)
  # stdin is a FIFO that stays empty until the guest creates box/ready
  # (then "ping\n" and the end): a wait for a condition, not a sleep
  C=$(dirname "$G")/p2conf.wasm
  rm -rf "$T/box"; mkdir "$T/box"; mkfifo "$T/fifo"
  ( i=0; while [ ! -e "$T/box/ready" ]; do i=$((i + 1)); [ $i -lt 1200 ] || break; sleep 0.05; done
    echo ping ) >"$T/fifo" &
  "$W" run --tier baseline --dir "$T/box::/box" "$C" streams <"$T/fifo" >"$T/out" 2>"$T/err"; rc=$?
  wait
  expect_rc 0; expect_out "streams ok"
  [ -z "$(ls -A "$T/box")" ] || { echo "FAIL [$CASE]: left behind: $(ls -A "$T/box")"; fails=1; } ;;
p2-epipe)
  # stdout's reader leaves after 10 bytes
  C=$(dirname "$G")/p2conf.wasm
  { "$W" run --tier baseline "$C" epipe 2>"$T/err"; echo $? >"$T/rc"; } | head -c 10 >"$T/out"
  rc=$(cat "$T/rc"); expect_rc 0; expect_grep err "^epipe ok$" ;;
p2-*)
  # one area of p2conf.c (fs, clocks, tcp, udp) against the reference's answers
  C=$(dirname "$G")/p2conf.wasm
  rm -rf "$T/box"; mkdir "$T/box"
  run --allow-network --dir "$T/box::/box" "$C" "${CASE#p2-}"; expect_rc 0; expect_out "${CASE#p2-} ok"
  [ -z "$(ls -A "$T/box")" ] || { echo "FAIL [$CASE]: left behind: $(ls -A "$T/box")"; fails=1; } ;;
conform-stdio)
  # stdin /dev/null, stdout a file, stderr a pipe (see conform.c)
  C=$(dirname "$G")/conform.wasm
  { "$W" run --tier baseline --dir "$T/box::/box" "$C" p2 stdio </dev/null >"$T/out"; echo $? >"$T/rc"; } 2>&1 |
    cat >"$T/err"
  rc=$(cat "$T/rc"); expect_rc 0; expect_out "stdio ok" ;;
conform-hosttimes)
  # files the host dated 1969 and 2030 (see conform.c)
  C=$(dirname "$G")/conform.wasm
  rm -rf "$T/box"; mkdir "$T/box"; printf hello >"$T/box/old"; printf hello >"$T/box/new"
  touch -m -a -d '1969-07-20 00:00:00 UTC' "$T/box/old"; touch -m -d '@1893456000' "$T/box/new"
  run --dir "$T/box::/box" "$C" p2 hosttimes; expect_rc 0; expect_out "hosttimes ok" ;;
conform-tty)
  # stdio on a pseudo-terminal (script(1)): terminal-stdin/stdout/stderr
  command -v script >/dev/null || { echo "FAIL [$CASE]: script(1) is needed (bsdutils)"; exit 1; }
  C=$(dirname "$G")/conform.wasm
  script -qec "'$W' run --tier baseline --dir '$T/box::/box' '$C' p2 tty" /dev/null </dev/null >"$T/out.raw" 2>"$T/err"
  rc=$?; tr -d '\r' <"$T/out.raw" >"$T/out"; expect_rc 0; expect_out "tty ok" ;;
conform-sizes)
  C=$(dirname "$G")/conform.wasm
  run --dir "$T/box::/box" --env EMPTY= --env A=b "$C" p2 sizes "" x; expect_rc 0; expect_out "sizes ok" ;;
conform-*)
  # one behaviour of tests/wasi/guests/conform.c, through the preview1
  # adapter and the wasi-p2 plugin, in an empty directory
  C=$(dirname "$G")/conform.wasm
  rm -rf "$T/box"; mkdir "$T/box"
  run --dir "$T/box::/box" "$C" p2 "${CASE#conform-}"; expect_rc 0; expect_out "${CASE#conform-} ok"
  [ -z "$(ls -A "$T/box")" ] || { echo "FAIL [$CASE]: left behind: $(ls -A "$T/box")"; fails=1; } ;;
jco-compare)
  # the same guest under `jco run` (Node + jco's preview2-shim): identical
  # stdout and exit status for hello, stdin piping and a failing exit
  JCO=$(dirname "$0")/../../tools/npm/node_modules/.bin/jco
  command -v node >/dev/null && [ -x "$JCO" ] || { echo "FAIL [$CASE]: node and jco are needed (scripts/install-deps.sh)"; exit 1; }
  for c in hello cat exit; do
    set -- ; [ $c = hello ] || set -- $c; [ $c = exit ] && set -- exit 3
    printf 'some input\n' | "$W" run --tier baseline "$G" "$@" >"$T/w.out" 2>/dev/null; wrc=$?
    printf 'some input\n' | "$JCO" run "$G" "$@" >"$T/j.out" 2>/dev/null; jrc=$?
    if [ $wrc != $jrc ] || ! cmp -s "$T/w.out" "$T/j.out"; then
      echo "FAIL [$CASE]: '$c' differs: wasmplug status $wrc, jco run status $jrc"
      diff "$T/j.out" "$T/w.out" | sed 's/^/  /'; fails=1
    fi
  done ;;
*)
  echo "unknown case $CASE"; exit 2 ;;
esac
[ $fails = 0 ] && echo "ok [$CASE]"
exit $fails
