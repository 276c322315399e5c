#!/bin/sh
# The baseline's C writes each load as the plain dereference tcc would
# expand WP_LD to (translate_func.c, tcc_load): no macro expansion per
# load for libtcc (issue 18, cold start).  The C of a module with loads is
# kept (WASMPLUG_KEEP_C) and read.
# usage: check_baseline_c.sh WASMPLUG MODULE.wasm
set -u
W=$1 M=$2
err=$(WASMPLUG_KEEP_C=1 WASMPLUG_TRANSLATOR=own "$W" run --tier baseline --invoke no-such-export "$M" 2>&1 >/dev/null)
dir=$(printf '%s\n' "$err" | sed -n 's/^wasmplug: generated C kept in //p' | head -1)
[ -n "$dir" ] && [ -d "$dir" ] || { echo "FAIL: no C kept: $err"; exit 1; }
fails=0
if grep -q 'WP_LDF\?(' "$dir"/u*.c; then
  echo "FAIL: the baseline C still loads through WP_LD: $(grep -m1 -o 'WP_LDF\?([^;]*' "$dir"/u*.c)"; fails=1
fi
if ! grep -q '(\*(wp_u32u \*)(' "$dir"/u*.c; then
  echo "FAIL: no plain i32 load in the baseline C"; fails=1
fi
rm -rf "$dir"
[ $fails -eq 0 ] && echo passed
exit $fails
