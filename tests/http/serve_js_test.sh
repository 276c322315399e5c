#!/bin/sh
# `wasmplug serve` with a JavaScript handler made by componentize-js (a
# 14 MB StarlingMonkey component nobody here wrote): one server process for
# every request, so its code is compiled once (baseline tier).
# usage: serve_js_test.sh WASMPLUG HANDLER.wasm WORKDIR
set -u
W=$1 APP=$2 WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK" || exit 1
. "$(dirname "$0")/serve_lib.sh"

serve_start 3000 --tier baseline -v --max-concurrent 2 "$APP"

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
serve_done
