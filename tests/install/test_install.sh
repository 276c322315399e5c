#!/bin/sh
# `make install` must give a usable SDK: binary, static and shared library,
# headers and a pkg-config file.  Installs into a scratch prefix and builds
# an embedder against each library through pkg-config.
set -eu
build=$1 src=$2 work=$3
# A sanitizer build's libraries need the embedder built the same way.
san=${4:-}
rm -rf "$work" && mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
p=$work/prefix
for f in bin/wasmplug include/wasmplug.h include/wasmplug/plugin.h; do
  test -e "$p/$f" || { echo "missing $f"; exit 1; }
done
libdir=$(dirname "$(find "$p" -name libwasmplug.a | head -1)")
test -e "$libdir/libwasmplug.so" || { echo "missing libwasmplug.so"; exit 1; }
export PKG_CONFIG_PATH=$libdir/pkgconfig
pc() { pkg-config --define-variable=prefix="$p" "$@" wasmplug; }
wat2wasm "$src/add.wat" -o "$work/add.wasm"
export WASMPLUG_CACHE_DIR=$work/cache
# shared
cc $san -o "$work/embed-shared" "$src/embed.c" $(pc --cflags --libs)
out=$(LD_LIBRARY_PATH=$libdir "$work/embed-shared" "$work/add.wasm")
[ "$out" = "0.1.0 42" ] || { echo "shared: got '$out'"; exit 1; }
# static
cc $san -o "$work/embed-static" "$src/embed.c" $(pc --cflags) \
   "$libdir/libwasmplug.a" $(pc --libs-only-other --static) -ltcc -lffi -ldl -lm -lpthread
out=$("$work/embed-static" "$work/add.wasm")
[ "$out" = "0.1.0 42" ] || { echo "static: got '$out'"; exit 1; }
"$p/bin/wasmplug" --version | grep -q "wasmplug 0.1.0"
echo "install: ok"
