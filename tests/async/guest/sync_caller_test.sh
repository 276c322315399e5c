#!/bin/sh
# A C guest (bindgen --guest, tests/async/guest/sync_caller.c) calling async
# functions of the async test plugin with synchronous lowers: as a core
# module it is refused at link time (a core module has no event loop to
# wait on); made a component, by `wasmplug component new` and by jco's
# wit-component, it runs and each call returns when the plugin completes it.
# `wasmplug component new` refuses a module exporting an async function.
#
# usage: sync_caller_test.sh WASMPLUG PLUGIN GUEST.wasm WIT ADAPTER_DIR COMPONENTIZE WORKDIR
set -u
WP=$1 PLUGIN=$2 GUEST=$3 WIT=$4 AD=$5 CZ=$6 T=$7
mkdir -p "$T"
fail=0
check() { # WHAT OUTPUT EXPECTED
    case $2 in
    *"$3"*) echo "ok: $1" ;;
    *) echo "FAIL: $1: '$2' lacks '$3'"; fail=1 ;;
    esac
}

out=$("$WP" run --plugin "$PLUGIN" "$GUEST" 2>&1)
check "core module refused" "$out" "implements it as an async function, which a core module cannot call"

out=$("$WP" component new "$GUEST" --wit "$WIT" --world sync-caller \
      --adapt wasi_snapshot_preview1="$AD/wasi_snapshot_preview1.command.wasm" -o "$T/new.wasm" 2>&1 &&
      "$WP" run --plugin "$PLUGIN" "$T/new.wasm" 2>&1)
check "wasmplug component new" "$out" "sync-caller: r=30, waited yes, later=desserts: ok"

out=$(node "$CZ" new "$GUEST" --wit "$WIT" --world sync-caller --adapter command -o "$T/jco.wasm" 2>&1 &&
      "$WP" run --plugin "$PLUGIN" "$T/jco.wasm" 2>&1)
check "wit-component (jco)" "$out" "sync-caller: r=30, waited yes, later=desserts: ok"
# an async export: refused by component new (it has no async lift yet)
if node "$CZ" parse "$(dirname "$0")/async_export.wat" "$T/exporter.core.wasm"; then
    out=$("$WP" component new "$T/exporter.core.wasm" --wit "$WIT" --world exporter -o "$T/exporter.wasm" 2>&1)
    check "async export refused" "$out" "export \`go\` is an async function, not supported here"
else
    echo "FAIL: cannot parse async_export.wat"; fail=1
fi
exit $fail
