#!/bin/bash
# small_answers_test.sh WASMPLUG SEC_WASM_DIR PLUGIN_DIR
# Issue 12, item 8: the smaller wrong answers of the review, each checked.
set -u
W=$1 D=$2 P=$3
. "$(dirname "$0")/lib.sh"
S=$D/small.wasm L=$D/limits_c.wasm

# memory.fill over the last bytes of a full 4 GiB memory does not trap;
# one byte more does
expect "fill the end of 4 GiB" 0 '^7$' "$W" run --invoke fill-end "$S"
expect "fill past 4 GiB" 134 'memory out of bounds' "$W" run --invoke fill-past "$S"
# table out of bounds is not "memory out of bounds"
expect "table.get out of bounds" 134 'trap: table out of bounds' "$W" run --invoke table-get-oob "$S"
refute "table.get is not a memory trap" 'memory out of bounds'
expect "table.set out of bounds" 134 'trap: table out of bounds' "$W" run --invoke table-set-oob "$S"
# call_indirect: the spec's words (uninitialized / undefined element)
expect "call_indirect null" 134 'uninitialized element' "$W" run --invoke call-null "$S"
expect "call_indirect out of range" 134 'undefined element' "$W" run --invoke call-oob "$S"
# --timeout -1 is not "no timeout"
expect "--timeout -1" 2 "--timeout: expected a positive number" "$W" run --timeout -1 --invoke fill-end "$S"
# files that are not regular files are refused, not read forever
expect "run /dev/zero" 1 '/dev/zero: not a regular file' "$W" run /dev/zero
mkfifo "$tmp/fifo"
expect "run a FIFO" 1 'not a regular file' "$W" run "$tmp/fifo"
expect "run a directory" 1 'not a regular file' "$W" run "$tmp"
expect "compile /dev/zero" 1 'not a regular file' "$W" compile /dev/zero
# proc_exit: a status the process cannot carry is not success
expect "proc_exit(3)" 3 '' "$W" run --invoke exit-3 "$S"
expect "proc_exit(256)" 134 'invalid exit status' "$W" run --invoke exit-256 "$S"
# an isolated plugin killed at its timeout: not "crashed: killed by signal 9"
expect "isolated timeout" 134 'no answer within 200 ms.*the plugin process was killed' \
  "$W" run --plugin "$P/blocker.so,isolate,timeout=200,isolate-allow=pipe2" --invoke read "$D/blocker_guest.wasm"
refute "isolated timeout is not a crash" 'crashed|signal 9'
# plugins' debug lines (wasi:dl's errors among them) only with WASMPLUG_LOG=debug
expect "default log level" 0 '^42$' "$W" run --plugin "$P/hostile.so" --invoke ok "$D/hostile_guest.wasm"
refute "no debug line by default" 'debug: hostile'
grep -q 'info: hostile: an info line' "$tmp/out" && ok || bad "the info line is missing"
expect "WASMPLUG_LOG=debug" 0 'debug: hostile: a debug line' \
  env WASMPLUG_LOG=debug "$W" run --plugin "$P/hostile.so" --invoke ok "$D/hostile_guest.wasm"
expect "WASMPLUG_LOG=error" 0 '^42$' env WASMPLUG_LOG=error "$W" run --plugin "$P/hostile.so" --invoke ok "$D/hostile_guest.wasm"
refute "no info line at error level" 'info: hostile'
# WAVE error offsets count from the start of the call, always
expect "offset of a bad argument" 1 "at offset 5: expected an integer" "$W" run --invoke 'make("x")' "$L"
expect "offset after whitespace" 1 "at offset 7: expected an integer" "$W" run --invoke 'make(  "abc)' "$L"
expect "offset of an extra argument" 1 "at offset 10: too many arguments" "$W" run --invoke 'make(1,   zz)' "$L"
expect "offset of a bad name" 1 "at offset 2: unexpected character" "$W" run --invoke 'ma!ke(1)' "$L"
# invalid UTF-8 in --invoke is escaped, never echoed raw
bad_call=$(printf 'make("\xff\xfe")')
expect "invalid UTF-8 in an argument" 1 'make\("\\xff\\xfe"\)' "$W" run --invoke "$bad_call" "$L"
LC_ALL=C grep -q $'\xff' "$tmp/out" && bad "a raw 0xff byte was echoed" || ok
expect "invalid UTF-8 in a core export name" 1 "no exported function named 'no\\\\xffpe'" \
  "$W" run --invoke "$(printf 'no\xffpe')" "$S"
LC_ALL=C grep -q $'\xff' "$tmp/out" && bad "a raw 0xff byte was echoed" || ok
finish
