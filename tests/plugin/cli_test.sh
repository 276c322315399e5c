#!/bin/bash
# cli_test.sh WASMPLUG PLUGIN_DIR WASM_DIR [C_GUEST] — `wasmplug run
# --plugin...` and `wasmplug wit PLUGIN.so`, as a user types them.  C_GUEST
# is a wasm32-wasi program built from guest/app.c (when clang is around).
set -u
W=$1 P=$2 D=$3 C=${4:-}
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect NAME STATUS PATTERN CMD... : runs CMD, checks exit status and that
# stdout+stderr matches PATTERN (grep -E).
expect() {
  local name=$1 want=$2 pat=$3
  shift 3
  "$@" >"$tmp/out" 2>&1
  local got=$?
  if [ "$got" = "$want" ] && grep -Eq -- "$pat" "$tmp/out"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $name: status $got (want $want), output:"
    sed 's/^/    /' "$tmp/out"
    echo "    (wanted /$pat/)"
  fi
}

G=$D/cli.wasm
TP=$P/test_plugin.so
expect "run with a plugin" 0 '^42$' "$W" run --plugin "$TP" --invoke run "$G"
expect "plugin config" 0 '^42$' "$W" run --plugin "$TP,greeting=hey,verbose=true" --invoke run "$G"
expect "bad config value" 1 "bad value 'maybe' for config key 'verbose' \\(bool\\)" \
  "$W" run --plugin "$TP,verbose=maybe" --invoke run "$G"
expect "unknown config key" 1 "unknown config key 'colour' \\(valid keys: greeting, verbose, limit, root\\)" \
  "$W" run --plugin "$TP,colour=red" --invoke run "$G"
expect "no plugin" 1 'no loaded plugin provides interface test:plugin/api@0.1.0' "$W" run --invoke run "$G"
expect "plugin trap" 134 'plugin test-plugin: test:plugin/api@0.1.0#fail: failing as asked: kaboom' \
  "$W" run --plugin "$TP" --invoke boom "$G"
# --invoke repeats on one instance (core modules too); the first trap ends the run
expect "repeated --invoke" 0 '^2$' "$W" run --plugin "$TP" --invoke incr --invoke incr "$G"
if [ "$(cat "$tmp/out")" = "$(printf '1\n2')" ]; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL repeated --invoke: output $(cat "$tmp/out")"; fi
expect "repeated --invoke stops at a trap" 134 'kaboom' "$W" run --plugin "$TP" --invoke incr --invoke boom --invoke incr "$G"
if [ "$(grep -c '^[0-9]' "$tmp/out")" = 1 ]; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL calls after a trap ran: $(cat "$tmp/out")"; fi
expect "resources alive at exit" 0 '^2$' "$W" run --plugin "$TP" --invoke leak "$G"
expect "bad plugin" 1 'major versions differ' "$W" run --plugin "$P/abi_other_major.so" --invoke run "$G"
expect "missing function" 1 "no entry for exported function 'case:abi/ping@1.2.0#pong'" \
  "$W" run --plugin "$P/abi_missing_func.so" --invoke run "$G"

mkdir -p "$tmp/dir" "$tmp/dir2"
ln -s "$TP" "$tmp/dir/test_plugin.so"
ln -s "$P/test_plugin_b.so" "$tmp/dir2/test_plugin_b.so"
expect "--plugin-dir" 0 '^42$' "$W" run --plugin-dir "$tmp/dir" --invoke run "$G"
expect "WASMPLUG_PLUGIN_PATH" 0 '^42$' env WASMPLUG_PLUGIN_PATH="$tmp/nope-not-here:$tmp/dir" "$W" run --invoke run "$G"
expect "two providers" 1 'provided by two plugins, test-plugin .* and test-plugin-b' \
  env WASMPLUG_PLUGIN_PATH="$tmp/dir:$tmp/dir2" "$W" run --invoke incr "$G"
expect "--plugin-use" 0 '^101$' env WASMPLUG_PLUGIN_PATH="$tmp/dir:$tmp/dir2" \
  "$W" run --plugin-use test:plugin/api=test-plugin-b --invoke incr "$G"

expect "wit PLUGIN.so" 0 'greeting: string = hello' "$W" wit "$TP"
expect "wit PLUGIN.so prints WIT" 0 'echo: func\(s: string\) -> string;' "$W" wit "$TP"
expect "wit bad plugin" 1 'its WIT does not parse' "$W" wit "$P/abi_bad_wit.so"
if [ -n "$C" ]; then
  expect "C guest" 0 'greeting: servus' "$W" run --plugin "$TP,greeting=servus" "$C"
  expect "C guest checks" 0 'all good' "$W" run --plugin "$TP" "$C"
  expect "C guest without plugin" 1 'import "test:plugin/api@0.1.0" "echo" \(func \(param i32 i32 i32\)\): no loaded plugin' "$W" run "$C"
fi
expect "run --help" 0 '--plugin PATH\[,KEY=VALUE...\]' "$W" run --help

echo "plugin cli tests: $pass passed, $fail failed"
[ "$fail" = 0 ]
