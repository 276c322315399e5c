#!/bin/sh
# Async calls through a wasm plugin, run by the CLI (issue 16, items 1 and
# 4): guest.wasm calls plugin.wasm's async functions with `canon lower
# async`; `wasmplug run --invoke` on the guest's async exports waits for
# their results.
# usage: cli_test.sh WASMPLUG DIR   (DIR holds plugin.wasm and guest.wasm)
W=$1
D=$2
fails=0
checks=0
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

# expect STATUS STDOUT STDERR-PART -- INVOKE...
expect() {
  status=$1 want=$2 part=$3
  shift 4
  args=""
  for c in "$@"; do args="$args --invoke '$c'"; done
  eval "\"$W\" run --plugin \"$D/plugin.wasm\" $args \"$D/guest.wasm\"" >"$out" 2>"$err"
  rc=$?
  checks=$((checks + 1))
  if [ -z "$part" ]; then ok_err=$([ -s "$err" ] && echo no || echo yes)
  else ok_err=$(grep -qF -- "$part" "$err" && echo yes || echo no); fi
  if [ "$rc" != "$status" ] || [ "$(cat "$out")" != "$want" ] || [ "$ok_err" != yes ]; then
    fails=$((fails + 1))
    echo "FAIL: $*"
    echo "  status $rc (want $status), stdout '$(cat "$out")' (want '$want'), stderr:"
    sed 's/^/    /' "$err"
    echo "  (want stderr containing '$part')"
  fi
}

# both subtasks started without returning (1000000 each): the guest went on
# while the plugin's tasks yielded; 2*5 + 2*6
expect 0 "2000022" "" -- 'concurrent(5)'
# the readable end of the guest's stream goes to the plugin, which sums the
# bytes the guest then writes (byte k = k mod 256); and the other way
expect 0 "124716" "" -- 'push(1000)'
expect 0 "124716" "" -- 'pull(1000)'
# 64 MiB stream<u8> between the two components, both ways
expect 0 "67108864
4261412864
4261412864" "" -- 'push-count(67108864)' 'push(67108864)' 'pull(67108864)'
# a future<u32> resolved by the plugin after its task returned
expect 0 "42" "" -- 'later(41)'
# calls on one instance, in order, each waited for
expect 0 "2
2000006
25493856" "" -- 'later(1)' 'concurrent(1)' 'pull(200000)'
# a sync-typed export may not block on the plugin's async function
expect 134 "" "cannot block a synchronous task before returning" -- 'double-sync(4)'
# the plugin's task traps after blocking: the guest's call ends with it
expect 134 "" "unreachable" -- 'boom()'
expect 134 "2" "unreachable" -- 'later(1)' 'boom()' 'later(2)'

echo "async wasm plugin CLI: $((checks - fails))/$checks passed"
[ "$fails" -eq 0 ]
