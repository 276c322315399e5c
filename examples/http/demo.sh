#!/bin/sh
# examples/http/demo.sh BUILD_DIR — `wasmplug serve` answers requests with a
# wasi:http/proxy component of WASI 0.2 written in C (tests/http/handler.c),
# then with a wasi:http@0.3.0 service (tests/http/p3handler.c: an async
# handler, bodies as streams, outgoing requests through wasi:http/client),
# both built into BUILD_DIR/tests/http/wasm/ by `make build`.
set -eu
BUILD=$(cd "$1" && pwd)
WP=$BUILD/cli/wasmplug
APP=$BUILD/tests/http/wasm/handler.wasm
APP3=$BUILD/tests/http/wasm/p3handler.wasm
OUT=$BUILD/examples/http
mkdir -p "$OUT"
for f in "$APP" "$APP3"; do [ -f "$f" ] || { echo "demo: $f is missing (run: make build)" >&2; exit 1; }; done
command -v curl >/dev/null || { echo "demo: curl is missing (scripts/install-deps.sh)" >&2; exit 1; }
# start_server ARGS...: serves in the background; URL and PID once listening
start_server() {
    rm -f "$OUT/out" # not the last server's address
    "$WP" serve --addr 127.0.0.1:0 -v "$@" >"$OUT/out" 2>"$OUT/log" &
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
}
echo "\$ wasmplug serve --addr 127.0.0.1:0 -v handler.wasm &"
start_server "$APP"
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

echo
echo "-> a wasi:http@0.3.0 service; --allow-http lets it send requests to 127.0.0.1"
echo "\$ wasmplug serve --addr 127.0.0.1:0 -v --allow-http 127.0.0.1 p3handler.wasm &"
start_server --allow-http 127.0.0.1 "$APP3"
HOSTPORT=${URL#http://}
echo "\$ curl -i $URL/hello"
curl -s -i "$URL/hello"
echo "\$ curl '$URL/proxy?$HOSTPORT/hello'   # the guest sends it on with wasi:http/client.send"
curl -s "$URL/proxy?$HOSTPORT/hello"
echo "\$ curl '$URL/proxy?example.com/'   # not granted: error-code 15, HTTP-request-denied"
curl -s "$URL/proxy?example.com/"
echo
echo "\$ curl --raw -H 'TE: trailers' -H 'Transfer-Encoding: chunked' -d hello $URL/trailers   # trailers after the body"
curl -s --raw -H 'TE: trailers' -H 'Transfer-Encoding: chunked' -d hello "$URL/trailers" | tr -d '\r'
echo
kill -TERM $PID
wait $PID
trap - EXIT
echo "-> the server's access log (-v):"
cat "$OUT/log"
