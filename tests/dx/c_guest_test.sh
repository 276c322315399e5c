#!/bin/sh
# From C source to a component with wasmplug alone (issue 19, items 6 and
# 8), as docs/components.md tells it:
#   - bindgen: the same default prefix for --plugin and --guest of one WIT,
#     --short-names, --stubs (compilable skeletons), optional plugin hooks
#     (echo.c defines none), --command (wasi:cli/run is main, a reactor);
#   - clang builds the guest, `wasmplug component new` makes the component
#     with jco's preview1 adapter (reactor; the command adapter for a plain
#     command), npm wasm-tools validates it, wasmplug runs it: every line
#     of the guest's buffered output arrives, around plugin calls whose
#     strings the guest allocates;
#   - refusals: no adapter for a preview1 module, a world the module does
#     not match.
# usage: c_guest_test.sh WASMPLUG CC INCLUDE_DIR TESTS_DX_DIR NODE COMPONENTIZE ADAPTER_DIR
W=$1 HOSTCC=$2 INC=$3 D=$4 NODE=$5 CZ=$6 AD=$7
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; [ -f "$T/err" ] && sed 's/^/  err: /' "$T/err"; fails=$((fails + 1)); }
WCC="clang --target=wasm32-wasi --sysroot=/usr"
L=$D/lines
cd "$T" || exit 1

# bindings: both sides get prefix "lines" (the package's only world)
"$W" bindgen c --plugin "$L" --short-names --stubs -o p 2>"$T/err" || fail "bindgen --plugin"
"$W" bindgen c --guest "$L" --short-names --command --stubs -o g 2>"$T/err" || fail "bindgen --guest"
[ -f p/lines.h ] && [ -f g/lines.h ] && [ -f p/lines_stubs.c ] && [ -f g/lines_stubs.c ] || fail "same prefix, stubs"
grep -q 'int echo_echo(lines_ctx_t \*cx' p/lines.h && grep -q 'void echo_echo(const lines_string_t \*s' g/lines.h ||
  fail "short names"
"$W" bindgen c --plugin "$L" --stubs -o p >/dev/null 2>"$T/err" && fail "--stubs overwrote a skeleton"
grep -q 'never overwrites it' "$T/err" || fail "--stubs refusal says why"

# the plugin: only the function (the hooks are the bindings' weak defaults)
$HOSTCC -shared -fPIC -fvisibility=hidden -Wall -Wextra -Werror -I"$INC" -Ip p/lines.c "$L/echo.c" -o echo.so \
  2>"$T/err" || fail "plugin build"
$HOSTCC -shared -fPIC -fvisibility=hidden -Wall -Wextra -Werror -I"$INC" -Ip p/lines.c p/lines_stubs.c -o stub.so \
  2>"$T/err" || fail "plugin skeleton build"

# the guest: a reactor whose wasi:cli/run is main
$WCC -O2 -Wall -Wextra -Werror -Ig -c "$L/guest.c" -o guest.o 2>"$T/err" &&
  $WCC -O2 -Wall -Wextra -Werror -c g/lines.c -o lines.o 2>"$T/err" &&
  $WCC -mexec-model=reactor guest.o lines.o -o guest.core.wasm 2>"$T/err" || fail "guest build"
$WCC -O2 -Wall -Wextra -Werror -Ig -c g/lines_stubs.c -o stubs.o 2>"$T/err" || fail "guest skeleton build"

"$W" component new guest.core.wasm --wit "$L" --world lines \
  --adapt wasi_snapshot_preview1="$AD/wasi_snapshot_preview1.reactor.wasm" -o guest.wasm 2>"$T/err" ||
  fail "component new"
"$NODE" "$CZ" validate guest.wasm >"$T/wit" 2>"$T/err" && grep -q 'export wasi:cli/run@0.2.0;' "$T/wit" &&
  grep -q 'import test:lines/echo@0.1.0;' "$T/wit" || fail "wasm-tools validates the component"
"$W" run --plugin ./echo.so guest.wasm a b >out.txt 2>"$T/err"; rc=$?
cat >want.txt <<'END'
line 1 of guest.wasm (3 args)
line 2: hi #1
line 3: hi #2
line 4: hi #3
line 5: hi #4
line 6: hi #5
last line
END
[ $rc = 0 ] && cmp -s out.txt want.txt || fail "run: every line (status $rc): $(cat out.txt)"
# the skeleton plugin: traps, naming the function
"$W" run --plugin ./stub.so guest.wasm >out.txt 2>"$T/err"; rc=$?
[ $rc = 134 ] && grep -q 'not implemented: echo' "$T/err" || fail "skeleton plugin (status $rc)"

# a plain command, through the command adapter (its wasi:cli/run)
H=$D/hello
$WCC -O2 -Wall -Wextra -Werror -c "$H/hello.c" -o hello.o 2>"$T/err" && $WCC hello.o -o hello.core.wasm 2>"$T/err" ||
  fail "command build"
"$W" component new hello.core.wasm --wit "$H" --world hello \
  --adapt wasi_snapshot_preview1="$AD/wasi_snapshot_preview1.command.wasm" -o hello.wasm 2>"$T/err" ||
  fail "component new (command)"
"$NODE" "$CZ" validate hello.wasm >"$T/wit" 2>"$T/err" && grep -q 'export wasi:cli/run@0.2' "$T/wit" ||
  fail "wasm-tools validates the command"
[ "$("$W" run hello.wasm x y 2>"$T/err")" = "hello from a C command: x y" ] || fail "run the command"
"$W" run hello.wasm >/dev/null 2>"$T/err"; rc=$?
[ $rc = 1 ] || fail "the command's failure is its status (got $rc)"

# refusals
"$W" component new hello.core.wasm --wit "$H" --world hello -o x.wasm 2>"$T/err"; rc=$?
[ $rc = 1 ] && grep -q 'imports wasi_snapshot_preview1.*give it an adapter (--adapt' "$T/err" || fail "no adapter"
"$W" component new guest.core.wasm --wit "$H" --world hello \
  --adapt wasi_snapshot_preview1="$AD/wasi_snapshot_preview1.reactor.wasm" -o x.wasm 2>"$T/err"; rc=$?
[ $rc = 1 ] && grep -q 'imports test:lines/echo@0.1.0.echo, which the world does not import' "$T/err" ||
  fail "wrong world"
"$W" component new guest.core.wasm --wit "$L" --world nosuch -o x.wasm 2>"$T/err"; rc=$?
[ $rc = 1 ] && grep -q "no world named 'nosuch'" "$T/err" || fail "unknown world"

[ $fails = 0 ] && echo "C guest to component: ok"
exit $fails
