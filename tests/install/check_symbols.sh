#!/bin/sh
# libwasmplug.so exports exactly the public API: every symbol it defines
# dynamically is wasmplug_*, and every function the public headers declare
# (WASMPLUG_API) is among them.
set -eu
lib=$1 inc=$2
command -v nm >/dev/null || { echo "nm (binutils) is needed"; exit 1; }
exported=$(nm -D --defined-only "$lib" | awk '{print $3}' | sort -u)
bad=$(printf '%s\n' "$exported" | grep -v '^wasmplug_' || true)
if [ -n "$bad" ]; then
  echo "libwasmplug.so exports symbols outside the public API:"; printf '%s\n' "$bad" | head -20; exit 1
fi
# a function declared without WASMPLUG_API would silently stay hidden
unmarked=$(cat "$inc"/wasmplug.h "$inc"/wasmplug/*.h | grep -E '^[a-z].*[ *]wasmplug_[a-z0-9_]*\(' |
           grep -v '^typedef\|^static inline' || true)
if [ -n "$unmarked" ]; then
  echo "public functions declared without WASMPLUG_API:"; printf '%s\n' "$unmarked"; exit 1
fi
declared=$(cat "$inc"/wasmplug.h "$inc"/wasmplug/*.h | grep -o 'WASMPLUG_API[^(]*(' |
           grep -o 'wasmplug_[a-z0-9_]*($' | tr -d '(' | sort -u)
[ -n "$declared" ] || { echo "no WASMPLUG_API declarations found in $inc"; exit 1; }
missing=$(printf '%s\n' "$declared" | while read -r f; do
  printf '%s\n' "$exported" | grep -qx "$f" || echo "$f"; done)
if [ -n "$missing" ]; then
  echo "declared in the public headers but not exported:"; printf '%s\n' "$missing"; exit 1
fi
# and the installed headers name nothing internal
internal=$(grep -n '\bwp_[a-z]' "$inc"/wasmplug.h "$inc"/wasmplug/*.h || true)
if [ -n "$internal" ]; then
  echo "internal names (wp_*) in the public headers:"; printf '%s\n' "$internal"; exit 1
fi
echo "exports: $(printf '%s\n' "$exported" | wc -l) wasmplug_* symbols, nothing else"
