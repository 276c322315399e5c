#!/bin/sh
# The wasmplug command linked -static-pie (cli/CMakeLists.txt; issue 18,
# warm start): it starts without a dynamic loader, runs a core module
# itself, and hands whatever needs shared objects (native plugins, every
# command but `run` of a core module) to wasmplug-dynamic, the same command
# linked dynamically, found beside it; without it that is a clear error.
# usage: check_static_command.sh WASMPLUG WASMPLUG-DYNAMIC PLUGIN.so WORKDIR [COMPONENT]
# (COMPONENT: a wasi:cli command printing "hello from a component", when built)
set -u
W=$1 D=$2 PLUGIN=$3 work=$4 COMP=${5:-}
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
rm -rf "$work"
mkdir -p "$work/alone" "$work/pair" "$work/cache" "$work/empty"
export WASMPLUG_CACHE_DIR="$work/cache"
unset WASMPLUG_PLUGIN_PATH WASMPLUG_TRANSLATOR

# static: a position-independent program with no interpreter, no libraries
readelf -lW "$W" | grep -q 'Elf file type is DYN' || fail "$W is not position-independent"
readelf -lW "$W" | grep -q 'INTERP' && fail "$W has a program interpreter (not static)"
[ -z "$(readelf -d "$W" | grep NEEDED)" ] || fail "$W needs libraries: $(readelf -d "$W" | grep NEEDED)"
readelf -lW "$D" | grep -q 'INTERP' || fail "$D is not dynamically linked"

# (module (func (export "f") (result i32) i32.const 42))
printf '\0asm\1\0\0\0\1\5\1\140\0\1\177\3\2\1\0\7\5\1\1f\0\0\12\6\1\4\0\101\52\13' >"$work/m.wasm"

# alone (no wasmplug-dynamic beside it): a core module runs, on both tiers
cp "$W" "$work/alone/wasmplug"
A=$work/alone/wasmplug
out=$("$A" run --tier baseline --invoke f "$work/m.wasm" 2>&1) || fail "static baseline run: $out"
[ "$out" = 42 ] || fail "static baseline run printed '$out'"
out=$("$A" run --tier optimized --invoke f "$work/m.wasm" 2>/dev/null) || fail "static optimized run failed"
[ "$out" = 42 ] || fail "static optimized run printed '$out'"
out=$("$A" run --tier optimized --invoke f "$work/m.wasm" 2>&1) || fail "static cached run: $out"
[ "$out" = 42 ] || fail "static cached run printed '$out'"
# ... a component too (its WASI is built in)
if [ -f "$COMP" ]; then
  out=$("$A" run --tier baseline "$COMP" 2>&1) || fail "static component run: $out"
  case $out in "hello from a component"*) ;; *) fail "static component run printed '$out'" ;; esac
  out=$("$A" run --tier baseline --allow-network "$COMP" 2>&1) && fail "--allow-network without wasmplug-dynamic succeeded"
  case $out in *"--allow-network needs wasmplug-dynamic"*) ;; *) fail "--allow-network alone: '$out'" ;; esac
fi
# ... and what needs a shared object is refused, naming wasmplug-dynamic
out=$("$A" run --plugin "$PLUGIN" --invoke f "$work/m.wasm" 2>&1) && fail "a plugin run without wasmplug-dynamic succeeded"
case $out in *"a native plugin needs wasmplug-dynamic"*) ;; *) fail "plugin run alone: '$out'" ;; esac
out=$(WASMPLUG_PLUGIN_PATH=$work/empty "$A" run --invoke f "$work/m.wasm" 2>&1) && fail "WASMPLUG_PLUGIN_PATH alone succeeded"
case $out in *"wasmplug-dynamic"*) ;; *) fail "WASMPLUG_PLUGIN_PATH alone: '$out'" ;; esac
out=$("$A" wit "$PLUGIN" 2>&1) && fail "wit of a plugin without wasmplug-dynamic succeeded"
case $out in *"wit needs wasmplug-dynamic"*) ;; *) fail "wit alone: '$out'" ;; esac

# with its twin: the same commands work, arguments and statuses pass through
cp "$W" "$work/pair/wasmplug"
cp "$D" "$work/pair/wasmplug-dynamic"
P=$work/pair/wasmplug
out=$("$P" run --plugin "$PLUGIN" --invoke f "$work/m.wasm" 2>&1) || fail "plugin run: $out"
[ "$out" = 42 ] || fail "plugin run printed '$out'"
if [ -f "$COMP" ]; then
  out=$("$P" run --tier baseline --allow-network "$COMP" 2>&1) || fail "--allow-network run: $out"
  case $out in "hello from a component"*) ;; *) fail "--allow-network run printed '$out'" ;; esac
fi
out=$("$P" run --plugin-dir "$work/empty" --invoke f "$work/m.wasm" 2>&1) || fail "--plugin-dir run: $out"
[ "$out" = 42 ] || fail "--plugin-dir run printed '$out'"
out=$(WASMPLUG_PLUGIN_PATH=$work/empty "$P" "$work/m.wasm" 2>&1)
[ $? = 1 ] || fail "shorthand through wasmplug-dynamic: status $? ('$out')"
case $out in *"no _start"* | *"_start"*) ;; *) fail "shorthand through wasmplug-dynamic: '$out'" ;; esac
"$P" wit "$PLUGIN" >"$work/wit.txt" 2>&1 || fail "wit of a plugin: $(head -3 "$work/wit.txt")"
grep -q "interface\|world" "$work/wit.txt" || fail "wit of a plugin printed: $(head -3 "$work/wit.txt")"
"$P" compile >/dev/null 2>&1
[ $? = 2 ] || fail "compile without a file: status $?, expected 2"
[ $fails -eq 0 ] && echo "passed"
[ $fails -eq 0 ]
