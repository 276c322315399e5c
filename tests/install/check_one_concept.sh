#!/bin/sh
# Issue 15, "one implementation of each concept", for what a grep can see:
#  - one growable string buffer: wp_buf_t is defined once (src/core/buf.h),
#    nothing else defines its functions, no other struct is a text buffer
#    (a `char *` with a length and a size/capacity named *buf*), and the one
#    printf-to-a-new-string is buf.h's (no vsnprintf(NULL, 0, ...) elsewhere);
#  - one enumeration of value type kinds: every kind of the component
#    decoder (WP_COMP_T_*) and of WIT (WP_WIT_T_* for type references,
#    WP_WIT_DEF_* for defined types) that is a value type kind of
#    wasmplug_ckind_t is defined as that kind (= WASMPLUG_C_<KIND>);
#  - "guest" names one thing, the Wasm program being run: no type of the
#    tree is a *guest* (the plugins' objects for a guest are its plugin
#    instances, the canonical options are wp_cabi_opts_t);
#  - one name for each core value kind: wasmplug_valkind_name (no other
#    switch spelling "funcref");
#  - one WIT keyword list, the lexer's (src/wit/lexer.c, wp_wit_is_keyword):
#    no other file spells keywords as a list of strings;
#  - one rep table for the shipped plugins (plugins/common/slots.h): no
#    plugin grows an object array of its own;
#  - one monotonic clock, the clock of every deadline: only
#    include/wasmplug/clock.h (wasmplug_monotonic_ns) reads CLOCK_MONOTONIC
#    in src/ and plugins/ (there were a dozen copies of it).
set -eu
src=$1 inc=$2
fail=0
defs=$(grep -rln 'typedef struct wp_buf\b' "$src" || true)
if [ "$defs" != "$src/core/buf.h" ]; then
  echo "wp_buf_t must be defined once, in src/core/buf.h; found in:"; printf '%s\n' "$defs"; fail=1
fi
fns=$(grep -rn '^[a-z].*\bwp_buf_\(printf\|vprintf\|reserve\|put\|puts\)(wp_buf_t' "$src" | grep -v "^$src/core/buf.h:" || true)
if [ -n "$fns" ]; then echo "wp_buf_* defined outside src/core/buf.h:"; printf '%s\n' "$fns"; fail=1; fi
others=$(grep -rnE 'typedef struct [a-z_]*buf \{' "$src" | grep -v "^$src/core/buf.h:" || true)
if [ -n "$others" ]; then echo "a second buffer type:"; printf '%s\n' "$others"; fail=1; fi
fmts=$(grep -rn 'vsnprintf(NULL, 0' "$src" | grep -v "^$src/core/buf.h:" || true)
if [ -n "$fmts" ]; then echo "printf-to-a-new-string outside src/core/buf.h:"; printf '%s\n' "$fmts"; fail=1; fi
guests=$(grep -rnE 'typedef struct [a-z_]*guest[a-z_]* ' "$src" || true)
if [ -n "$guests" ]; then echo "a type named guest that is not the guest:"; printf '%s\n' "$guests"; fail=1; fi
names=$(grep -rln 'return "funcref"' "$src" || true)
if [ "$names" != "$src/core/reader.c" ]; then
  echo "core value kinds must be named by wasmplug_valkind_name (src/core/reader.c) only; named in:"
  printf '%s\n' "$names"; fail=1
fi
kws=$(grep -rlE '"(constructor|include)",' "$src" || true)
if [ -n "$kws" ]; then
  echo "WIT keywords must be listed once (src/wit/lexer.c, wp_wit_is_keyword); a list in:"
  printf '%s\n' "$kws"; fail=1
fi
plugins=$(dirname "$src")/plugins
reps=$(grep -rnE 'realloc\(in->objs|->objs\[|kv_slots_t|uint32_t kv_slot_add' "$plugins" || true)
if [ -n "$reps" ]; then
  echo "a plugin rep table outside plugins/common/slots.h:"; printf '%s\n' "$reps"; fail=1
fi
clocks=$(grep -rn 'clock_gettime(CLOCK_MONOTONIC' "$src" "$plugins" || true)
if [ -n "$clocks" ]; then
  echo "the monotonic clock must be read with wasmplug_monotonic_ns (include/wasmplug/clock.h); read in:"
  printf '%s\n' "$clocks"; fail=1
fi
kinds=$(sed -n '/^typedef enum wasmplug_ckind {/,/} wasmplug_ckind_t;/p' "$inc/wasmplug.h" |
        grep -o 'WASMPLUG_C_[A-Z0-9_]*' | sed 's/WASMPLUG_C_//')
[ -n "$kinds" ] || { echo "no wasmplug_ckind_t in $inc/wasmplug.h"; exit 1; }
n=0
for k in $kinds; do
  for pre in WP_COMP_T WP_WIT_T WP_WIT_DEF; do
    line=$(grep -rhE "^[[:space:]]*${pre}_${k}[[:space:]]*[=,]|[[:space:]]${pre}_${k}[[:space:]]*=" \
           "$src/component/component.h" "$src/wit/wit.h" || true)
    [ -n "$line" ] || continue
    n=$((n + 1))
    printf '%s\n' "$line" | grep -q "${pre}_${k} = WASMPLUG_C_${k}\b" ||
      { echo "${pre}_${k} is not WASMPLUG_C_${k}: $line"; fail=1; }
  done
done
[ "$n" -ge 50 ] || { echo "found only $n layer kinds to check"; fail=1; }
[ $fail = 0 ] && echo "one buffer; $n layer kinds are wasmplug_ckind_t's"
exit $fail
