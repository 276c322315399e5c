#!/bin/bash
# timeout_test.sh WASMPLUG BLOCKING.wasm BLOCKING_P2.wasm BLOCKER.so BLOCKER_GUEST.wasm
# Issue 12, item 6: --timeout bounds blocking host calls, not only busy
# guest code.  Each guest below blocks in a host call that would wait for
# 100 s or forever (and exits 7 or returns 7 if the call comes back
# without the time limit being reported); with --timeout 300 each must end
# in the interrupt trap, quickly.  `expect` bounds every run by 20 s.
set -u
W=$1 B=$2 B2=$3 BL=$4 BLG=$5
. "$(dirname "$0")/lib.sh"
printf '#!/bin/sh\nASAN_OPTIONS=handle_segv=0:handle_abort=0:handle_sigbus=0:detect_leaks=0 exec "%s" "$@"\n' "$W" >"$tmp/helper"
chmod +x "$tmp/helper"
export WASMPLUG_EXE=$tmp/helper
INT='interrupt: the call exceeded its time limit'

# The case that always worked: guest code spinning.
expect "spin" 134 "$INT" "$W" run --timeout 300 --invoke spin "$B"

# preview1: poll_oneoff sleeping 100 s
expect "p1 poll_oneoff sleep" 134 "$INT" "$W" run --timeout 300 --invoke sleep "$B"
# preview1: fd_read of a pipe that stays open and silent.  The FIFO is
# opened read-write by this shell, so it has a writer and never ends.
mkfifo "$tmp/fifo"
exec 3<>"$tmp/fifo"
expect "p1 fd_read silent stdin" 134 "$INT" "$W" run --timeout 300 --invoke read-stdin "$B" <&3
# preview1: path_open of a FIFO nobody opens for writing
mkdir "$tmp/d"
mkfifo "$tmp/d/fifo"
expect "p1 path_open fifo" 134 "$INT" "$W" run --timeout 300 --dir "$tmp/d" --invoke open-fifo "$B"

# WASI 0.2: a 100 s monotonic-clock pollable, and blocking-read of stdin
expect "p2 pollable.block sleep" 134 "$INT" "$W" run --timeout 300 --invoke 'sleep()' "$B2"
expect "p2 blocking-read silent stdin" 134 "$INT" "$W" run --timeout 300 --invoke 'read-stdin()' "$B2" <&3

# A native plugin blocking in read() and poll(), in process and isolated
# (timeout=0: the plugin's own per-call timeout is off, only --timeout;
# block-read makes a pipe, which the helper's filter must allow).
for f in read poll; do
  expect "plugin block-$f" 134 "$INT" "$W" run --timeout 300 --plugin "$BL" --invoke $f "$BLG"
  expect "isolated plugin block-$f" 134 "$INT.*plugin process was killed|$INT" \
    "$W" run --timeout 300 --plugin "$BL,isolate,timeout=0,isolate-allow=pipe2" --invoke $f "$BLG"
done
exec 3<&-

# Without --timeout nothing is interrupted: the sleep runs to its end
# (a short one, so the test stays cheap) — checked by the os test.
finish
