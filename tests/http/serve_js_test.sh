#!/bin/sh
# `wasmplug serve` with a JavaScript handler made by componentize-js (a
# 14 MB StarlingMonkey component nobody here wrote): one server process for
# every request, so its code is compiled once (baseline tier).
# usage: serve_js_test.sh WASMPLUG HANDLER.wasm WORKDIR
set -u
W=$1 APP=$2 WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK" || exit 1
command -v curl >/dev/null || { echo "FAIL: curl is not installed (scripts/install-deps.sh)"; exit 1; }
fails=0 passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect() { if [ "$2" = "$3" ]; then ok; else bad "$1: expected '$2', got '$3'"; fi; }
contains() { case "$3" in *"$2"*) ok ;; *) bad "$1: '$3' lacks '$2'" ;; esac; }

"$W" serve --addr 127.0.0.1:0 --tier baseline -v --max-concurrent 2 "$APP" >"$WORK/out" 2>"$WORK/err" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null' EXIT
i=0
while ! grep -q listening "$WORK/out" 2>/dev/null; do
  i=$((i + 1))
  if [ $i -gt 3000 ] || ! kill -0 $SERVER 2>/dev/null; then
    echo "FAIL: the server did not start"; cat "$WORK/err"; exit 1
  fi
  sleep 0.1
done
U=$(sed -n 's/^listening on //p' "$WORK/out")

expect hello "Hello from JavaScript: GET /hello" "$(curl -s $U/hello)"
contains header "x-handler: componentize-js" "$(curl -s -i $U/hello | tr -d '\r')"
expect post "Hello from JavaScript: POST /x" "$(curl -s -X POST -d '' $U/x)"
expect echo "echo: a body from curl" "$(curl -s --data-binary 'a body from curl' $U/echo)"
expect json '{"squares":[0,1,4,9,16]}' "$(curl -s "$U/json?n=5")"
urls=""
for k in $(seq 1 8); do urls="$urls $U/n$k"; done
expect concurrent 8 "$(curl -s --no-progress-meter --parallel --parallel-max 8 $urls | grep -c '^Hello from JavaScript: GET /n')"
contains access-log '"GET /hello" 200' "$(cat "$WORK/err")"
kill -TERM $SERVER
wait $SERVER
expect exit-status 0 "$?"
trap - EXIT
echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
