# serve_lib.sh — what the `wasmplug serve` tests share (sourced by
# serve_test.sh, serve_p3_test.sh and serve_js_test.sh): the checks and
# their counts, starting a server on a free port, the checks every
# handler with /echo, /big and /count passes (bodies both ways, limits,
# misbehaving clients, many requests at once) and the graceful stop.
# Set before sourcing: W (wasmplug), WORK (a fresh folder); RAW (rawhttp)
# for the streams and abuse checks.
command -v curl >/dev/null || { echo "FAIL: curl is not installed (scripts/install-deps.sh)"; exit 1; }
fails=0 passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
# expect NAME WANT GOT
expect() { if [ "$2" = "$3" ]; then ok; else bad "$1: expected '$2', got '$3'"; fi; }
contains() { case "$3" in *"$2"*) ok ;; *) bad "$1: '$3' lacks '$2'" ;; esac; }

# serve_start TENTHS ARGS...: `wasmplug serve --addr 127.0.0.1:0 ARGS` in the
# background, waited for at most TENTHS tenths of a second; sets SERVER,
# PORT and U (its base URL).  Output in $WORK/out and $WORK/err.
serve_start() {
  tenths=$1
  shift
  # emptied here, not by the background job's redirection, which may come
  # after the wait below has read an earlier server's "listening" line
  : >"$WORK/out"
  : >"$WORK/err"
  "$W" serve --addr 127.0.0.1:0 "$@" >>"$WORK/out" 2>>"$WORK/err" &
  SERVER=$!
  trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null' EXIT
  i=0
  while ! grep -q listening "$WORK/out" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt "$tenths" ] || ! kill -0 $SERVER 2>/dev/null; then
      echo "FAIL: the server did not start"; cat "$WORK/err"; exit 1
    fi
    sleep 0.1
  done
  PORT=$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p' "$WORK/out")
  U=http://127.0.0.1:$PORT
}

# SIGTERM to $SERVER, which must exit within SECONDS (default 30; it ends
# within about 2 s: 30 s only bounds the check) with status 0: NAME names
# the failure to stop, STATUS_NAME the exit status's check.
stop_server() { # NAME STATUS_NAME [SECONDS]
  kill -TERM $SERVER
  await_exit "$@"
}
# The rest of stop_server, after the SIGTERM.
await_exit() { # NAME STATUS_NAME [SECONDS]
  i=0
  while kill -0 $SERVER 2>/dev/null && [ $i -lt $((${3:-30} * 10)) ]; do i=$((i + 1)); sleep 0.1; done
  if kill -0 $SERVER 2>/dev/null; then
    bad "$1: the server is still running ${3:-30} s after SIGTERM"
    kill -KILL $SERVER
  fi
  wait $SERVER
  expect "$2" 0 "$?"
}

# Bodies stream both ways, far past the pipes' window (backpressure).
serve_streams() {
  head -c 5000000 /dev/urandom >"$WORK/in.bin"
  curl -s --data-binary @"$WORK/in.bin" $U/echo -o "$WORK/echo.bin"
  expect echo-5MB "$(cksum <"$WORK/in.bin")" "$(cksum <"$WORK/echo.bin")"
  curl -s -H 'Transfer-Encoding: chunked' --data-binary @"$WORK/in.bin" $U/echo -o "$WORK/echo2.bin"
  expect echo-chunked "$(cksum <"$WORK/in.bin")" "$(cksum <"$WORK/echo2.bin")"
  expect big-20MB 20000000 "$(curl -s $U/big?20000000 | wc -c | tr -d ' ')"
  expect slow-reader 30000000 "$("$RAW" $PORT slowread '/big?30000000' 1)"
}

# Limits (--max-body 8000000 --max-header-bytes 8192) and misbehaving
# clients; then /hello still answers $1.  LONG is left set (10000 bytes).
serve_abuse() {
  head -c 9000000 /dev/zero >"$WORK/big.bin"
  expect body-too-large 413 "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$WORK/big.bin" $U/echo)"
  expect chunked-too-large 413 "$(curl -s -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' \
    --data-binary @"$WORK/big.bin" $U/echo)"
  LONG=$(head -c 10000 /dev/zero | tr '\0' a)
  expect header-too-large 431 "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $LONG" $U/hello)"
  expect slow-client closed "$("$RAW" $PORT stall 'GET /hello HTTP/1.1\r\nHost: x\r\n' 8)"
  expect disconnect-mid-body aborted "$("$RAW" $PORT abort /echo 1000000 100000)"
  expect after-abuse "$1" "$(curl -s $U/hello)"
}

# Many at once (more than --max-concurrent: the rest wait their turn), each
# on a fresh instance.
serve_concurrent() {
  urls=""
  for k in $(seq 1 24); do urls="$urls $U/count"; done
  expect concurrent "24" "$(curl -s --no-progress-meter --parallel --parallel-max 12 $urls | grep -c '^1$')"
}

# Graceful stop: an in-flight request finishes, then the server exits 0.
serve_stop() {
  "$RAW" $PORT slowread '/big?20000000' 1 >"$WORK/inflight" &
  SLOW=$!
  sleep 0.5
  kill -TERM $SERVER
  wait $SLOW
  expect inflight-finished 20000000 "$(cat "$WORK/inflight")"
  wait $SERVER
  expect exit-status 0 "$?"
  trap - EXIT
}

# SIGTERM ends a looping guest: a server WITHOUT --timeout and --fuel, a
# request whose guest computes forever ($1: /spin or /loop) or waits for
# ever in WASI (/sleep: a day's sleep through wasi:io/poll), SIGTERM with
# --grace 2.  During the grace a new request gets 503 "server stopping"
# (the server still accepts: before, it closed its socket at once and the
# client got a reset).  Past the grace the guest's call is interrupted
# (each worker's interrupt handle) and its client gets 503 (before, the
# server often stopped before that 503 left: no status at all), the log
# says why, and the server exits 0 within 15 s (before w25-stop, nothing
# stopped the guest and the process never ended: the bound is what fails
# then).  $2: the tier.
serve_stop_looping() {
  serve_start 1800 --tier "$2" --grace 2 "$APP"
  curl -s -m 120 -o /dev/null -w '%{http_code}' "$U$1" >"$WORK/looping-code" &
  LOOPING=$!
  sleep 1 # the guest is in its loop
  kill -TERM $SERVER
  # until the server has taken the signal a request is served as usual
  # (any status but 503 and 000); then 503, never a reset (000)
  late=x i=0
  while [ "$late" != 503 ] && [ "$late" != 000 ] && [ $i -lt 100 ]; do
    late=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$U/hello")
    i=$((i + 1))
  done
  expect "looping-during-grace-$2$1" 503 "$late"
  await_exit "looping-stop-$2$1 (--grace 2)" looping-exit-status-$2$1 15
  trap - EXIT
  wait $LOOPING
  expect "looping-client-$2$1" 503 "$(cat "$WORK/looping-code")"
  contains looping-closing-$2$1 "1 request(s) still in flight after 2s; closing them" "$(cat "$WORK/err")"
  contains looping-logged-$2$1 "GET $1: wasm trap: interrupt" "$(cat "$WORK/err")"
  contains looping-why-$2$1 "interrupted by its embedder" "$(cat "$WORK/err")"
}

# A stop while requests wait past --grace.  libmicrohttpd aborts the
# process when it is stopped with a connection suspended; the server
# resumed them all first, but a connection its network thread took up again
# at once, before MHD_stop_daemon, was suspended again by its callback (the
# guest had not answered) and the process aborted.  $1 is the handler's path
# that makes its guest send a request to the upstream named after it
# (/fetch? or /proxy?); the upstream (rawhttp silent) never answers, so the
# guests wait: eleven GETs for their responses, a 5 MB POST also for room
# in its request body (when the guest does not read it).  SIGTERM with
# --grace 1: the server says what it closes and exits 0, with no abort and
# no process left.  Three rounds, a server each: the old abort depended on
# the network thread waking before the stop (about half the rounds here).
serve_stop_stuck() {
  "$RAW" 0 silent 300 >"$WORK/silent" &
  SILENT=$!
  i=0
  while [ -z "$(head -1 "$WORK/silent")" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
  SP=$(head -1 "$WORK/silent")
  for round in 1 2 3; do
    serve_start 600 --tier baseline --grace 1 --max-concurrent 12 --allow-http 127.0.0.1 "$APP"
    before=$(grep -c accepted "$WORK/silent")
    STUCK=""
    for k in $(seq 1 11); do
      curl -s -o /dev/null -w '%{http_code}' "$U${1}127.0.0.1:$SP/never" >"$WORK/stuck-get$k" &
      STUCK="$STUCK $!"
    done
    curl -s -o /dev/null -w '%{http_code}' --data-binary @"$WORK/in.bin" "$U${1}127.0.0.1:$SP/never" \
      >"$WORK/stuck-post" &
    STUCK="$STUCK $!"
    i=0 # all twelve guests are waiting for the upstream
    while [ $(($(grep -c accepted "$WORK/silent") - before)) -lt 12 ] && [ $i -lt 300 ]; do
      i=$((i + 1))
      sleep 0.1
    done
    expect stuck-upstream-reached-$round 12 $(($(grep -c accepted "$WORK/silent") - before))
    sleep 0.5 # the POST's body fills its pipe (a guest that does not read it)
    stop_server stuck-stop-$round stuck-exit-status-$round
    trap - EXIT
    contains stuck-closing-$round "12 request(s) still in flight after 1s; closing them" "$(cat "$WORK/err")"
    if grep -q "MHD_stop_daemon\|suspended connections" "$WORK/err"; then
      bad "stuck-no-abort-$round: $(cat "$WORK/err")"
    else ok; fi
    wait $STUCK
    # not answered by their guests: 503 (the stop lets the 503s leave
    # before it ends the upstream transfers and the connections)
    for k in $(seq 1 11); do expect "stuck-get$k-$round" 503 "$(cat "$WORK/stuck-get$k")"; done
  done
  kill $SILENT 2>/dev/null
  wait $SILENT 2>/dev/null
}

# The counts, and the status to exit with.
serve_done() {
  echo "$passes passed, $fails failed"
  [ $fails -eq 0 ]
}
