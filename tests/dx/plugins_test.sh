#!/bin/sh
# `wasmplug plugins` (issue 19, item 3): the plugins on the search path
# (WASMPLUG_PLUGIN_PATH) or in given directories, native and wasm, with
# their versions, interfaces, options and whether they can be isolated;
# native plugins are checked but never initialized.
# usage: plugins_test.sh WASMPLUG BUILD_DIR
W=$1 B=$2
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; sed 's/^/  out: /' "$T/out"; sed 's/^/  err: /' "$T/err"; fails=$((fails + 1)); }
has() { grep -Fq -- "$1" "$T/out"; }

mkdir "$T/p1" "$T/p2"
cp "$B/plugins/keyvalue-sqlite/keyvalue-sqlite.so" "$B/tests/wasm_plugin/wasm/plugin.wasm" "$T/p1/"
cp "$B/tests/wasm_plugin/wasm/dl_plugin.wasm" "$B/plugins/wasi/wasi-p2.so" "$T/p2/"
# not plugins: a core module, a text file and a command component, passed over
cp "$B/tests/dx/wasm/bt.wasm" "$T/p2/core.wasm"
echo notes >"$T/p2/README"
cp "$B/tests/component_rt/wasm/cmd.wasm" "$T/p2/command.wasm"

WASMPLUG_PLUGIN_PATH="$T/p1:$T/nonexistent:$T/p2" "$W" plugins >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 0 ] && [ ! -s "$T/err" ] || fail "search path: status $rc"
has 'keyvalue-sqlite 0.1.0 (native, isolatable)' && has "file      $T/p1/keyvalue-sqlite.so" &&
  has 'provides  wasi:keyvalue/store@0.2.0-draft2' && has 'wasi:keyvalue/atomics@0.2.0-draft2' &&
  has 'read-only: bool = false' && has 'page-size: u64 = 100' || fail "native plugin"
has 'plugin - (wasm component, not isolatable)' && has 'provides  test:kv/store@0.1.0' &&
  has 'shared: bool = false' || fail "wasm plugin"
has 'dl_plugin - (wasm component' && has 'imports   wasi:dl/dll@0.2.0-draft' &&
  has 'needed: it imports wasi:dl' || fail "wasm plugin importing wasi:dl"
has 'wasi-p2 0.1.0 (native, not isolatable)' && has 'isolate   no: it offers C services' &&
  has 'provides  wasi:io/error@0.2.12' || fail "a plugin that cannot be isolated"
# search order: p1's plugins before p2's
[ "$(grep -n '^keyvalue-sqlite' "$T/out" | cut -d: -f1)" -lt "$(grep -n '^dl_plugin' "$T/out" | cut -d: -f1)" ] ||
  fail "search order"
! has 'core.wasm' || fail "a core module is not listed"
! has 'command' || fail "a command is not listed"

# files given: a plugin whose init fails is still described (init never runs)
"$W" plugins "$B/tests/plugin/plugins/abi_init_fails.so" >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 0 ] && has 'abi-case 1.0.0 (native, isolatable)' && has 'level: u64 = 1' || fail "init is not run"
# a broken plugin: named, the others still listed, status 1
"$W" plugins "$B/tests/plugin/plugins/abi_bad_magic.so" "$T/p1" >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 1 ] && grep -q 'abi_bad_magic.so: bad plugin descriptor magic' "$T/err" && has 'keyvalue-sqlite 0.1.0' ||
  fail "a broken plugin"
"$W" plugins "$T/p2/core.wasm" >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 1 ] && grep -q 'core.wasm: a core module, not a plugin' "$T/err" || fail "a core module given by name"
WASMPLUG_PLUGIN_PATH="$T/nonexistent" "$W" plugins --bogus >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 2 ] || fail "unknown option (status $rc)"

[ $fails = 0 ] && echo "plugins: ok"
exit $fails
