#!/bin/sh
# The optimized tier's call_indirect wrappers pass their own parameter list
# on unchanged (translate.h: wp_xlate_takes_inst): F<N>x(I, a0..) reaches
# the body as F<N>(I, a0..), a jump that moves no argument, where the
# instance pinned in r14 once made every call through a funcref shift all
# its arguments down by one register (issue 18).  The C of pin_inst.wasm
# (escaping functions of 1 and 8 parameters, a start function in the
# table) is kept (WASMPLUG_KEEP_C) and read.
# usage: check_wrapper_c.sh WASMPLUG pin_inst.wasm
set -u
W=$1 M=$2
cache=$(mktemp -d) || exit 1
err=$(WASMPLUG_CACHE_DIR=$cache WASMPLUG_KEEP_C=1 WASMPLUG_TRANSLATOR=own "$W" compile "$M" 2>&1 >/dev/null)
rm -rf "$cache"
dir=$(printf '%s\n' "$err" | sed -n 's/^wasmplug: generated C kept in //p' | head -1)
[ -n "$dir" ] && [ -d "$dir" ] || { echo "FAIL: no C kept: $err"; exit 1; }
fails=0
# the header pins the instance, so these wrappers are the pinned tier's
grep -q '^#define WP_WANT_IPIN' "$dir"/wp.h || { echo "FAIL: the instance is not pinned in wp.h"; fails=1; }
if ! grep -q 'WP_PIN_IS(I), 1)) return F[0-9]*(I, a0, a1, a2, a3, a4, a5, a6, a7);' "$dir"/glue.c; then
  echo "FAIL: the 8-parameter wrapper does not pass its list on: $(grep -m1 'a7);' "$dir"/glue.c)"; fails=1
fi
if ! grep -q 'WP_PIN_IS(I), 1)) return F[0-9]*(I, a0);' "$dir"/glue.c; then
  echo "FAIL: the 1-parameter wrapper does not pass its list on"; fails=1
fi
if grep 'WP_PIN_IS(I), 1))' "$dir"/glue.c | grep -q 'WP_IA'; then
  echo "FAIL: a wrapper's fast path drops the instance argument: $(grep -m1 'WP_PIN_IS(I), 1)).*WP_IA' "$dir"/glue.c)"
  fails=1
fi
# the bodies of escaping functions take the instance and leave it unread
if ! grep -q '^u32 F[0-9]*(WP_IX, u32 l0, u32 l1, u32 l2, u32 l3, u32 l4, u32 l5, u32 l6, u32 l7)' "$dir"/u*.c; then
  echo "FAIL: the 8-parameter body does not take the instance: $(grep -m1 'l7)' "$dir"/u*.c)"; fails=1
fi
rm -rf "$dir"
[ $fails -eq 0 ] && echo passed
exit $fails
