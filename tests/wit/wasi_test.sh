#!/bin/sh
# wasi_test.sh WASMPLUG JCO_WIT_DIR — the real WASI WIT that jco ships
# (0.2.12 and the async 0.3.0) must resolve as one package with its
# dependencies in deps/, contain the worlds hosts rely on, and print back
# to WIT that resolves to byte-identical JSON.
set -u
W=$1
B=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
[ -d "$B/0.2.12/wasi-http" ] || { echo "FAIL: jco's WASI WIT not found in $B (run scripts/install-deps.sh)"; exit 1; }
for v in 0.2.12 0.3.0; do
  world=proxy
  [ "$v" = 0.3.0 ] && world=service
  d="$T/$v"
  mkdir -p "$d/deps"
  cp "$B/$v/wasi-http/"*.wit "$d/"
  for p in "$B/$v"/*; do
    n=$(basename "$p")
    [ "$n" = wasi-http ] || ln -s "$p" "$d/deps/$n"
  done
  "$W" wit --all-features --json "$d" > "$T/a.json" 2> "$T/err" || bad "$v: $(cat "$T/err")"
  "$W" wit --all-features "$d" > "$T/p.wit" || bad "$v: print failed"
  "$W" wit --all-features --json "$T/p.wit" > "$T/b.json" 2> "$T/err" || bad "$v: printed WIT: $(cat "$T/err")"
  cmp -s "$T/a.json" "$T/b.json" || bad "$v: round trip changed the JSON"
  grep -q "\"name\": \"wasi:http@$v\"" "$T/a.json" || bad "$v: package wasi:http@$v missing"
  grep -q "\"name\": \"wasi:cli@$v\"" "$T/a.json" || bad "$v: dependency wasi:cli@$v missing"
  grep -q "^world $world {" "$T/p.wit" || bad "$v: world $world missing"
done
grep -q 'async func' "$T/p.wit" || bad "0.3.0: async functions not printed"
[ $fail -eq 0 ] && echo "wasi wit: all checks passed"
exit $fail
