#!/bin/sh
# check_kv_over_dl.sh DEMO BUILD_DIR — runs examples/kv-over-dl/demo.sh and
# checks what it must show: the guest's answers served by the wasm plugin
# through wasi:dl (identical to the native plugin's), the same under an
# allowlist of pinned symbols, and the plugin refused without allow-dl= or
# with a grant that does not cover libsqlite3.
set -u
[ $# -eq 2 ] || { echo "usage: $0 DEMO BUILD_DIR" >&2; exit 2; }
out=$(sh "$1" "$2" 2>&1)
status=$?
printf '%s\n' "$out"
[ "$status" -eq 0 ] || { echo "FAIL: the demo exited with status $status"; exit 1; }
fail=0
for want in \
    "import wasi:dl/dll@0.2.0-draft;" \
    "export wasi:keyvalue/store@0.2.0-draft2;" \
    "run 1 (empty store)" \
    "greeting = hello from a wasm guest" \
    "keys: greeting runs scratch" \
    "scratch after delete: gone" \
    "a guest leaving by exit without dropping its bucket: exit status 0" \
    "a guest leaving by trap without dropping its bucket: exit status 134" \
    "same output as with the native plugin" \
    "(same output)" \
    "wasm plugin kv-dl.wasm imports wasi:dl/ffi@0.2.0-draft but was not granted it" \
    "library 'libsqlite3.so.0' is not allowlisted"; do
    if ! printf '%s\n' "$out" | grep -qF -- "$want"; then
        echo "FAIL: the demo's output lacks: $want"
        fail=1
    fi
done
n=$(printf '%s\n' "$out" | grep -c -- '-> refused, exit status [1-9]')
[ "$n" -eq 2 ] || { echo "FAIL: expected 2 refusals, saw $n"; fail=1; }
[ "$fail" -eq 0 ] && echo "examples.kv_over_dl: ok"
exit "$fail"
