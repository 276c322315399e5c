#!/bin/sh
# Generates plugin and guest bindings for WIT inputs and compiles them the
# way their users do: the plugin side natively with -Wall -Wextra -Werror,
# the guest side for wasm32-wasi.  Also checks that unsupported WIT is
# refused with a message naming the offending item.
#
# usage: compile_generated.sh WASMPLUG INCLUDE_DIR WORK_DIR SHARED_UI_DIR OWN_WIT_DIR
set -eu
WP=$1 INC=$2 WORK=$3 UI=$4 OWN=$5
CC=${CC:-cc}
WASM_CC="clang --target=wasm32-wasi --sysroot=/usr"
fail=0 ok=0
rm -rf "$WORK"
mkdir -p "$WORK"

compile_all() { # DIR COMPILER FLAGS...: compiles every DIR/*.c, fails if any fails
    dir=$1
    shift
    bad=0
    for c in "$dir"/*.c; do "$@" -c "$c" -o "$c.o" || bad=1; done
    [ $bad -eq 0 ]
}

plugin() { # NAME WIT [WORLD]
    d=$WORK/$1-plugin
    mkdir -p "$d"
    if [ $# -ge 3 ]; then gen="--plugin $2 --world $3"; else gen="--plugin $2"; fi
    # shellcheck disable=SC2086 # paths here have no spaces
    if "$WP" bindgen c $gen -o "$d" &&
       compile_all "$d" $CC -std=c11 -Wall -Wextra -Werror -I"$INC"; then
        ok=$((ok + 1))
    else
        echo "FAIL: plugin bindings for $1 ($gen)"; fail=$((fail + 1))
    fi
}

guest() { # NAME WIT WORLD
    d=$WORK/$1-guest-$3
    mkdir -p "$d"
    if "$WP" bindgen c --guest "$2" --world "$3" -o "$d" &&
       compile_all "$d" $WASM_CC -std=c11 -Wall -Wextra -Werror; then
        ok=$((ok + 1))
    else
        echo "FAIL: guest bindings for $1 world $3"; fail=$((fail + 1))
    fi
}

refused() { # WHAT EXPECTED-SUBSTRING ARGS...
    what=$1 want=$2
    shift 2
    if out=$("$WP" bindgen c "$@" -o "$WORK" 2>&1); then
        echo "FAIL: $what: accepted"; fail=$((fail + 1)); return
    fi
    case $out in
    *"$want"*) ok=$((ok + 1)) ;;
    *) echo "FAIL: $what: message '$out' lacks '$want'"; fail=$((fail + 1)) ;;
    esac
}

# Our own: every type constructor, both sides, with and without a world.
plugin all-types "$OWN/all-types.wit"
plugin all-types-world "$OWN/all-types.wit" all
guest all-types "$OWN/all-types.wit" all
guest all-types "$OWN/all-types.wit" e2e
# Names that collide with C keywords, wrapper locals and the context type.
plugin names "$OWN/names.wit"
plugin names-world "$OWN/names.wit" names
guest names "$OWN/names.wit" names
# Conformance cases with many shapes: functions, resources, shared and
# foreign types, world-level types/functions, includes, deps folders.
plugin functions "$UI/functions.wit"
plugin resources "$UI/resources.wit"
guest resources "$UI/resources.wit" w
plugin resources-multiple-returns-own "$UI/resources-multiple-returns-own.wit"
plugin shared-types "$UI/shared-types.wit"
guest shared-types "$UI/shared-types.wit" foo
plugin worlds-with-types "$UI/worlds-with-types.wit"
guest worlds-with-types "$UI/worlds-with-types.wit" the-test
guest world-top-level-funcs "$UI/world-top-level-funcs.wit" foo
plugin wasi "$UI/wasi.wit"
plugin foreign-deps "$UI/foreign-deps"
guest foreign-deps "$UI/foreign-deps" my-world
guest complex-include "$UI/complex-include" union-world
guest union-fuzz-2 "$UI/union-fuzz-2.wit" bar
guest since-and-unstable "$UI/since-and-unstable.wit" in-a-world
# Maps (lists of key/value entries) on both sides.
plugin maps "$UI/maps.wit"
guest maps "$UI/maps.wit" maps-world
# Async functions, streams, futures, error contexts: plugin side (ABI 1.3).
plugin async "$UI/async.wit"
plugin types "$UI/types.wit"
plugin async-streams "$OWN/async.wit"
# A plugin with async functions or stream/future/error-context values
# needs a 1.3 host (min_host_minor 3: an older one refuses to load it); a
# plugin without any loads on every 1.x host.
min_host() { # NAME EXPECTED
    if grep -q "sizeof(wasmplug_plugin_t), $2[ ,]" "$WORK/$1-plugin/"*.c; then ok=$((ok + 1))
    else echo "FAIL: $1: min_host_minor is not $2"; fail=$((fail + 1)); fi
}
min_host async-streams 3
min_host async 3
min_host types 0 # stream and future types no function uses
min_host all-types 0
min_host resources 0

# Refusals name what is unsupported or wrong.
refused "async guest export" "a guest cannot export async functions yet" --guest "$UI/async.wit" --world y
refused "stream guest" "stream types have no native layout" --guest "$OWN/async.wit" --world streams
refused "missing world" "no world named 'nope'" --guest "$OWN/all-types.wit" --world nope
refused "missing file" "no-such.wit" --plugin "$WORK/no-such.wit"
refused "bad prefix" "is not a C identifier" --plugin "$OWN/all-types.wit" --prefix 9x
refused "guest-exported resource" "guest-exported resources are not supported" \
    --guest "$OWN/all-types.wit" --world exports-resource

echo "compile_generated: $ok passed, $fail failed"
[ $fail -eq 0 ]
