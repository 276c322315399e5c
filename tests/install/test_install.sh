#!/bin/sh
# `make install` must give a usable SDK: binary, static and shared library,
# headers, a pkg-config file right for the prefix given at install time,
# and the plugins in LIBDIR/wasmplug/plugins, found by bare name.  Installs
# into a scratch prefix, then builds from the installed SDK only (no source
# tree on any include path): an embedder against each library, and
# examples/embed — a program and a native plugin — which it runs; and
# docs/embedding.md's example.
set -eu
build=$1 src=$2 work=$3
# A sanitizer build's libraries need the embedder built the same way.
san=${4:-}
root=$src/../..
rm -rf "$work" && mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
p=$work/prefix
for f in bin/wasmplug include/wasmplug.h include/wasmplug/plugin.h include/wasmplug/host.h include/wasmplug/wit.h; do
  test -e "$p/$f" || { echo "missing $f"; exit 1; }
done
libdir=$(dirname "$(find "$p" -name libwasmplug.a | head -1)")
test -e "$libdir/libwasmplug.so" || { echo "missing libwasmplug.so"; exit 1; }
for f in wasi-p2.so keyvalue-sqlite.so; do
  test -e "$libdir/wasmplug/plugins/$f" || { echo "missing $libdir/wasmplug/plugins/$f"; exit 1; }
done
export PKG_CONFIG_PATH=$libdir/pkgconfig
# no --define-variable: the file itself must be right for this prefix
pc() { pkg-config "$@" wasmplug; }
[ "$(pc --variable=includedir)" -ef "$p/include" ] || { echo "wasmplug.pc: includedir $(pc --variable=includedir)"; exit 1; }
wat2wasm "$src/add.wat" -o "$work/add.wasm"
export WASMPLUG_CACHE_DIR=$work/cache
cd "$work" # nothing of the source tree is reachable by a relative path
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
# examples/embed: a program and a plugin from the installed SDK only
ex=$root/examples/embed
cc $san -Wall -Wextra -Werror -o "$work/embed" "$ex/embed.c" $(pc --cflags --libs)
cc $san -Wall -Wextra -Werror -shared -fPIC -o "$work/greet.so" "$ex/greet.c" $(pc --cflags)
guest=$build/tests/examples/embed/guest.wasm
out=$(LD_LIBRARY_PATH=$libdir "$work/embed" "$work/greet.so,greeting=hi" "$guest" 'greet("world")')
[ "$out" = '"hi, world!"' ] || { echo "examples/embed: got '$out'"; exit 1; }
# docs/embedding.md's C (every ```c block, in order, as the body of one
# function) compiles and links against the installed SDK as written
doc=$root/docs/embedding.md
{
  printf '#include <wasmplug.h>\n#include <wasmplug/host.h>\n#include <stdint.h>\n'
  printf 'int doc_example(const uint8_t *bytes, size_t len);\n'
  printf 'int doc_example(const uint8_t *bytes, size_t len) {\n'
  awk '/^```c$/ { on = 1; n++; next } /^```/ { on = 0 } on' "$doc"
  printf 'return err != NULL || trap != NULL;\n}\n'
  printf 'int main(int argc, char **argv) { (void)argv; return argc > 99 ? doc_example(0, 0) : 0; }\n'
} > "$work/doc_example.c"
grep -q wasmplug_program_new "$work/doc_example.c" || { echo "no C example found in $doc"; exit 1; }
cc $san -Wall -Wextra -Werror -o "$work/doc_example" "$work/doc_example.c" $(pc --cflags --libs) ||
  { echo "docs/embedding.md: its C example does not build against the installed SDK"; exit 1; }
LD_LIBRARY_PATH=$libdir "$work/doc_example"
# the installed wasi-p2.so, by bare name through the default search path
out=$("$p/bin/wasmplug" run --no-default-plugins --plugin wasi-p2.so "$build/tests/wasi_p2/wasm/guest.wasm")
[ "$out" = "hello from wasi-p2" ] || { echo "--plugin wasi-p2.so: got '$out'"; exit 1; }
echo "install: ok"
