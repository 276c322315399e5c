#!/bin/bash
# doc_example_test.sh WASMPLUG CC SOURCE_DIR WASM_DIR — compiles the example
# plugin of docs/plugin-abi.md exactly as printed there and runs it, so the
# documentation cannot rot.
set -u
W=$1 CC=$2 SRC=$3 D=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
sed -n '/<!-- doc-example-begin -->/,/<!-- doc-example-end -->/p' "$SRC/docs/plugin-abi.md" |
  sed '/^<!--/d; /^```/d' >"$tmp/greet.c"
[ -s "$tmp/greet.c" ] || { echo "FAIL: no example found in docs/plugin-abi.md"; exit 1; }
if ! "$CC" -shared -fPIC -fvisibility=hidden -Wall -Wextra -Werror -I "$SRC/include" "$tmp/greet.c" -o "$tmp/greet.so"; then
  echo "FAIL: the documented example does not compile"; exit 1
fi
check() { # NAME WANT-REGEX CMD...
  local name=$1 want=$2; shift 2
  local out; out=$("$@" 2>&1); local rc=$?
  if [ $rc -ne 0 ] || ! grep -Eq -- "$want" <<<"$out"; then
    echo "FAIL $name (status $rc):"; echo "$out" | sed 's/^/    /'; fail=1
  fi
}
check "wit" 'greeting: string = Hello' "$W" wit "$tmp/greet.so"
check "wit interface" 'hello: func\(name: string\) -> string;' "$W" wit "$tmp/greet.so"
# "Hi, Bob" is 7 bytes; the default "Hello, Bob" is 10
check "hello with config" '^7$' "$W" run --plugin "$tmp/greet.so,greeting=Hi" --invoke hello "$D/doc_guest.wasm"
check "hello default" '^10$' "$W" run --plugin "$tmp/greet.so" --invoke hello "$D/doc_guest.wasm"
check "counter resource" '^7$' "$W" run --plugin "$tmp/greet.so" --invoke counter "$D/doc_guest.wasm"
[ $fail = 0 ] && echo "doc example: ok"
exit $fail
