#!/bin/sh
# The optimized tier gives a forward byte-copy loop a memmove fast path
# (translate_idiom.c) exactly where the loop is that shape: the module of
# tests/core/diff/cases/bytecopy_loop.wast (whose commands check the
# results on both tiers against V8's) is compiled with its C kept
# (WASMPLUG_KEEP_C), and the functions holding a memmove are read: the
# four forward copies (F3-F6) and the two backward ones (F13, F14), not
# the lookalikes (F7-F12, F15) nor the helpers; none with fuel (each
# iteration is a check).
# usage: check_bytecopy_c.sh WASMPLUG WAT2WASM bytecopy_loop.wast
set -u
W=$1 WAT2WASM=$2 WAST=$3
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
awk '/^\(module/ { on = 1 } on { print } on && /^\)$/ { exit }' "$WAST" >"$work/m.wat"
"$WAT2WASM" "$work/m.wat" -o "$work/m.wasm" || { echo "FAIL: wat2wasm"; exit 1; }
# which functions of the kept C call memmove: "F3 F4 ..."
copies() {
  dir=$(printf '%s\n' "$1" | sed -n 's/^wasmplug: generated C kept in //p' | head -1)
  [ -n "$dir" ] && [ -d "$dir" ] || { echo "no C kept: $1"; return; }
  for u in "$dir"/u*.c; do
    awk '/^[a-z].* F[0-9]+\(/ { f = $0; sub(/\(.*/, "", f); sub(/.* /, "", f) }
         /memmove\(/ { print f }' "$u"
  done | sort -u -t F -k2n | tr '\n' ' '
  rm -rf "$dir"
}
fails=0
out=$(WASMPLUG_CACHE_DIR=$work/c1 WASMPLUG_KEEP_C=1 WASMPLUG_TRANSLATOR=own "$W" compile "$work/m.wasm" 2>&1 >/dev/null)
got=$(copies "$out")
[ "$got" = "F3 F4 F5 F6 F13 F14 " ] || { echo "FAIL: optimized: memmove in '$got', expected 'F3 F4 F5 F6 F13 F14 '"; fails=1; }
out=$(WASMPLUG_CACHE_DIR=$work/c2 WASMPLUG_KEEP_C=1 WASMPLUG_TRANSLATOR=own "$W" run --tier optimized --fuel 1000 "$work/m.wasm" 2>&1 >/dev/null)
got=$(copies "$out")
[ -z "$got" ] || { echo "FAIL: with fuel: memmove in '$got'"; fails=1; }
[ $fails -eq 0 ] && echo passed
exit $fails
