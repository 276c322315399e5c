#!/bin/sh
# examples.http_demo: examples/http/demo.sh as `make demo` runs it; a 0.2
# and a 0.3 component answered, a 0.3 outgoing request granted and one
# denied, trailers after a chunked body.
# usage: check_http_demo.sh DEMO.sh BUILD_DIR
set -u
out=$(sh "$1" "$2" 2>&1)
status=$?
echo "$out"
fails=0
need() { case "$out" in *"$1"*) ;; *) echo "FAIL: the demo's output lacks: $1"; fails=$((fails + 1)) ;; esac; }
[ $status -eq 0 ] || { echo "FAIL: the demo exited $status"; fails=$((fails + 1)); }
need "Hello from a wasm component"
need "Hello from a wasi:http 0.3 component"
need '"GET /proxy?127.0.0.1:'
need "error 15"
need "5 bytes x-check="
need "x-count: 5"
n=$(echo "$out" | grep -c "^Hello from a wasi:http 0.3 component")
[ "$n" -ge 2 ] || { echo "FAIL: the 0.3 greeting appears $n times (direct and through client.send: 2)"; fails=$((fails + 1)); }
[ $fails -eq 0 ]
