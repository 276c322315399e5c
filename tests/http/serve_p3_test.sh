#!/bin/sh
# `wasmplug serve` with a wasi:http@0.3.0 service (p3handler.c: the async
# handler export, bodies as stream<u8>), driven by curl and rawhttp: one
# server for all the checks.
# usage: serve_p3_test.sh WASMPLUG P3HANDLER.wasm RAWHTTP WORKDIR
set -u
W=$1 APP=$2 RAW=$3 WORK=$4
rm -rf "$WORK" && mkdir -p "$WORK" || exit 1
command -v curl >/dev/null || { echo "FAIL: curl is not installed (scripts/install-deps.sh)"; exit 1; }
fails=0 passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect() { if [ "$2" = "$3" ]; then ok; else bad "$1: expected '$2', got '$3'"; fi; }
contains() { case "$3" in *"$2"*) ok ;; *) bad "$1: '$3' lacks '$2'" ;; esac; }

"$W" serve --addr 127.0.0.1:0 --tier baseline -v --timeout 1500 --max-body 8000000 --max-header-bytes 8192 \
  --idle-timeout 3 --max-concurrent 4 "$APP" >"$WORK/out" 2>"$WORK/err" &
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

# answers of the guest (its response is returned before its body is written)
expect hello "Hello from a wasi:http 0.3 component" "$(curl -s $U/hello)"
H=$(curl -s -i $U/hello | tr -d '\r')
contains content-type "content-type: text/plain" "$H"
contains content-length "Content-Length: 37" "$H"
expect head "200" "$(curl -s -o /dev/null -w '%{http_code}' -I $U/hello)"
expect fresh-instance-1 "1" "$(curl -s $U/count)"
expect fresh-instance-2 "1" "$(curl -s $U/count)"
expect headers "method=0 path=/headers authority=127.0.0.1:$PORT x-test=abc immutable=yes" \
  "$(curl -s -H 'X-Test: abc' $U/headers)"
# every fields method (h_fields.c's, shared with 0.2), good and bad input
expect fields "get=2:1,2 set=ok then=2:p,q append=ok badname=e0 forbidden=e1 crlf=e0 has=1 delete=ok has=0 \
entries=3 a-one=p a-one=q c=p clone=ok:2:p,q none=0: getdel=2:p,q left=1 from-list:ok,syntax,forbidden,syntax \
immutable=e2,e2 size=e3" "$(curl -s -H 'X-Test: abc' $U/fields)"
expect not-found 404 "$(curl -s -o /dev/null -w '%{http_code}' $U/nowhere)"

# bodies stream both ways through stream<u8>, far past the pipes' window
head -c 5000000 /dev/urandom >"$WORK/in.bin"
curl -s --data-binary @"$WORK/in.bin" $U/echo -o "$WORK/echo.bin"
expect echo-5MB "$(cksum <"$WORK/in.bin")" "$(cksum <"$WORK/echo.bin")"
curl -s -H 'Transfer-Encoding: chunked' --data-binary @"$WORK/in.bin" $U/echo -o "$WORK/echo2.bin"
expect echo-chunked "$(cksum <"$WORK/in.bin")" "$(cksum <"$WORK/echo2.bin")"
expect empty-echo 0 "$(curl -s -X POST $U/echo | wc -c | tr -d ' ')"
expect big-20MB 20000000 "$(curl -s $U/big?20000000 | wc -c | tr -d ' ')"
expect slow-reader 30000000 "$("$RAW" $PORT slowread '/big?30000000' 1)"

# guests that fail: 500 for that client, the server goes on
expect trap 500 "$(curl -s -o /dev/null -w '%{http_code}' $U/trap)"
expect error-result 500 "$(curl -s -o /dev/null -w '%{http_code}' $U/error)"
expect timeout 500 "$(curl -s -o /dev/null -w '%{http_code}' $U/loop)"
curl -s "$U/trap-mid?300000" >/dev/null
expect cut-body 18 "$?" # curl: partial file (a body cut short is never complete-looking)
expect after-failures "Hello from a wasi:http 0.3 component" "$(curl -s $U/hello)"
expect after-failures-fresh "1" "$(curl -s $U/count)"

# limits
head -c 9000000 /dev/zero >"$WORK/big.bin"
expect body-too-large 413 "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$WORK/big.bin" $U/echo)"
expect chunked-too-large 413 "$(curl -s -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' \
  --data-binary @"$WORK/big.bin" $U/echo)"
LONG=$(head -c 10000 /dev/zero | tr '\0' a)
expect header-too-large 431 "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $LONG" $U/hello)"
expect slow-client closed "$("$RAW" $PORT stall 'GET /hello HTTP/1.1\r\nHost: x\r\n' 8)"
expect disconnect-mid-body aborted "$("$RAW" $PORT abort /echo 1000000 100000)"
expect after-abuse "Hello from a wasi:http 0.3 component" "$(curl -s $U/hello)"

# many at once (more than --max-concurrent: the rest wait their turn)
urls=""
for k in $(seq 1 24); do urls="$urls $U/count"; done
expect concurrent "24" "$(curl -s --no-progress-meter --parallel --parallel-max 12 $urls | grep -c '^1$')"

contains access-log '"GET /hello" 200 37' "$(cat "$WORK/err")"
contains trap-logged "GET /trap: wasm trap: unreachable" "$(cat "$WORK/err")"
contains timeout-logged "GET /loop: wasm trap: interrupt" "$(cat "$WORK/err")"

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

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
