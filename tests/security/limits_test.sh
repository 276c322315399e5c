#!/bin/bash
# limits_test.sh WASMPLUG WASM_DIR
# Issue 12, item 7: each resource limit, through its `wasmplug run` flag,
# refuses what is past it with a message naming the limit, and the
# defaults hold without flags.  Both tiers for the core-module limits
# (memory and tables are made by the compiled code's runtime calls).
set -u
W=$1 D=$2
. "$(dirname "$0")/lib.sh"

for tier in baseline optimized; do
  r="$W run --tier $tier"
  # linear memory: the initial size over the limit fails to instantiate;
  # memory.grow past it returns -1, up to it succeeds
  expect "$tier: memory initial over the limit" 134 \
    'a linear memory of 2 initial pages \(131072 bytes\) is over the limit of 65536 bytes \(max-memory\)' \
    $r --max-memory 64K --invoke run "$D/limits_mem2.wasm"
  expect "$tier: memory.grow past the limit" 0 '^-1$' $r --max-memory 127K --invoke grow "$D/limits.wasm"
  expect "$tier: memory.grow up to the limit" 0 '^1$' $r --max-memory 128K --invoke grow "$D/limits.wasm"
  expect "$tier: memory.grow, default limit" 0 '^1$' $r --invoke grow "$D/limits.wasm"
  # tables
  expect "$tier: table initial over the limit" 134 \
    'a table of 100 initial elements is over the limit of 10 elements \(max-table-elements\)' \
    $r --max-table-elements 10 --invoke run "$D/limits_tab.wasm"
  expect "$tier: table.grow past the limit" 0 '^-1$' $r --max-table-elements 20 --invoke grow-table "$D/limits.wasm"
  expect "$tier: table.grow up to the limit" 0 '^1$' $r --max-table-elements 21 --invoke grow-table "$D/limits.wasm"
done

C="$D/limits_c.wasm"
# resource handles per table: a flag, and the default (1,000,000; it was
# 2^28, which let a guest take gigabytes of host memory)
expect "handles under the limit" 0 '^1000$' "$W" run --invoke 'make(1000)' "$C"
expect "handles past --max-handles" 134 \
  'resource.new: resource handle table is full: 100 handles, the limit \(max-handles\)' \
  "$W" run --max-handles 100 --invoke 'make(1000)' "$C"
expect "handles past the default" 134 'resource handle table is full: 1000000 handles, the limit \(max-handles\)' \
  "$W" run --invoke 'make(1000001)' "$C"
# host memory one call makes the host allocate: a 100000-byte list copied
# out of the guest
expect "host memory past --max-host-memory" 134 'host allocation budget of 65536 bytes exceeded.*max-host-memory' \
  "$W" run --max-host-memory 64K --invoke 'big(100000)' "$C"
expect "host memory, default" 0 '^\[0, 0, 0\]$' "$W" run --invoke 'big(3)' "$C"
# core instances per component instance (this one makes five)
expect "instances past --max-instances" 1 \
  'would create more than 4 core instances, the limit \(max-instances\)' \
  "$W" run --max-instances 4 --invoke 'big(3)' "$C"
expect "instances up to --max-instances" 0 '^\[0, 0, 0\]$' "$W" run --max-instances 5 --invoke 'big(3)' "$C"

# flags: bad values are usage errors, `unlimited` lifts a limit
expect "bad size" 2 "--max-memory: expected a positive size" "$W" run --max-memory 12Q "$D/limits.wasm"
expect "negative" 2 "--max-handles: expected a positive number" "$W" run --max-handles -1 "$D/limits.wasm"
expect "unlimited" 0 '^1$' "$W" run --max-memory unlimited --invoke grow "$D/limits.wasm"
finish
