#!/bin/bash
# artifacts_test.sh WASMPLUG WASM_DIR EVIL_DIR
# Issue 12, item 1: a file given to run/compile never runs native code it
# carries unless the user opts in, and the code cache is not a way in.
# EVIL_DIR holds shared objects that create $WP_PWNED when anything of
# them runs: ctor.so (a constructor), ifunc.so (an IFUNC resolver),
# needed.so (needs libwpevil.so).  The cache is a fresh one per case.
set -u
W=$1 D=$2 E=$3
. "$(dirname "$0")/lib.sh"
export WP_PWNED=$tmp/pwned
M=$D/limits.wasm # any module; its `grow` export prints 1

pwned() { # NAME: nothing of the evil code may have run
  if [ -e "$WP_PWNED" ]; then bad "$1: the planted code RAN"; rm -f "$WP_PWNED"; else ok; fi
}

# le64 N: N as 8 little-endian bytes (printf escapes)
le64() {
  local n=$1 s="" i
  for i in 0 1 2 3 4 5 6 7; do s="$s\\x$(printf %02x $(((n >> (8 * i)) & 255)))"; done
  printf "$s"
}
# artifact WASM SO OUT: a well-formed `wasmplug compile` artifact, format 2 (its
# checksum is just a SHA-256, which anyone can compute)
artifact() {
  local wl sl sum
  wl=$(stat -c %s "$1") sl=$(stat -c %s "$2")
  sum=$(cat "$1" "$2" | sha256sum | cut -c1-64)
  { printf WPLUGAOT; printf '\x02\x00\x00\x00'; le64 "$wl"; le64 "$sl"
    printf "$(echo "$sum" | sed 's/../\\x&/g')"; cat "$1" "$2"; } >"$3"
}

# 1. A real artifact: refused without --allow-precompiled, runs with it.
export WASMPLUG_CACHE_DIR=$tmp/cache1
expect "compile -o" 0 '' "$W" compile "$M" -o "$tmp/real.cwasm"
expect "artifact refused by default" 1 \
  'precompiled wasmplug artifact: it carries native code.*--allow-precompiled' \
  "$W" run --invoke grow "$tmp/real.cwasm"
expect "artifact with --allow-precompiled" 0 '^1$' "$W" run --allow-precompiled --invoke grow "$tmp/real.cwasm"

# 2. Hostile artifacts named .wasm: nothing runs, with or without consent
# (the ELF check refuses constructors, IFUNCs and foreign libraries).
for evil in ctor ifunc needed; do
  artifact "$M" "$E/$evil.so" "$tmp/$evil.wasm"
  expect "hostile artifact ($evil), no consent" 1 '--allow-precompiled' "$W" run --invoke grow "$tmp/$evil.wasm"
  pwned "hostile artifact ($evil), no consent"
  expect "hostile artifact ($evil), --allow-precompiled" 1 'refusing to load its native code' \
    "$W" run --allow-precompiled --invoke grow "$tmp/$evil.wasm"
  pwned "hostile artifact ($evil), --allow-precompiled"
  expect "compile of a hostile artifact" 1 '--allow-precompiled' "$W" compile "$tmp/$evil.wasm"
  pwned "compile of a hostile artifact ($evil)"
done
grep -q 'DT_INIT_ARRAY\|DT_INIT' <("$W" run --allow-precompiled --invoke grow "$tmp/ctor.wasm" 2>&1) && ok ||
  bad "the constructor refusal names DT_INIT"
grep -q 'IFUNC' <("$W" run --allow-precompiled --invoke grow "$tmp/ifunc.wasm" 2>&1) && ok ||
  bad "the IFUNC refusal names it"
grep -q "needs library 'libwpevil.so'" <("$W" run --allow-precompiled --invoke grow "$tmp/needed.wasm" 2>&1) && ok ||
  bad "the DT_NEEDED refusal names the library"

# 3. The cache: fill it, then plant ctor.so over the entry with a .meta
# carrying the right SHA-256 — what a guest given --dir over the cache
# can do — in the old format and with a guessed MAC.  The next runs must
# reject the entry (rebuild or baseline), never load it.
for fmt in v1 v2; do
  export WASMPLUG_CACHE_DIR=$tmp/cache-$fmt
  expect "cache fill ($fmt)" 0 '^1$' "$W" run --tier optimized --invoke grow "$M"
  meta=$(ls "$WASMPLUG_CACHE_DIR"/*.meta)
  key=$(basename "$meta" .meta)
  cp "$E/ctor.so" "$WASMPLUG_CACHE_DIR/$key.so"
  sum=$(sha256sum "$E/ctor.so" | cut -c1-64)
  if [ $fmt = v1 ]; then
    printf 'wasmplug-cache 1\nkey %s\nsha256 %s\n' "$key" "$sum" >"$meta"
  else
    printf 'wasmplug-cache 2\nkey %s\nsha256 %s\nmac %s\n' "$key" "$sum" "$sum" >"$meta"
  fi
  expect "planted cache entry ($fmt), auto tier" 0 '^1$' "$W" run --invoke grow "$M"
  pwned "planted cache entry ($fmt), auto tier"
  expect "planted cache entry ($fmt), optimized tier" 0 '^1$' "$W" run --tier optimized --invoke grow "$M"
  pwned "planted cache entry ($fmt), optimized tier"
  # `compile -o` must not package a planted entry either
  cp "$E/ctor.so" "$WASMPLUG_CACHE_DIR/$key.so"
  expect "compile -o after planting ($fmt)" 0 '' "$W" compile "$M" -o "$tmp/after-$fmt.cwasm"
  if cmp -s <(tail -c "$(stat -c %s "$E/ctor.so")" "$tmp/after-$fmt.cwasm") "$E/ctor.so"; then
    bad "compile -o packaged the planted code ($fmt)"
  else ok; fi
  pwned "compile -o after planting ($fmt)"
done

# 4. Without the kernel keyring the cache's secret is a file in it, so no
# guest may be given a directory that covers the cache (either way round).
export WASMPLUG_CACHE_DIR=$tmp/home/.cache/wasmplug WASMPLUG_CACHE_KEYRING=off
mkdir -p "$tmp/home/work"
expect "unsealed: --dir over the cache refused" 1 \
  "--dir $tmp/home would give the guest wasmplug's code cache .*not sealed" \
  "$W" run --dir "$tmp/home" --invoke grow "$M"
expect "unsealed: --dir-ro over the cache refused" 1 "code cache" \
  "$W" run --dir-ro "$tmp/home/.." --invoke grow "$M"
mkdir -p "$WASMPLUG_CACHE_DIR/sub"
expect "unsealed: --dir inside the cache refused" 1 "code cache" \
  "$W" run --dir "$WASMPLUG_CACHE_DIR/sub" --invoke grow "$M"
expect "unsealed: --dir elsewhere is fine" 0 '^1$' "$W" run --dir "$tmp/home/work" --invoke grow "$M"
unset WASMPLUG_CACHE_KEYRING
# (with the keyring the same --dir is accepted: security.api checks it)
finish
