#!/bin/sh
# Which loads the optimized tier emits plain and which keep WP_LD's barrier
# (translate_loads.c): the module of tests/core/diff/cases/load_barrier.wast
# (whose commands check the traps and results on both tiers) is compiled
# with its C kept (WASMPLUG_KEEP_C), and the functions named below are read.
#   plain:  R3, a load covered by a later store of the same base with
#           nothing observable between that stores the loaded value plus,
#           minus or xor a constant that changes it (`p->n -= 1` as one
#           instruction);
#   barrier: the lookalikes (a store of the value itself, which gcc may
#           delete with the load, or of it `| 1`, or plus 256 into a byte;
#           a store wider than the load; a load whose value is dropped; a
#           store that does not reach as far; a call, a store of another
#           base or a local.set between) and the loads
#           that a store's *value* seems to cover (a store's base is its
#           address: main before w31-sqlrun took it from the value's last
#           instruction, and lost these loads' traps).
# usage: check_loads_c.sh WASMPLUG WAT2WASM load_barrier.wast
set -u
W=$1 WAT2WASM=$2 WAST=$3
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
awk '/^\(assert|^\(invoke/ { exit } { print }' "$WAST" >"$work/m.wat"
"$WAT2WASM" "$work/m.wat" -o "$work/m.wasm" || { echo "FAIL: wat2wasm"; exit 1; }
# export name -> function index (every function of the module is on a line
# of its own starting with "(func"; no imports)
awk '/^ *\(func/ { if (match($0, /\(export "[^"]*"\)/)) print substr($0, RSTART + 9, RLENGTH - 11), n; n++ }' \
  "$work/m.wat" >"$work/index"
err=$(WASMPLUG_CACHE_DIR=$work/c WASMPLUG_KEEP_C=1 WASMPLUG_TRANSLATOR=own "$W" compile "$work/m.wasm" 2>&1 >/dev/null)
dir=$(printf '%s\n' "$err" | sed -n 's/^wasmplug: generated C kept in //p' | head -1)
[ -n "$dir" ] && [ -d "$dir" ] || { echo "FAIL: no C kept: $err"; exit 1; }
# body NAME: the C of the function exported as NAME
body() {
  i=$(awk -v n="$1" '$1 == n { print $2 }' "$work/index")
  [ -n "$i" ] || { echo "no export $1" >&2; return; }
  cat "$dir"/u*.c | awk -v f="F$i" '$0 ~ "^[a-z].* " f "\\(" { on = 1 } on { print } on && /^}/ { exit }'
}
fails=0
for f in r3_rmw r3_xor64 r3_add8 r3_const; do
  b=$(body $f)
  [ -n "$b" ] || { echo "FAIL: no C for $f"; fails=1; continue; }
  if printf '%s\n' "$b" | grep -q 'WP_LD('; then echo "FAIL: $f keeps a barrier:"; printf '%s\n' "$b"; fails=1; fi
done
for f in r1_store_value r1_store_const r1_store_sum r3_add8_256 r3_self r3_or r3_wider_store r3_dead \
  r3_narrow r3_narrow_short r3_short r3_other_store r3_store_between r3_set_between; do
  b=$(body $f)
  [ -n "$b" ] || { echo "FAIL: no C for $f"; fails=1; continue; }
  if ! printf '%s\n' "$b" | grep -q 'WP_LD('; then echo "FAIL: $f lost its barrier:"; printf '%s\n' "$b"; fails=1; fi
done
rm -rf "$dir"
[ $fails -eq 0 ] && echo passed
exit $fails
