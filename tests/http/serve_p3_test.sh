#!/bin/sh
# `wasmplug serve` with a wasi:http@0.3.0 service (p3handler.c: the async
# handler export, bodies as stream<u8>), driven by curl and rawhttp: one
# server for all the checks.
# usage: serve_p3_test.sh WASMPLUG P3HANDLER.wasm RAWHTTP WORKDIR
set -u
W=$1 APP=$2 RAW=$3 WORK=$4
rm -rf "$WORK" && mkdir -p "$WORK" || exit 1
. "$(dirname "$0")/serve_lib.sh"

# --timeout is the time limit of one request, waits included, so it must be
# far longer than any transfer here takes on a loaded machine: with 4 s,
# forward-upload-3MB once got a 500's 22 bytes (the /forward guest or its
# upstream /echo overran the limit: the 0.2 test's echo was cut that way,
# reproduced) and /fields (64 MiB of header values copied into the plugin)
# took 1.1 s at load 12.  The checks of the limit itself run on a server of
# their own with a short one (below).
serve_start 600 --tier baseline -v --timeout 60000 --max-body 8000000 --max-header-bytes 8192 \
  --idle-timeout 3 --max-concurrent 4 --allow-http 127.0.0.1 --allow-http no-such-host.invalid "$APP"

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
entries=3 a-one=p a-one=q c=p clone=ok:2:p,q none=0: getdel=2:p,q left=1 from-list:ok,syntax,ok,forbidden,ok,syntax,syntax,syntax,ok \
spelling=foo,foo immutable=e2,e2 size=e3" "$(curl -s -H 'X-Test: abc' $U/fields)"
# the rules of wasi-testsuite's http-request / http-response (Wasmtime's)
expect scheme "https http https other:ftp path:ok=a/b/c,ok=/,ok=?q,err,err auth:ok,err,err,err,err,err \
status:ok,ok,ok,err,err" "$(curl -s $U/scheme)"
# a guest may set a 1xx status; no final response has one: 500, said why
expect status-1xx "500 internal server error (the guest's response has an informational status)" \
  "$(curl -s -w '%{http_code} ' -o $WORK/status.out $U/status?100; cat $WORK/status.out)"
expect status-599 599 "$(curl -s -o /dev/null -w '%{http_code}' $U/status?599)"
expect not-found 404 "$(curl -s -o /dev/null -w '%{http_code}' $U/nowhere)"

# bodies stream both ways through stream<u8>, far past the pipes' window
serve_streams
expect empty-echo 0 "$(curl -s -X POST $U/echo | wc -c | tr -d ' ')"

# outgoing requests (wasi:http/client.send, /proxy sends this request on to
# the same server): granted, denied, failing, bodies streamed both ways
P="$U/proxy?127.0.0.1:$PORT"
expect client-granted "Hello from a wasi:http 0.3 component" "$(curl -s "$P/hello")"
expect client-status 404 "$(curl -s -o /dev/null -w '%{http_code}' "$P/nowhere")"
expect client-denied "error 15" "$(curl -s "$U/proxy?localhost:$PORT/hello")" # HTTP-request-denied
expect client-refused "error 6" "$(curl -s "$U/proxy?127.0.0.1:1/hello")"     # connection-refused
expect client-dns "error 1" "$(curl -s "$U/proxy?no-such-host.invalid/hello")"   # DNS-error
expect client-download-7MB 7000000 "$(curl -s "$P/big?7000000" | wc -c | tr -d ' ')"
expect client-slow-reader 7000000 "$("$RAW" $PORT slowread "/proxy?127.0.0.1:$PORT/big?7000000" 1)"
head -c 3000000 "$WORK/in.bin" >"$WORK/in3.bin"
curl -s -m 60 --data-binary @"$WORK/in3.bin" "$P/echo" -o "$WORK/proxied.bin"
expect client-upload-3MB "$(cksum <"$WORK/in3.bin")" "$(cksum <"$WORK/proxied.bin")"
expect client-upstream-trap 500 "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$WORK/in3.bin" "$P/trap")"
expect client-over-max-body "error 28" "$(curl -s "$P/big?9000000")" # HTTP-response-body-size
curl -s "$P/trap-mid?300000" >/dev/null
expect client-upstream-cut 18 "$?" # the upstream body cut short fails the proxied one

# trailers (chunked bodies): a request's reach the guest, the guest's are
# sent after the last chunk; through /proxy both ways (client.send sends the
# request's on and passes the response's back)
T='Host: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nTE: trailers\r\n\r\n5\r\nhello\r\n0\r\nX-Check: 42\r\n\r\n'
R=$("$RAW" $PORT dump "POST /trailers HTTP/1.1\r\n$T")
contains trailers-in "5 bytes x-check=42" "$R"
contains trailers-out "$(printf '0\nx-count: 5\nx-seen: 42')" "$R"
R=$("$RAW" $PORT dump "POST /proxy?127.0.0.1:$PORT/trailers HTTP/1.1\r\n$T")
contains trailers-client-out "5 bytes x-check=42" "$R"
contains trailers-client-in "$(printf '0\nx-count: 5\nx-seen: 42')" "$R"
R=$(curl -s --raw -H 'TE: trailers' -H 'Transfer-Encoding: chunked' -d hello $U/trailers | tr -d '\r')
contains trailers-curl "$(printf '5 bytes x-check=\n0\nx-count: 5\n')" "$R"

# wasi:http/client under `wasmplug run` (no server: the built-in plugin for a
# component that imports wasi:http, --allow-http as for serve); the
# component's fetch export, called by --invoke
F="fetch(\"127.0.0.1:$PORT/hello\")"
expect run-client-granted '"200 Hello from a wasi:http 0.3 component\n"' \
  "$("$W" run --tier baseline --allow-http 127.0.0.1 --invoke "$F" "$APP" 2>&1)"
expect run-client-denied '"error 15"' "$("$W" run --tier baseline --invoke "$F" "$APP" 2>&1)"
expect run-client-other-port '"error 15"' "$("$W" run --tier baseline --allow-http 127.0.0.1:1 --invoke "$F" "$APP" 2>&1)"
expect run-client-refused '"error 6"' \
  "$("$W" run --tier baseline --allow-http 127.0.0.1 --invoke 'fetch("127.0.0.1:1/hello")' "$APP" 2>&1)"
# libcurl is loaded by the first request sent: none for a denied one
expect run-denied-no-curl 0 \
  "$(LD_DEBUG=files "$W" run --tier baseline --invoke "$F" "$APP" 2>&1 >/dev/null | grep -c 'file=libcurl')"

# a received request sent on as it is (/forward: the host relays its body)
# and the upstream's response returned as the guest's (its body relayed)
F="$U/forward?127.0.0.1:$PORT"
expect forward-hello "Hello from a wasi:http 0.3 component" "$(curl -s "$F/hello")"
expect forward-denied "error 15" "$(curl -s "$U/forward?localhost:$PORT/hello")"
curl -s --data-binary @"$WORK/in3.bin" "$F/echo" -o "$WORK/forwarded.bin"
expect forward-upload-3MB "$(cksum <"$WORK/in3.bin")" "$(cksum <"$WORK/forwarded.bin")"
expect forward-download-7MB 7000000 "$(curl -s "$F/big?7000000" | wc -c | tr -d ' ')"
R=$("$RAW" $PORT dump "POST /forward?127.0.0.1:$PORT/trailers HTTP/1.1\r\n$T")
contains forward-trailers-out "5 bytes x-check=42" "$R"
contains forward-trailers-in "$(printf '0\nx-count: 5\nx-seen: 42')" "$R"

# guests that fail: 500 for that client, the server goes on
expect trap-before-body 500 "$(curl -s -m 20 -o /dev/null -w '%{http_code}' --data-binary @"$WORK/in.bin" $U/trap)"
expect body-not-read 200 "$(curl -s -m 20 -o /dev/null -w '%{http_code}' --data-binary @"$WORK/in.bin" $U/hello)"
expect trap 500 "$(curl -s -o /dev/null -w '%{http_code}' $U/trap)"
expect error-result 500 "$(curl -s -o /dev/null -w '%{http_code}' $U/error)"
curl -s "$U/trap-mid?300000" >/dev/null
expect cut-body 18 "$?" # curl: partial file (a body cut short is never complete-looking)
expect after-failures "Hello from a wasi:http 0.3 component" "$(curl -s $U/hello)"
expect after-failures-fresh "1" "$(curl -s $U/count)"

# limits and misbehaving clients; many at once
serve_abuse "Hello from a wasi:http 0.3 component"
serve_concurrent

contains access-log '"GET /hello" 200 37' "$(cat "$WORK/err")"
contains trap-logged "GET /trap: wasm trap: unreachable" "$(cat "$WORK/err")"

serve_stop

# --timeout (a server of its own, with a short limit): a guest that never
# answers gets a 500 and the log says why; a pending send cancelled
# (subtask.cancel) abandons the transfer (its upstream, /loop here, is
# stopped by the limit)
serve_start 600 --tier baseline -v --timeout 3000 --allow-http 127.0.0.1 "$APP"
expect client-cancel "state 4" "$(curl -s "$U/cancel?127.0.0.1:$PORT/loop")"
expect timeout 500 "$(curl -s -o /dev/null -w '%{http_code}' $U/loop)"
expect after-timeout "Hello from a wasi:http 0.3 component" "$(curl -s $U/hello)"
stop_server timeout-stop timeout-exit-status
trap - EXIT
contains timeout-logged "GET /loop: wasm trap: interrupt" "$(cat "$WORK/err")"

# SIGTERM ends a looping guest (no --timeout, no --fuel), on both tiers
serve_stop_looping /loop baseline
serve_stop_looping /loop optimized

# a stop while guests wait on an upstream past --grace
serve_stop_stuck '/proxy?'
serve_done
