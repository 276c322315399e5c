#!/bin/sh
# `wasmplug serve` with the C handler (handler.c), driven by curl and by
# rawhttp (a misbehaving client): one server for all the checks.
# usage: serve_test.sh WASMPLUG HANDLER.wasm RAWHTTP WORKDIR FETCH.wasm WASI-HTTP.so
set -u
W=$1 APP=$2 RAW=$3 WORK=$4 FETCH=$5 SO=$6
rm -rf "$WORK" && mkdir -p "$WORK/data" || exit 1
echo "file contents" > "$WORK/data/msg.txt"
command -v curl >/dev/null || { echo "FAIL: curl is not installed (scripts/install-deps.sh)"; exit 1; }
fails=0 passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
# expect NAME WANT GOT
expect() { if [ "$2" = "$3" ]; then ok; else bad "$1: expected '$2', got '$3'"; fi; }
contains() { case "$3" in *"$2"*) ok ;; *) bad "$1: '$3' lacks '$2'" ;; esac; }

"$W" serve --addr 127.0.0.1:0 --tier baseline -v --timeout 1500 --max-body 8000000 --max-header-bytes 8192 \
  --idle-timeout 3 --max-concurrent 4 --env GREETING=hi --dir "$WORK/data::/data" --allow-http 127.0.0.1 \
  "$APP" >"$WORK/out" 2>"$WORK/err" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null' EXIT
i=0
while ! grep -q listening "$WORK/out" 2>/dev/null; do
  i=$((i + 1))
  if [ $i -gt 600 ] || ! kill -0 $SERVER 2>/dev/null; then
    echo "FAIL: the server did not start"; cat "$WORK/err"; exit 1
  fi
  sleep 0.1
done
PORT=$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p' "$WORK/out")
U=http://127.0.0.1:$PORT

# answers of the guest
expect hello "Hello from a wasm component" "$(curl -s $U/hello)"
contains content-type "content-type: text/plain" "$(curl -s -i $U/hello | tr -d '\r')"
expect head "200" "$(curl -s -o /dev/null -w '%{http_code}' -I $U/hello)"
expect fresh-instance-1 "1" "$(curl -s $U/count)"
expect fresh-instance-2 "1" "$(curl -s $U/count)"
expect headers "method=0 path=/headers authority=127.0.0.1:$PORT x-test=abc immutable=yes" \
  "$(curl -s -H 'X-Test: abc' $U/headers)"
# every fields method (h_fields.c, shared with 0.3): good and bad input
expect fields "get=2:1,2 set=ok then=2:p,q append=ok badname=e0 forbidden=e1 crlf=e0 has=1 delete=ok has=0 \
entries=3 a-one=p a-one=q c=p clone=ok:2:p,q none=0: from-list:ok,syntax,forbidden,syntax" "$(curl -s $U/fields)"
expect env "GREETING=hi" "$(curl -s $U/env)"
expect file "file contents" "$(curl -s $U/file)"
expect not-found 404 "$(curl -s -o /dev/null -w '%{http_code}' $U/nowhere)"

# bodies stream both ways, far past the pipes' window (backpressure)
head -c 5000000 /dev/urandom >"$WORK/in.bin"
curl -s --data-binary @"$WORK/in.bin" $U/echo -o "$WORK/echo.bin"
expect echo-5MB "$(cksum <"$WORK/in.bin")" "$(cksum <"$WORK/echo.bin")"
curl -s -H 'Transfer-Encoding: chunked' --data-binary @"$WORK/in.bin" $U/echo -o "$WORK/echo2.bin"
expect echo-chunked "$(cksum <"$WORK/in.bin")" "$(cksum <"$WORK/echo2.bin")"
expect big-20MB 20000000 "$(curl -s $U/big?20000000 | wc -c | tr -d ' ')"
expect slow-reader 30000000 "$("$RAW" $PORT slowread '/big?30000000' 1)"

# outgoing requests: only to granted hosts
expect fetch-granted "upstream 200: 1" "$(curl -s "$U/fetch?127.0.0.1:$PORT/count")"
expect fetch-denied "outgoing request refused: error-code 15" "$(curl -s "$U/fetch?localhost:$PORT/count")"

# the plugin as a .so under `run`: its bodies and pollables live in the
# WASI plugin's table (plugin ABI 1.2 host->service); grants as for serve
expect so-fetch "200 Hello from a wasm component" "$("$W" run --tier baseline --plugin "$SO,allow-http=127.0.0.1:$PORT" "$FETCH" "127.0.0.1:$PORT/hello")"
expect so-denied "error-code 15" "$("$W" run --tier baseline --plugin "$SO" "$FETCH" "127.0.0.1:$PORT/hello")"
contains so-bad-grant "a port is a number from 1 to 65535" "$("$W" run --plugin "$SO,allow-http=a:99999" "$FETCH" x 2>&1)"

# guests that fail: 500 for that client, the server goes on
expect trap 500 "$(curl -s -o /dev/null -w '%{http_code}' $U/trap)"
expect no-response 500 "$(curl -s -o /dev/null -w '%{http_code}' $U/no-response)"
expect timeout 500 "$(curl -s -o /dev/null -w '%{http_code}' $U/spin)"
curl -s $U/half >/dev/null
expect cut-body 18 "$?" # curl: partial file (a body cut short is never complete-looking)
expect after-failures "Hello from a wasm component" "$(curl -s $U/hello)"

# limits and bad requests
head -c 9000000 /dev/zero >"$WORK/big.bin"
expect body-too-large 413 "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$WORK/big.bin" $U/echo)"
expect chunked-too-large 413 "$(curl -s -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' \
  --data-binary @"$WORK/big.bin" $U/echo)"
LONG=$(head -c 10000 /dev/zero | tr '\0' a)
expect header-too-large 431 "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $LONG" $U/hello)"
expect uri-too-long 414 "$(curl -s -o /dev/null -w '%{http_code}' "$U/hello?$LONG")"
# a request line that is not one: 400 or a plain close, never a hang
case "$("$RAW" $PORT send 'GARBAGE\r\n\r\n')" in *" 400 "*|closed) ok ;; *) bad "malformed-line" ;; esac
contains bad-version " 505 " "$("$RAW" $PORT send 'GET / HTTP/7.0\r\nHost: x\r\n\r\n')"
contains bad-header-line " 400 " "$("$RAW" $PORT send 'GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n')"
contains bad-target " 400 " "$("$RAW" $PORT send 'GET nopath HTTP/1.1\r\nHost: x\r\n\r\n')"
expect slow-client closed "$("$RAW" $PORT stall 'GET /hello HTTP/1.1\r\nHost: x\r\n' 8)"
expect disconnect-mid-body aborted "$("$RAW" $PORT abort /echo 1000000 100000)"
expect after-abuse "Hello from a wasm component" "$(curl -s $U/hello)"

# many at once (more than --max-concurrent: the rest wait their turn)
urls=""
for k in $(seq 1 24); do urls="$urls $U/count"; done
expect concurrent "24" "$(curl -s --no-progress-meter --parallel --parallel-max 12 $urls | grep -c '^1$')"

# the access log: one line per request
contains access-log '"GET /hello" 200 28' "$(cat "$WORK/err")"
contains trap-logged "GET /trap: wasm trap: unreachable" "$(cat "$WORK/err")"

# graceful stop: an in-flight request finishes, then the server exits 0
"$RAW" $PORT slowread '/big?20000000' 1 >"$WORK/inflight" &
SLOW=$!
sleep 0.5
kill -TERM $SERVER
wait $SLOW
expect inflight-finished 20000000 "$(cat "$WORK/inflight")"
wait $SERVER
expect exit-status 0 "$?"
trap - EXIT
expect refused-after-stop 000 "$(curl -s -o /dev/null -w '%{http_code}' $U/hello)"

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
