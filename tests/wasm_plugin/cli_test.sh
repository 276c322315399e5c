#!/bin/sh
# wasmplug run --plugin X.wasm: wasm component plugins through the CLI.
# usage: cli_test.sh WASMPLUG WASM_DIR
W=$1
D=$2
fails=0
checks=0
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

# expect STATUS STDOUT STDERR-PART -- ARGS...
expect() {
  status=$1 want=$2 part=$3
  shift 4
  "$W" run --tier baseline "$@" >"$out" 2>"$err"
  rc=$?
  checks=$((checks + 1))
  # no expected message: stderr must be empty
  if [ -z "$part" ]; then ok_err=$([ -s "$err" ] && echo no || echo yes)
  else ok_err=$(grep -qF -- "$part" "$err" && echo yes || echo no); fi
  if [ "$rc" != "$status" ] || [ "$(cat "$out")" != "$want" ] || [ "$ok_err" != yes ]; then
    fails=$((fails + 1))
    echo "FAIL: wasmplug run $*"
    echo "  status $rc (want $status), stdout '$(cat "$out")' (want '$want'), stderr:"
    sed 's/^/    /' "$err"
    echo "  (want stderr containing '$part')"
  fi
}

KV="--plugin $D/plugin.wasm --plugin $D/res_plugin.wasm"
expect 0 "5" "" -- $KV --invoke 'test:kv/api#bump(5)' "$D/app.wasm"
expect 0 '{b: false, s8v: 5, u16v: 0, s64v: -9223372036854775808, f: 3, d: 1.5, c: '"'"'☄'"'"'}' "" -- $KV \
  --invoke "test:kv/api#scalar({b: true, s8v: -5, u16v: 65535, s64v: -4611686018427387904, f: 1.5, d: 3.0, c: '☃'})" \
  "$D/app.wasm"
expect 0 'ok((paranoid, {write, admin}, "cba"))' "" -- $KV --invoke 'test:kv/api#pick(safe, {read, write}, some("abc"))' "$D/app.wasm"
expect 0 "20020" "" -- $KV --invoke 'test:kv/api#tally(10, 4)' "$D/app.wasm"
# stacked: the logger in front of the kv plugin
expect 0 "1000003" "" -- --plugin "$D/plugin.wasm" --plugin "$D/logger.wasm" --plugin "$D/res_plugin.wasm" \
  --invoke 'test:kv/api#bump(3)' "$D/app.wasm"
# options of a wasm plugin spec
expect 0 "7" "" -- --plugin "$D/plugin.wasm,shared,env=A=1" --plugin "$D/res_plugin.wasm" \
  --invoke 'test:kv/api#bump(7)' "$D/app.wasm"
expect 1 "" "unknown option 'bogus'" -- --plugin "$D/plugin.wasm,bogus" --invoke 'test:kv/api#bump(7)' "$D/app.wasm"
# a trap in the plugin: the guest traps, the message names the plugin
expect 134 "" "trap in wasm plugin plugin.wasm: test:kv/counter@0.1.0#crash" -- $KV --invoke 'test:kv/api#crash(1)' "$D/app.wasm"
# a core module guest cannot use wasm plugins
expect 1 "" "wasm plugins (--plugin X.wasm) need a component guest" -- --plugin "$D/plugin.wasm" \
  --invoke nop "$D/../gen/app/core.wasm"
# cycles, wasi:dl
expect 1 "" "wasm plugins form a cycle: cyc_a.wasm imports test:cyc/b from cyc_b.wasm" -- \
  --plugin "$D/cyc_a.wasm" --plugin "$D/cyc_b.wasm" --invoke 'test:kv/api#bump(1)' "$D/app.wasm"
expect 1 "" "import \`wasi:dl/dll@0.2.0-draft\` refused" -- --invoke 'v()' "$D/dl_guest.wasm"
expect 1 "" "wasm plugin dl_plugin.wasm imports wasi:dl/dll@0.2.0-draft but was not granted it" -- \
  --plugin "$D/dl_plugin.wasm" --invoke 'v()' "$D/dl_guest.wasm"
# granted allow-dl, the plugin links to wasi:dl; its re-export still
# cannot reach the guest
expect 1 "" "import \`wasi:dl/dll@0.2.0-draft\` refused" -- \
  --plugin "$D/dl_plugin.wasm,allow-dl=libc.so.6" --invoke 'v()' "$D/dl_guest.wasm"
expect 0 "2639758403" "" -- --plugin "$D/dl_plugin.wasm,allow-dl=libc.so.6" --plugin "$D/plugin.wasm" \
  --invoke 'run()' "$D/utf16_guest.wasm"
# type mismatch: expected and found in WIT
expect 1 "" "expected \`func(by: string) -> u32\`, found \`func(by: u32) -> u32\`" -- \
  --plugin "$D/plugin.wasm" --invoke 'bump("x")' "$D/bad_guest.wasm"

# capability attenuation: env= and dir= on a plugin's spec reach that
# plugin (env_plugin.wasm: bump adds $KV_BONUS, text(path) = file size),
# the guest's --env/--dir never do
A=$(mktemp -d)
printf 'hello plugin' >"$A/f.txt"
expect 0 "42" "" -- $KV --plugin "$D/env_plugin.wasm,env=KV_BONUS=40" --invoke 'test:kv/api#bump(2)' "$D/app.wasm"
expect 0 "2" "" -- --env KV_BONUS=40 $KV --plugin "$D/env_plugin.wasm" --invoke 'test:kv/api#bump(2)' "$D/app.wasm"
expect 0 "12" "" -- $KV --plugin "$D/env_plugin.wasm,dir=$A::/data" --invoke 'test:kv/api#text("/data/f.txt")' "$D/app.wasm"
expect 0 "4294967295" "" -- --dir "$A::/data" $KV --plugin "$D/env_plugin.wasm" \
  --invoke 'test:kv/api#text("/data/f.txt")' "$D/app.wasm"
rm -rf "$A"

# wasmplug compose: one component; what no plugin gives stays an import
T=$(mktemp -d)
trap 'rm -f "$out" "$err"; rm -rf "$T"' EXIT
compose() {
  checks=$((checks + 1))
  if ! "$W" compose "$@" 2>"$err"; then
    fails=$((fails + 1))
    echo "FAIL: wasmplug compose $*"
    sed 's/^/    /' "$err"
  fi
}
compose --plugin "$D/plugin.wasm" "$D/app.wasm" -o "$T/one.wasm"
compose --plugin "$D/plugin.wasm" --plugin "$D/logger.wasm" "$D/app.wasm" -o "$T/stacked.wasm"
expect 0 "20020" "" -- --plugin "$D/res_plugin.wasm" --invoke 'test:kv/api#tally(10, 4)' "$T/one.wasm"
expect 0 "4" "" -- --plugin "$D/res_plugin.wasm" --invoke 'test:kv/api#bump(4)' "$T/one.wasm"
expect 0 "1000004" "" -- --plugin "$D/res_plugin.wasm" --invoke 'test:kv/api#bump(4)' "$T/stacked.wasm"
expect 0 'ok((paranoid, {write, admin}, "cba"))' "" -- --plugin "$D/res_plugin.wasm" \
  --invoke 'test:kv/api#pick(safe, {read, write}, some("abc"))' "$T/stacked.wasm"
# the composition imports test:kv/pool (nobody gave it) but not store/counter
"$W" wit "$T/stacked.wasm" >"$out" 2>&1
checks=$((checks + 1))
if ! grep -q "import test:kv/pool@0.1.0;" "$out" || grep -q "import test:kv/counter" "$out" ||
   ! grep -q "export test:kv/api@0.1.0;" "$out"; then
  fails=$((fails + 1))
  echo "FAIL: world of the composed component:"
  sed 's/^/    /' "$out"
fi
# a plugin exporting a resource (test:kv/pool's tally) embedded too: the
# result imports nothing, and the app's own/borrow handles reach the plugin
compose --plugin "$D/plugin.wasm" --plugin "$D/res_plugin.wasm" "$D/app.wasm" -o "$T/all.wasm"
expect 0 "20020" "" -- --invoke 'test:kv/api#tally(10, 4)' "$T/all.wasm"
"$W" wit "$T/all.wasm" >"$out" 2>&1
checks=$((checks + 1))
if grep -q "import " "$out" || ! grep -q "export test:kv/pool@0.1.0;" "$out"; then
  fails=$((fails + 1))
  echo "FAIL: world of the composed component with the resource plugin:"
  sed 's/^/    /' "$out"
fi
# a plugin granted wasi:dl is embedded and the result imports wasi:dl
compose --plugin "$D/dl_plugin.wasm,allow-dl=libc.so.6" "$D/dl_user.wasm" -o "$T/dl.wasm"
"$W" wit "$T/dl.wasm" >"$out" 2>&1
checks=$((checks + 1))
if ! grep -q "import wasi:dl/dll@0.2.0-draft;" "$out" || ! grep -q "export run: func() -> u32;" "$out"; then
  fails=$((fails + 1))
  echo "FAIL: world of the composed wasi:dl user:"
  sed 's/^/    /' "$out"
fi
# refusals
refuse() {
  part=$1
  shift
  checks=$((checks + 1))
  if "$W" compose "$@" 2>"$err" || ! grep -qF -- "$part" "$err"; then
    fails=$((fails + 1))
    echo "FAIL: wasmplug compose $* should fail with '$part':"
    sed 's/^/    /' "$err"
  fi
}
refuse "was not granted it" --plugin "$D/dl_plugin.wasm" "$D/dl_user.wasm" -o "$T/x.wasm"
refuse "refused: wasi:dl reaches native code" --plugin "$D/plugin.wasm" "$D/dl_guest.wasm" -o "$T/x.wasm"
refuse "wasm plugins form a cycle" --plugin "$D/cyc_a.wasm" --plugin "$D/cyc_b.wasm" "$D/app.wasm" -o "$T/x.wasm"
refuse "cannot be written into a component" --plugin "$D/plugin.wasm,dir=/tmp" "$D/app.wasm" -o "$T/x.wasm"

echo "wasm_plugin_cli: $checks checks, $fails failures"
[ "$fails" = 0 ]
