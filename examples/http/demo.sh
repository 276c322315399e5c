#!/bin/sh
# examples/http/demo.sh BUILD_DIR — `wasmplug serve` answers a request with a
# wasi:http/proxy component written in C (tests/http/handler.c, built into
# BUILD_DIR/tests/http/wasm/handler.wasm by `make build`).
set -eu
BUILD=$(cd "$1" && pwd)
WP=$BUILD/cli/wasmplug
APP=$BUILD/tests/http/wasm/handler.wasm
OUT=$BUILD/examples/http
mkdir -p "$OUT"
[ -f "$APP" ] || { echo "demo: $APP is missing (run: make build)" >&2; exit 1; }
command -v curl >/dev/null || { echo "demo: curl is missing (scripts/install-deps.sh)" >&2; exit 1; }
echo "\$ wasmplug serve --addr 127.0.0.1:0 -v handler.wasm &"
"$WP" serve --addr 127.0.0.1:0 -v "$APP" >"$OUT/out" 2>"$OUT/log" &
PID=$!
trap 'kill $PID 2>/dev/null' EXIT
i=0
until grep -q listening "$OUT/out" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 600 ] || ! kill -0 $PID 2>/dev/null; then cat "$OUT/log" >&2; exit 1; fi
    sleep 0.1
done
cat "$OUT/out"
URL=$(sed -n 's/^listening on //p' "$OUT/out")
echo "\$ curl -i $URL/hello"
curl -s -i "$URL/hello"
echo "\$ curl $URL/count   # twice: each request gets a fresh instance"
curl -s "$URL/count"
curl -s "$URL/count"
kill -TERM $PID
wait $PID
trap - EXIT
echo "-> the server's access log (-v):"
cat "$OUT/log"
