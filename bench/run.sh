#!/bin/sh
# bench/run.sh BUILD_DIR — every benchmark of wasmplug, in one run
# (`make bench` calls it as `sh bench/run.sh build`).
#
# First the core benchmarks (bench/core, see bench/README.md):
#   1. an in-memory SQLite workload run natively, on wasmplug's optimized
#      and baseline tiers and on Node's WebAssembly (V8); ratios to native;
#   2. compile time per tier (wasmplug_module_new, fresh cache);
#   3. cold and warm start of a hello-world WASI command.
# Then any executable named bench_* under BUILD_DIR/bench/<layer>/ (other
# layers' benchmarks, built by CMake).
#
# SQLite is fetched at bench time from the npm registry (the `sqlite3`
# package bundles the amalgamation under deps/) into BUILD_DIR/bench/core/work,
# never into the source tree; later runs reuse it.  Exit status is non-zero
# when any benchmark failed (a run failed or the checksums disagree); missed
# speed targets are reported, not failed: they are benchmarks, not tests.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: sh bench/run.sh BUILD_DIR" >&2
    exit 2
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$1" && pwd)
CORE=$ROOT/bench/core
WORK=$BUILD/bench/core/work
WP=$BUILD/cli/wasmplug
TIMEIT=$BUILD/bench/core/wp_bench_timeit
CTIME=$BUILD/bench/core/wp_bench_compile_time
SQLITE_PKG=sqlite3@5
RUNS=${WASMPLUG_BENCH_RUNS:-5}  # CPU workload: median of RUNS
# Issue 18's <= 1.2x rows: native and the optimized guests alone go on
# taking turns until GOAL_RUNS rounds (they are the cheap variants: ~3 s a
# round).  On a shared host one process run of the same native binary has
# spread 0.57-0.95 s within five rounds, so five per-round ratios ranged
# 0.90-1.55x; fifteen give a median that holds still.
GOAL_RUNS=${WASMPLUG_BENCH_GOAL_RUNS:-15}
START_RUNS=20                  # start time: median of START_RUNS
failed=0
t_begin=$(date +%s)

say() { printf '%s\n' "$*"; }
fail() { say "FAIL: $*"; failed=1; }
need() {
    command -v "$1" >/dev/null 2>&1 || { echo "bench: '$1' not found (run: make deps)" >&2; exit 1; }
}
need cc; need clang; need node; need npm; need cmake

# The helpers are CMake targets, built by `make build` before `make bench`;
# build them here only when they are missing (a direct call on a fresh tree).
XLATE=$BUILD/bench/core/wp_bench_xlate
if [ ! -x "$WP" ] || [ ! -x "$TIMEIT" ] || [ ! -x "$CTIME" ] || [ ! -x "$XLATE" ]; then
    cmake --build "$BUILD" --target wasmplug wp_bench_timeit wp_bench_compile_time wp_bench_xlate >/dev/null
fi
mkdir -p "$WORK"

WASM_CC="clang --target=wasm32-wasi --sysroot=/usr"
# SQLite 3.44 configures itself for WASI (__wasi__: no WAL, no mmap, no
# threads); the same options are used natively so both builds run the same
# code paths.
# The wasm is built twice: with Debian's clang 14 as it comes (wasm32's
# "generic" CPU of LLVM 14: no bulk memory, so every memcpy/memset/memmove
# of SQLite is a call of wasi-libc's byte-loop in wasm), and with the
# target features LLVM 20 turned on by default for that CPU
# (llvm-project#112049: bulk-memory, nontrapping-fptoint), what a current
# toolchain emits: memcpy/memset become memory.copy/memory.fill (the host's
# memmove/memset behind a bounds check).  Both are measured in the same run.
WASM_NEW_FEATURES="-mbulk-memory -mnontrapping-fptoint"
SQLITE_DEFS="-DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_THREADSAFE=0 -DSQLITE_DEFAULT_MEMSTATUS=0 -DSQLITE_OMIT_SHARED_CACHE"

# ----------------------------------------------------------- fetch SQLite
if [ ! -f "$WORK/sqlite/sqlite3.c" ]; then
    say "bench: fetching SQLite ($SQLITE_PKG from the npm registry)..."
    rm -rf "$WORK/fetch" "$WORK/sqlite"
    mkdir -p "$WORK/fetch"
    (cd "$WORK/fetch" && npm pack "$SQLITE_PKG" --silent --no-audit --no-fund >/dev/null)
    tgz=$(ls "$WORK"/fetch/sqlite3-*.tgz)
    tar xzf "$tgz" -C "$WORK/fetch"
    auto=$(ls "$WORK"/fetch/package/deps/sqlite-autoconf-*.tar.gz)
    tar xzf "$auto" -C "$WORK/fetch"
    src=$(dirname "$(ls "$WORK"/fetch/sqlite-autoconf-*/sqlite3.c)")
    mkdir -p "$WORK/sqlite.tmp"
    cp "$src/sqlite3.c" "$src/sqlite3.h" "$WORK/sqlite.tmp/"
    basename "$auto" .tar.gz >"$WORK/sqlite.tmp/VERSION"
    mv "$WORK/sqlite.tmp" "$WORK/sqlite"
    rm -rf "$WORK/fetch"
fi
SQLITE_VERSION=$(cat "$WORK/sqlite/VERSION")

# ------------------------------------------------------------------ build
# sqlite3.c takes ~40 s of CPU per target: build it once per flag set, the
# native and the wasm object in parallel.
stamp="$SQLITE_VERSION $SQLITE_DEFS $(cc --version | head -1) $(clang --version | head -1) $WASM_NEW_FEATURES"
if [ ! -f "$WORK/sqlite-native.o" ] || [ ! -f "$WORK/sqlite-wasm.o" ] || [ ! -f "$WORK/sqlite-wasm-new.o" ] ||
   [ "$(cat "$WORK/sqlite.stamp" 2>/dev/null)" != "$stamp" ]; then
    say "bench: compiling $SQLITE_VERSION natively and for wasm32-wasi (about a minute)..."
    rm -f "$WORK/sqlite.stamp"
    # shellcheck disable=SC2086
    cc -O2 $SQLITE_DEFS -I"$WORK/sqlite" -c "$WORK/sqlite/sqlite3.c" -o "$WORK/sqlite-native.o" &
    pid=$!
    # shellcheck disable=SC2086
    $WASM_CC -O2 $SQLITE_DEFS -I"$WORK/sqlite" -c "$WORK/sqlite/sqlite3.c" -o "$WORK/sqlite-wasm.o"
    wait $pid
    # shellcheck disable=SC2086
    $WASM_CC -O2 $WASM_NEW_FEATURES $SQLITE_DEFS -I"$WORK/sqlite" -c "$WORK/sqlite/sqlite3.c" -o "$WORK/sqlite-wasm-new.o"
    printf '%s\n' "$stamp" >"$WORK/sqlite.stamp"
fi
CFLAGS_BENCH="-O2 -Wall -Wextra -Werror"
# shellcheck disable=SC2086
cc $CFLAGS_BENCH -I"$WORK/sqlite" -c "$CORE/sqlite_bench.c" -o "$WORK/bench-native.o"
cc "$WORK/bench-native.o" "$WORK/sqlite-native.o" -lm -o "$WORK/sqlite_bench"
# Wasm: compile with -O2, link without -O (DEVELOPERS.md).
# shellcheck disable=SC2086
$WASM_CC $CFLAGS_BENCH -I"$WORK/sqlite" -c "$CORE/sqlite_bench.c" -o "$WORK/bench-wasm.o"
$WASM_CC "$WORK/bench-wasm.o" "$WORK/sqlite-wasm.o" -o "$WORK/sqlite_bench.wasm"
# shellcheck disable=SC2086
$WASM_CC $CFLAGS_BENCH $WASM_NEW_FEATURES -I"$WORK/sqlite" -c "$CORE/sqlite_bench.c" -o "$WORK/bench-wasm-new.o"
$WASM_CC "$WORK/bench-wasm-new.o" "$WORK/sqlite-wasm-new.o" -o "$WORK/sqlite_bench_new.wasm"
# shellcheck disable=SC2086
$WASM_CC $CFLAGS_BENCH -c "$ROOT/examples/hello/hello.c" -o "$WORK/hello.o"
$WASM_CC "$WORK/hello.o" -o "$WORK/hello.wasm"
# The SIMD workload: the same C natively, for wasm32 with -msimd128 (clang
# auto-vectorizes) and without (scalar).
# shellcheck disable=SC2086
cc $CFLAGS_BENCH "$CORE/simd_bench.c" -o "$WORK/simd_bench"
# shellcheck disable=SC2086
$WASM_CC $CFLAGS_BENCH -msimd128 "$CORE/simd_bench.c" -o "$WORK/simd_bench.wasm"
# shellcheck disable=SC2086
$WASM_CC $CFLAGS_BENCH "$CORE/simd_bench.c" -o "$WORK/simd_scalar.wasm"
# The large module: a componentize-js component (~14 MB), which `make
# build` makes for the http tests (tests/http/js); WASMPLUG_BENCH_JS names
# another.  Never in the source tree.
JS_COMPONENT=${WASMPLUG_BENCH_JS:-$BUILD/tests/http/wasm/handler-js.wasm}

size() { wc -c <"$1" | tr -d ' '; }
code_size() {
    # The code section's size, from wasm-objdump's section table (wabt).
    hex=$(wasm-objdump -h "$1" 2>/dev/null | sed -n 's/^ *Code .*(size=\(0x[0-9a-f]*\)).*/\1/p')
    printf '%d' "${hex:-0}"
}

say ""
say "== wasmplug benchmarks  ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
say "   workload: $SQLITE_VERSION in memory (bench/core/sqlite_bench.c), sqlite_bench.wasm $(size "$WORK/sqlite_bench.wasm") bytes"
say "   (clang 14's wasm32 defaults); sqlite_bench_new.wasm $(size "$WORK/sqlite_bench_new.wasm") bytes ($WASM_NEW_FEATURES: LLVM 20's defaults)"
say "   node $(node --version), $(cc --version | head -1), $(clang --version | head -1)"

# ------------------------------------------------- translator vs wasm2c
say ""
say "-- translation: own translator (decode + validate + translate, in memory) vs wasm2c 1.0.32"
say "   module                        code bytes   own: time (cpu)    C bytes      wasm2c: time (cpu)   C bytes      peak    ratio time / C size"
xlate_row() { # NAME FILE
    if ! r=$("$XLATE" "$WORK" "$2" 3 2>"$WORK/xlate.err"); then
        fail "translation of $1: $(head -3 "$WORK/xlate.err" | tr '\n' ' ')"
        return 0
    fi
    echo "$r" | awk -v n="$1" '{
        w2c = $13 > 0 ? sprintf("refused by wasm2c (%d of %d modules)", $13, $1) : \
              sprintf("%6.2f s (%6.2f s) %10.1f MB %5.0f MB   %5.1fx / %4.2fx", $9, $10, $11 / 1e6, $12 / 1024, $9 / $3, $11 / $5)
        printf "   %-28s %10d   %6.2f s (%6.2f s) %8.1f MB    %s\n", n, $2, $3, $4, $5 / 1e6, w2c
        printf "   %-28s %10s   baseline shape: %.2f s, %.1f MB of C; translator peak %.0f MB (this process)\n", "", "", $7, $8 / 1e6, $6 / 1024 }'
}
xlate_row sqlite_bench.wasm "$WORK/sqlite_bench.wasm"
if [ -f "$JS_COMPONENT" ]; then
    xlate_row "$(basename "$JS_COMPONENT") ($(($(size "$JS_COMPONENT") / 1000000)) MB)" "$JS_COMPONENT"
else
    say "   (no componentize-js component at $JS_COMPONENT: make build makes one; skipped)"
fi

# ------------------------------------------------------- compile per tier
# wasmplug_module_new on each tier with an emptied cache; the optimized miss
# leaves the sqlite module in $CACHE, which the optimized runs below then use.
CACHE=$WORK/cache
rm -rf "$CACHE"
mkdir -p "$CACHE"
say ""
say "-- compile time (wasmplug_module_new: decode + wasm2c + libtcc | cc -O1, -O2 with SIMD | cache hit)"
if "$CTIME" "$CACHE" "$WORK/hello.wasm" "$WORK/sqlite_bench.wasm" >"$WORK/compile.txt"; then
    say "   module                   bytes   baseline (cpu)           optimized, miss (cpu)      optimized, hit (cpu)"
    awk '{printf "   %-18s %10d   %7.3f s (%7.3f s)   %8.3f s (%8.3f s)   %7.4f s (%7.4f s)\n", $1, $2, $4, $5, $7, $8, $10, $11}' "$WORK/compile.txt"
else
    fail "compile_time (see above)"
fi
# Issue 18's reference for the optimized compile: the same SQLite source
# compiled natively (`cc -O2 -c sqlite3.c`, the native build's defines)
# into a scratch object, fresh (not the cached sqlite-native.o), timed right
# after the optimized miss above in this run.
sq_opt_wall="" sq_opt_cpu="" sq_cc_wall="" sq_cc_cpu=""
if [ -f "$WORK/compile.txt" ]; then
    set -- $(awk '$1 == "sqlite_bench.wasm" { print $7, $8 }' "$WORK/compile.txt")
    sq_opt_wall=${1:-} sq_opt_cpu=${2:-}
fi
rm -f "$WORK/scratch-native.o"
# shellcheck disable=SC2086
if r=$("$TIMEIT" 1 "$WORK/cc-native.out" cc -O2 $SQLITE_DEFS -I"$WORK/sqlite" -c "$WORK/sqlite/sqlite3.c" \
       -o "$WORK/scratch-native.o") && [ -s "$WORK/scratch-native.o" ]; then
    set -- $r
    sq_cc_wall=$1 sq_cc_cpu=$4
    awk -v w="$1" -v c="$4" -v ow="$sq_opt_wall" -v oc="$sq_opt_cpu" 'BEGIN {
        printf "   reference: cc -O2 -c sqlite3.c (native, fresh)   %7.3f s (%7.3f s)\n", w, c
        if (ow != "" && w > 0 && c > 0)
            printf "   sqlite_bench.wasm optimized miss / native compile: %.2fx wall, %.2fx cpu (goal <= 0.4x)\n", ow / w, oc / c }'
else
    fail "native compile of sqlite3.c: $(head -3 "$WORK/cc-native.out.err" 2>/dev/null | tr '\n' ' ')"
fi
rm -f "$WORK/scratch-native.o"
# The goal's ratio, paired: the two compiles above are one after the other,
# and on a shared host the machine's speed moves between them (a native
# compile of 22.4 s in one run, 38.0 s in the next, ours 11.1 and 13.9 s).
# So the target is judged on COMPILE_ROUNDS rounds of native `cc -O2 -c`
# and `wasmplug compile` with an emptied cache, taking turns, and the median
# of the per-round ratios (wall and CPU).
COMPILE_ROUNDS=${WASMPLUG_BENCH_COMPILE_ROUNDS:-3}
sq_pair_wall="" sq_pair_cpu=""
rm -f "$WORK/compile-pairs"
round=0
while [ $round -lt "$COMPILE_ROUNDS" ] && [ -n "$sq_cc_wall" ]; do
    round=$((round + 1))
    rm -rf "$WORK/cache-pair" "$WORK/scratch-native.o"
    mkdir -p "$WORK/cache-pair"
    # shellcheck disable=SC2086
    n=$("$TIMEIT" 1 "$WORK/cc-native.out" cc -O2 $SQLITE_DEFS -I"$WORK/sqlite" -c "$WORK/sqlite/sqlite3.c" \
        -o "$WORK/scratch-native.o") || { fail "native compile of sqlite3.c (round $round)"; break; }
    o=$(WASMPLUG_CACHE_DIR="$WORK/cache-pair" "$TIMEIT" 1 "$WORK/compile-pair.out" \
        "$WP" compile "$WORK/sqlite_bench.wasm") || { fail "wasmplug compile sqlite_bench.wasm (round $round)"; break; }
    grep -q "compiling" "$WORK/compile-pair.out.err" || { fail "wasmplug compile: no compile in round $round (cache not empty?)"; break; }
    printf '%s %s\n' "$n" "$o" >>"$WORK/compile-pairs"
done
rm -rf "$WORK/cache-pair" "$WORK/scratch-native.o"
if [ -s "$WORK/compile-pairs" ]; then
    sq_pair_wall=$(awk '{ print $6 / $1 }' "$WORK/compile-pairs" | sort -n | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
    sq_pair_cpu=$(awk '{ print $9 / $4 }' "$WORK/compile-pairs" | sort -n | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
    say "   paired, $(wc -l <"$WORK/compile-pairs") rounds (native cc, then wasmplug compile, taking turns): per round $(awk '{ printf "%.1f/%.1f s ", $6, $1 }' "$WORK/compile-pairs")"
    awk -v w="$sq_pair_wall" -v c="$sq_pair_cpu" 'BEGIN { printf "   sqlite_bench.wasm optimized compile / native compile, median of per-round ratios: %.2fx wall, %.2fx cpu (goal <= 0.4x)\n", w, c }'
fi

# The same module through wasm2c (WASMPLUG_TRANSLATOR=wasm2c: its own cache
# keys), compiled for the optimized tier before the timed runs.
W2C_OPT=""
if r=$(WASMPLUG_CACHE_DIR=$CACHE WASMPLUG_TRANSLATOR=wasm2c "$TIMEIT" 1 "$WORK/w2c-compile.out" \
       "$WP" compile "$WORK/sqlite_bench.wasm" 2>"$WORK/w2c-compile.err"); then
    W2C_OPT="w2copt|optimized, wasm2c's C|env WASMPLUG_TRANSLATOR=wasm2c $WP run --tier optimized $WORK/sqlite_bench.wasm"
    echo "$r" | awk '{printf "   sqlite_bench.wasm through wasm2c, optimized (wasmplug compile): %.1f s (cpu %.1f s), largest process %.0f MB\n", $1, $4, $5}'
else
    fail "wasmplug compile with WASMPLUG_TRANSLATOR=wasm2c: $(head -3 "$WORK/w2c-compile.err" "$WORK/w2c-compile.out.err" | tr '\n' ' ')"
fi

# ------------------------------------------------ a large module's compile
# The optimized tier on the ~14 MB component: every core module's units
# compiled in parallel (WASMPLUG_JOBS, 2 here) with an empty cache.
if [ -f "$JS_COMPONENT" ]; then
    say ""
    say "-- optimized compile of $(basename "$JS_COMPONENT") ($(size "$JS_COMPONENT") bytes), empty cache, WASMPLUG_JOBS=2"
    rm -rf "$WORK/js-cache"
    mkdir -p "$WORK/js-cache"
    if r=$(WASMPLUG_CACHE_DIR=$WORK/js-cache WASMPLUG_JOBS=2 "$TIMEIT" 1 "$WORK/js-compile.out" \
           "$WP" compile "$JS_COMPONENT"); then
        echo "$r" | awk '{printf "   wall %.1f s (%.1f min), cpu %.1f s, largest process %.0f MB (goal: minutes, < 2048 MB)\n", $1, $1 / 60, $4, $5}'
        set -- $r
        js_wall=$1 js_rss=$5
    else
        fail "wasmplug compile $JS_COMPONENT: $(head -3 "$WORK/js-compile.out.err" | tr '\n' ' ')"
    fi
fi

# The guest built with LLVM 20's default features, compiled for the
# optimized tier before the timed runs.
OPT_NEW=""
if WASMPLUG_CACHE_DIR=$CACHE "$WP" compile "$WORK/sqlite_bench_new.wasm" >/dev/null 2>"$WORK/new-compile.err"; then
    OPT_NEW="optnew|optimized, guest +bulk-mem|$WP run --tier optimized $WORK/sqlite_bench_new.wasm"
else
    fail "wasmplug compile sqlite_bench_new.wasm: $(tail -3 "$WORK/new-compile.err" | tr '\n' ' ')"
fi

# ------------------------------------------------------ the CPU workload
# Fuel metering's cost (wasmplug run --fuel: checks at every function entry
# and loop header): the optimized tier with fuel, compiled (its own cache
# keys) before the timed runs; the fuel is more than the workload needs.
FUEL=9000000000000000000
if WASMPLUG_CACHE_DIR=$CACHE "$WP" run --tier optimized --fuel $FUEL "$WORK/sqlite_bench.wasm" \
       >/dev/null 2>"$WORK/fuel-compile.err"; then
    OPT_FUEL="optfuel|optimized, --fuel|$WP run --tier optimized --fuel $FUEL $WORK/sqlite_bench.wasm"
else
    OPT_FUEL=""
    fail "wasmplug run --fuel: $(tail -3 "$WORK/fuel-compile.err" | tr '\n' ' ')"
fi
say ""
say "-- CPU workload: $SQLITE_VERSION in memory, median of $RUNS process runs"
say "   (the variants take turns, round after round, so a change in the machine's"
say "   load hits them alike)"
# Variants: KEY|NAME|COMMAND (words split on spaces; no paths with spaces).
VARIANTS="native|native|$WORK/sqlite_bench
opt|wasmplug optimized|$WP run --tier optimized $WORK/sqlite_bench.wasm
node|node (V8)|node --no-warnings $CORE/run-node.mjs $WORK/sqlite_bench.wasm
base|wasmplug baseline|$WP run --tier baseline $WORK/sqlite_bench.wasm
w2cbase|baseline, wasm2c's C|env WASMPLUG_TRANSLATOR=wasm2c $WP run --tier baseline $WORK/sqlite_bench.wasm"
[ -z "$OPT_NEW" ] || VARIANTS="$VARIANTS
$OPT_NEW"
[ -z "$W2C_OPT" ] || VARIANTS="$VARIANTS
$W2C_OPT"
[ -z "$OPT_FUEL" ] || VARIANTS="$VARIANTS
$OPT_FUEL"
ref_sum=""
rm -f "$WORK"/times-* "$WORK"/failed-*
round=0
while [ $round -lt "$RUNS" ]; do
    round=$((round + 1))
    printf '%s\n' "$VARIANTS" | while IFS='|' read -r key name cmd; do
        [ ! -f "$WORK/failed-$key" ] || continue
        # shellcheck disable=SC2086
        if ! r=$(WASMPLUG_CACHE_DIR=$CACHE "$TIMEIT" 1 "$WORK/out-$key.txt" $cmd 2>"$WORK/timeit.err"); then
            echo "the run failed: $(cat "$WORK/timeit.err" "$WORK/out-$key.txt.err" | head -4 | tr '\n' ' ')" >"$WORK/failed-$key"
            continue
        fi
        if grep -q "compiling" "$WORK/out-$key.txt.err"; then
            echo "compiled during the timed run (cache miss)" >"$WORK/failed-$key"
            continue
        fi
        sum=$(awk '/^checksum /{print $2}' "$WORK/out-$key.txt")
        printf '%s %s\n' "$r" "${sum:-none}" >>"$WORK/times-$key"
    done
done
# The extra rounds for issue 18's rows: native, then each optimized guest,
# round after round, appended to copies of the rounds above.
GOAL_KEYS="native opt"
[ -z "$OPT_NEW" ] || GOAL_KEYS="$GOAL_KEYS optnew"
for key in $GOAL_KEYS; do
    if [ -f "$WORK/times-$key" ]; then cp "$WORK/times-$key" "$WORK/goal-$key"; else : >"$WORK/goal-$key"; fi
done
while [ $round -lt "$GOAL_RUNS" ]; do
    round=$((round + 1))
    printf '%s\n' "$VARIANTS" | while IFS='|' read -r key name cmd; do
        case " $GOAL_KEYS " in *" $key "*) ;; *) continue ;; esac
        [ ! -f "$WORK/failed-$key" ] || continue
        # shellcheck disable=SC2086
        if ! r=$(WASMPLUG_CACHE_DIR=$CACHE "$TIMEIT" 1 "$WORK/out-$key.txt" $cmd 2>"$WORK/timeit.err"); then
            echo "the run failed: $(cat "$WORK/timeit.err" "$WORK/out-$key.txt.err" | head -4 | tr '\n' ' ')" >"$WORK/failed-$key"
            continue
        fi
        sum=$(awk '/^checksum /{print $2}' "$WORK/out-$key.txt")
        printf '%s %s\n' "$r" "${sum:-none}" >>"$WORK/goal-$key"
    done
done
# Median of a column of a file of numbers.
median() { cut -d' ' -f"$2" "$1" | sort -n | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# The median of per-round ratios: each variant's CPU time over native's in
# the same round.  The variants take turns, so a round's pair shares the
# machine's state of that moment; on a machine whose speed drifts between
# rounds (a shared host: native alone spread 0.52-0.77 s over three rounds
# once) this is the steadier statistic, and the one issue 18's rows use.
paired() { paste -d' ' "${2:-$WORK/times-native}" "$1" | awk 'NF >= 10 { print $10 / $4 }' | sort -n |
    awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
say "   variant                  wall (median)  ratio    (min, max)               cpu (median) ratio   paired"
wall_native="" wall_opt="" wall_node="" wall_base="" wall_w2cbase="" wall_w2copt="" wall_optfuel="" wall_optnew=""
cpu_native="" cpu_opt="" cpu_node="" cpu_base="" cpu_w2cbase="" cpu_w2copt="" cpu_optfuel="" cpu_optnew=""
ref_sum=$(cut -d' ' -f6 "$WORK/times-native" 2>/dev/null | head -1)
printf '%s\n' "$VARIANTS" >"$WORK/variants"
while IFS='|' read -r key name cmd; do
    if [ -f "$WORK/failed-$key" ]; then
        fail "$name: $(cat "$WORK/failed-$key")"
        rm -f "$WORK/failed-$key"
        continue
    fi
    bad=$(cut -d' ' -f6 "$WORK/times-$key" | grep -v -x -F "${ref_sum:-none}" | head -1 || true)
    if [ -n "$bad" ] || [ -z "$ref_sum" ] || [ "$ref_sum" = none ]; then
        fail "$name: checksum ${bad:-none} differs from native's ${ref_sum:-none}"
        continue
    fi
    w=$(median "$WORK/times-$key" 1)
    c=$(median "$WORK/times-$key" 4)
    lo=$(cut -d' ' -f1 "$WORK/times-$key" | sort -n | head -1)
    hi=$(cut -d' ' -f1 "$WORK/times-$key" | sort -n | tail -1)
    [ -n "$wall_native" ] || { wall_native=$w; cpu_native=$c; }
    p=$(paired "$WORK/times-$key")
    awk -v n="$name" -v w="$w" -v lo="$lo" -v hi="$hi" -v c="$c" -v nw="$wall_native" -v nc="$cpu_native" -v p="$p" \
        'BEGIN { printf "   %-22s %8.3f s  %6.2fx   (%.3f, %.3f)   cpu %7.3f s  %6.2fx  %6.2fx\n", n, w, w / nw, lo, hi, c, c / nc, p }'
    eval "wall_$key=$w cpu_$key=$c pair_$key=$p"
done <"$WORK/variants"
say "   checksum: ${ref_sum:-none}"
# Issue 18's rows, judged on GOAL_RUNS rounds of native and the optimized
# guests alone (the rounds above included).
pair_opt="" pair_optnew=""
for key in $GOAL_KEYS; do
    [ "$key" != native ] || continue
    [ -s "$WORK/goal-$key" ] && [ -s "$WORK/goal-native" ] || continue
    bad=$(cut -d' ' -f6 "$WORK/goal-$key" | grep -v -x -F "${ref_sum:-none}" | head -1 || true)
    if [ -n "$bad" ]; then
        fail "$key (goal rounds): checksum $bad differs from native's ${ref_sum:-none}"
        continue
    fi
    p=$(paired "$WORK/goal-$key" "$WORK/goal-native")
    n=$(wc -l <"$WORK/goal-$key")
    lo=$(paste -d' ' "$WORK/goal-native" "$WORK/goal-$key" | awk 'NF >= 10 { print $10 / $4 }' | sort -n | head -1)
    hi=$(paste -d' ' "$WORK/goal-native" "$WORK/goal-$key" | awk 'NF >= 10 { print $10 / $4 }' | sort -n | tail -1)
    label=$key; [ "$key" != opt ] || label="optimized"; [ "$key" != optnew ] || label="optimized, guest +bulk-mem"
    awk -v k="$label" -v n="$n" -v p="$p" -v lo="$lo" -v hi="$hi" -v c="$(median "$WORK/goal-$key" 4)" -v nc="$(median "$WORK/goal-native" 4)" \
        'BEGIN { printf "   %s over %d rounds with native alone: cpu %.2fx paired by round (per round %.2f-%.2fx), medians %.3f / %.3f s = %.2fx\n", k, n, p, lo, hi, c, nc, c / nc }'
    eval "pair_$key=$p"
done

# ------------------------------------------------------------------ SIMD
# The same C with and without -msimd128, on both tiers; ratios to native.
SIMD_ROUNDS=100
say ""
say "-- SIMD workload (bench/core/simd_bench.c, $SIMD_ROUNDS rounds), median of $RUNS, ratio to native"
WASMPLUG_CACHE_DIR=$CACHE "$WP" compile "$WORK/simd_bench.wasm" >/dev/null 2>&1 || true
WASMPLUG_CACHE_DIR=$CACHE "$WP" compile "$WORK/simd_scalar.wasm" >/dev/null 2>&1 || true
simd_ref="" simd_sum=""
simd_opt_v="" simd_opt_s="" simd_base_v="" simd_base_s=""
simd_row() { # KEY NAME COMMAND...
    key=$1 name=$2
    shift 2
    if ! r=$(WASMPLUG_CACHE_DIR=$CACHE "$TIMEIT" "$RUNS" "$WORK/simd-$key.out" "$@" 2>"$WORK/timeit.err"); then
        fail "SIMD $name: $(head -3 "$WORK/timeit.err" | tr '\n' ' ')"
        return 0
    fi
    sum=$(awk '/^checksum /{print $2}' "$WORK/simd-$key.out")
    if [ -z "$simd_sum" ]; then simd_sum=$sum; fi
    if [ "$sum" != "$simd_sum" ]; then
        fail "SIMD $name: checksum $sum differs from native's $simd_sum"
        return 0
    fi
    set -- $r
    [ -n "$simd_ref" ] || simd_ref=$4
    awk -v n="$name" -v w="$1" -v c="$4" -v ref="$simd_ref" \
        'BEGIN { printf "   %-34s %8.3f s wall   cpu %7.3f s  %6.2fx\n", n, w, c, c / ref }'
    eval "simd_$key=$4"
}
simd_row native "native (cc -O2)" "$WORK/simd_bench" $SIMD_ROUNDS
simd_row opt_v "optimized, -msimd128" "$WP" run --tier optimized "$WORK/simd_bench.wasm" $SIMD_ROUNDS
simd_row opt_s "optimized, scalar" "$WP" run --tier optimized "$WORK/simd_scalar.wasm" $SIMD_ROUNDS
simd_row base_v "baseline, -msimd128" "$WP" run --tier baseline "$WORK/simd_bench.wasm" $SIMD_ROUNDS
simd_row base_s "baseline, scalar" "$WP" run --tier baseline "$WORK/simd_scalar.wasm" $SIMD_ROUNDS
say "   checksum: ${simd_sum:-none}"

# ---------------------------------------------------------- start times
say ""
say "-- start time of hello.wasm ($(size "$WORK/hello.wasm") bytes, code section $(code_size "$WORK/hello.wasm") bytes): process wall time, median of $START_RUNS"
rm -rf "$WORK/hello-data" "$WORK/empty-cache" "$WORK/warm-cache"
mkdir -p "$WORK/hello-data" "$WORK/empty-cache" "$WORK/warm-cache"
start() { # KEY NAME CACHE COMMAND...
    key=$1
    name=$2
    cache=$3
    shift 3
    if ! r=$(WASMPLUG_CACHE_DIR=$cache "$TIMEIT" "$START_RUNS" "$WORK/hello.out" "$@"); then
        fail "$name: the run failed: $(head -3 "$WORK/hello.out.err" | tr '\n' ' ')"
        return 0
    fi
    if ! grep -q "wrote and read back" "$WORK/hello.out"; then
        fail "$name: hello.wasm did not do its work: $(head -3 "$WORK/hello.out" | tr '\n' ' ')"
        return 0
    fi
    set -- $r
    awk -v n="$name" -v w="$1" -v lo="$2" -v hi="$3" -v c="$4" \
        'BEGIN { printf "   %-44s %7.1f ms  (min %6.1f, max %6.1f)   cpu %6.1f ms\n", n, w * 1000, lo * 1000, hi * 1000, c * 1000 }'
    eval "start_$key=$1 scpu_$key=$4"
}
row() { # NAME "MEDIAN MIN MAX CPU RSS"
    set -- "$1" $2
    awk -v n="$1" -v w="$2" -v lo="$3" -v hi="$4" -v c="$5" \
        'BEGIN { printf "   %-44s %7.1f ms  (min %6.1f, max %6.1f)   cpu %6.1f ms\n", n, w * 1000, lo * 1000, hi * 1000, c * 1000 }'
}
# pair KEY_A NAME_A CACHE_A KEY_B NAME_B CHECK_B COMMAND_A... ::: COMMAND_B...
# A and B alternately (wp_bench_timeit --pair): their ratio is measured
# under the same load.  A is a hello run (its output checked); CHECK_B
# (1/0): whether B's is too.
pair() {
    ka=$1 na=$2 cache=$3 kb=$4 nb=$5 cb=$6
    shift 6
    if ! r=$(WASMPLUG_CACHE_DIR=$cache "$TIMEIT" --pair "$START_RUNS" "$WORK/hello.out" "$WORK/pair-b.out" "$@"); then
        fail "$na / $nb: a run failed: $(head -3 "$WORK/hello.out.err" "$WORK/pair-b.out.err" 2>/dev/null | tr '\n' ' ')"
        return 0
    fi
    if ! grep -q "wrote and read back" "$WORK/hello.out" ||
       { [ "$cb" = 1 ] && ! grep -q "wrote and read back" "$WORK/pair-b.out"; }; then
        fail "$na / $nb: hello.wasm did not do its work"
        return 0
    fi
    ra=$(printf '%s\n' "$r" | sed -n 1p) rb=$(printf '%s\n' "$r" | sed -n 2p)
    row "$na" "$ra"
    row "$nb" "$rb"
    set -- $ra
    eval "start_$ka=$1 scpu_$ka=$4"
    set -- $rb
    eval "start_$kb=$1 scpu_$kb=$4"
}
start_cold="" start_warm="" scpu_cold="" scpu_warm="" start_node="" scpu_node="" start_true="" scpu_true=""
start_warm_shm="" scpu_warm_shm="" start_true_shm="" scpu_true_shm=""
HELLO_ARGS="--dir $WORK/hello-data::/data --env GREETING=bench $WORK/hello.wasm a b"
say "   (rows in pairs are measured interleaved: A, B, A, B...)"
# shellcheck disable=SC2086
pair cold "cold: default tier, empty cache (baseline)" "$WORK/empty-cache" \
    node "reference: node (V8), run-node.mjs" 1 \
    "$WP" run $HELLO_ARGS ::: node --no-warnings "$CORE/run-node.mjs" --dir "$WORK/hello-data::/data" \
    --env GREETING=bench "$WORK/hello.wasm" a b
if [ -n "$(ls -A "$WORK/empty-cache")" ]; then
    fail "cold start: a run on the default tier wrote to the cache, so later runs were not cold"
fi
if "$WP" compile "$WORK/hello.wasm" -o "$WORK/hello.cwasm" >/dev/null 2>"$WORK/hello-compile.err" &&
   WASMPLUG_CACHE_DIR=$WORK/warm-cache "$WP" compile "$WORK/hello.wasm" >/dev/null 2>>"$WORK/hello-compile.err"; then
    # shellcheck disable=SC2086
    pair warm "warm: optimized tier, cached" "$WORK/warm-cache" \
        true "reference: /bin/true (process start floor)" 0 \
        "$WP" run --tier optimized $HELLO_ARGS ::: /bin/true
    # shellcheck disable=SC2086
    # The same pair with the guest's directory on tmpfs, for information
    # (the goal row is the one above): hello.wasm truncates and rewrites
    # /data/hello.txt, and on a file system mounted with `discard` (ext4
    # here) that truncate waits for the device; this row shows how much of
    # the ratio is the disk's rather than the runtime's.
    shm=""
    if [ -d /dev/shm ] && [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
        shm=$(mktemp -d /dev/shm/wasmplug-bench.XXXXXX 2>/dev/null) || shm=""
    fi
    if [ -n "$shm" ]; then
        # shellcheck disable=SC2086
        pair warm_shm "warm: optimized tier, cached, --dir on tmpfs" "$WORK/warm-cache" \
            true_shm "reference: /bin/true" 0 \
            "$WP" run --tier optimized --dir "$shm::/data" --env GREETING=bench "$WORK/hello.wasm" a b ::: /bin/true
        rm -rf "$shm"
    fi
    # shellcheck disable=SC2086
    start auto "warm: default tier, cached (auto)" "$WORK/warm-cache" "$WP" run $HELLO_ARGS
    start artifact "warm: artifact from wasmplug compile -o" "$WORK/empty-cache" "$WP" run --allow-precompiled \
        --dir "$WORK/hello-data::/data" --env GREETING=bench "$WORK/hello.cwasm" a b
else
    fail "wasmplug compile hello.wasm: $(head -3 "$WORK/hello-compile.err" | tr '\n' ' ')"
fi

# ------------------------------------------- a 14 MB JavaScript component
# bench/js/hello.js made a wasi:cli command by componentize-js (tools/npm,
# installed with jco; StarlingMonkey: 13 MB of wasm), built at bench time
# into BUILD_DIR/bench/js, never into the source tree.  Rows (issue 18):
#   warm: optimized code cached (compiled once by `wasmplug compile`, kept
#         in BUILD_DIR/bench/js/cache-opt across bench runs: minutes of cc);
#   baseline: its first run (empty cache: translate + tcc, in units) and
#         every run after (the baseline's units cached).
# Time to first output = the whole process (it prints one line and exits).
JSW=$BUILD/bench/js
js_warm="" js_base="" js_first="" js_cwarm="" js_cbase="" js_hot_wall="" js_hot_cpu="" js_hot_rss=""
mkdir -p "$JSW"
js_stamp="$(cat "$ROOT/bench/js/hello.js" "$ROOT/bench/js/compute.js" "$ROOT/bench/js/build.mjs" "$ROOT/tools/componentize-js.mjs" "$ROOT/tools/npm/package-lock.json" 2>/dev/null | cksum)"
say ""
if [ ! -f "$JSW/hello-js.wasm" ] || [ "$(cat "$JSW/stamp" 2>/dev/null)" != "$js_stamp" ]; then
    rm -f "$JSW/hello-js.wasm" "$JSW/compute-js.wasm" "$JSW/stamp"
    rm -rf "$JSW/cache-opt"
    rc=0
    node "$ROOT/bench/js/build.mjs" "$ROOT" "$JSW/hello-js.wasm" "$JSW/work" >"$JSW/build.log" 2>&1 || rc=$?
    if [ $rc -eq 0 ]; then
        node "$ROOT/bench/js/build.mjs" "$ROOT" "$JSW/compute-js.wasm" "$JSW/work-compute" compute.js \
            >"$JSW/build-compute.log" 2>&1 || rc=$?
    fi
    if [ $rc -eq 0 ]; then
        printf '%s\n' "$js_stamp" >"$JSW/stamp"
    elif [ $rc -eq 3 ]; then
        say "-- 14 MB JavaScript component: SKIPPED: $(head -1 "$JSW/build.log")"
    else
        fail "componentize-js could not build bench/js/hello.js: $(grep -v '^ *at ' "$JSW/build.log" | head -4 | tr '\n' ' ')"
    fi
fi
if [ -f "$JSW/hello-js.wasm" ]; then
    say "-- a JavaScript component: bench/js/hello.js by componentize-js, $(size "$JSW/hello-js.wasm") bytes; process wall time"
    js_row() { # NAME RUNS CACHE ARGS...
        name=$1 runs=$2 cache=$3
        shift 3
        if ! r=$(WASMPLUG_CACHE_DIR=$cache "$TIMEIT" "$runs" "$JSW/out.txt" "$WP" run "$@" "$JSW/hello-js.wasm"); then
            fail "$name: the run failed: $(head -3 "$JSW/out.txt.err" | tr '\n' ' ')"
            return 1
        fi
        if ! grep -q "hello from JavaScript: 1 4 9" "$JSW/out.txt"; then
            fail "$name: wrong output: $(head -2 "$JSW/out.txt" | tr '\n' ' ')"
            return 1
        fi
        set -- $r
        awk -v n="$name" -v w="$1" -v lo="$2" -v hi="$3" -v c="$4" \
            'BEGIN { printf "   %-44s %7.3f s  (min %6.3f, max %6.3f)   cpu %6.3f s\n", n, w, lo, hi, c }'
        row_wall=$1 row_cpu=$4
    }
    rm -rf "$JSW/cache-base"
    mkdir -p "$JSW/cache-base" "$JSW/cache-opt"
    if js_row "baseline, first run (empty cache)" 1 "$JSW/cache-base" --tier baseline; then
        js_first=$row_wall
        if js_row "baseline, every run after (median of 5)" 5 "$JSW/cache-base" --tier baseline; then
            js_base=$row_wall js_cbase=$row_cpu
        fi
    fi
    if [ -z "$(ls -A "$JSW/cache-opt")" ]; then
        say "   (compiling the optimized tier once: minutes; kept in $JSW/cache-opt for later bench runs)"
    fi
    if WASMPLUG_CACHE_DIR=$JSW/cache-opt "$WP" compile "$JSW/hello-js.wasm" >/dev/null 2>"$JSW/compile.err"; then
        if js_row "warm: optimized tier, cached (median of 5)" 5 "$JSW/cache-opt" --tier optimized; then
            js_warm=$row_wall js_cwarm=$row_cpu
        fi
    else
        fail "wasmplug compile hello-js.wasm: $(tail -3 "$JSW/compile.err" | tr '\n' ' ')"
    fi
    # Hot-first tier-up (issue 18: optimized speed on the code that matters
    # within 60 s, < 2 GB), on bench/js/compute.js (the same engine
    # computing for a while: its time is mostly the engine's code): a
    # first run with an empty cache and --tier-up, its builder told to
    # stop after the hot object (WASMPLUG_TIER_UP_HOT=only), timed as a
    # subreaper until the builder ends: "hot code ready" wall and CPU of
    # the run, the builder and its compilers, and the largest process.
    # Then the workload on three codes, interleaved round by round:
    # baseline (cache-cbase), baseline + hot object (cache-chot), whole
    # module optimized (cache-opt, where hello's compile left the units:
    # the engine's C is the same, so few units are compiled again).
    if [ -f "$JSW/compute-js.wasm" ]; then
        rm -rf "$JSW/cache-chot" "$JSW/cache-cbase"
        mkdir -p "$JSW/cache-chot" "$JSW/cache-cbase"
        if r=$(WASMPLUG_CACHE_DIR=$JSW/cache-chot WASMPLUG_TIER_UP_HOT=only WASMPLUG_JOBS=2 \
               "$TIMEIT" --reap "$JSW/hot.out" "$WP" run --tier-up "$JSW/compute-js.wasm"); then
            set -- $r
            js_hot_wall=$2 js_hot_cpu=$3 js_hot_rss=$4
            nhot=$(WASMPLUG_CACHE_DIR=$JSW/cache-chot WASMPLUG_LOG=debug "$WP" run "$JSW/compute-js.wasm" 2>&1 >/dev/null |
                   sed -n 's/.*core module 0: hot code (tier-up) for \([0-9]* of [0-9]*\) functions.*/\1/p' | head -1)
            awk -v a="$1" -v w="$2" -v c="$3" -v m="$4" -v n="${nhot:-none of ?}" 'BEGIN {
                printf "   compute.js, hot-first: first run %.2f s; hot code ready %.1f s wall, %.1f s cpu (run + builder + cc), largest process %.0f MB; hot functions of the engine: %s\n", a, w, c, m, n }'
        else
            fail "hot-first tier-up of compute-js.wasm: $(head -3 "$JSW/hot.out.err" | tr '\n' ' ')"
        fi
        WASMPLUG_CACHE_DIR=$JSW/cache-cbase "$WP" run --tier baseline "$JSW/compute-js.wasm" >/dev/null 2>&1 ||
            fail "compute-js.wasm on the baseline tier"
        WASMPLUG_CACHE_DIR=$JSW/cache-opt "$WP" compile "$JSW/compute-js.wasm" >/dev/null 2>"$JSW/compute-compile.err" ||
            fail "wasmplug compile compute-js.wasm: $(tail -3 "$JSW/compute-compile.err" | tr '\n' ' ')"
        : >"$JSW/three.txt"
        for i in 1 2 3 4 5; do
            for v in base hot opt; do
                case $v in base) c=cache-cbase t=baseline ;; hot) c=cache-chot t=auto ;; opt) c=cache-opt t=optimized ;; esac
                if r=$(WASMPLUG_CACHE_DIR=$JSW/$c "$TIMEIT" 1 "$JSW/out3.txt" "$WP" run --tier $t "$JSW/compute-js.wasm") &&
                   grep -q "^compute: " "$JSW/out3.txt"; then
                    echo "$v $r" >>"$JSW/three.txt"
                else
                    fail "compute.js, the $v run failed: $(head -3 "$JSW/out3.txt.err" | tr '\n' ' ')"
                fi
            done
        done
        for v in base hot opt; do
            med() { awk -v v="$v" -v k="$1" '$1 == v { print $k }' "$JSW/three.txt" | sort -n |
                    awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'; }
            eval "js3_${v}_w=$(med 2) js3_${v}_c=$(med 5)"
        done
        awk -v bw="$js3_base_w" -v bc="$js3_base_c" -v hw="$js3_hot_w" -v hc="$js3_hot_c" -v ow="$js3_opt_w" -v oc="$js3_opt_c" 'BEGIN {
            printf "   compute.js, interleaved (median of 5): baseline %.3f s (cpu %.3f), hot-first %.3f s (cpu %.3f), optimized %.3f s (cpu %.3f)\n", bw, bc, hw, hc, ow, oc
            if (bc > oc) printf "   hot-first gets %.0f%% of the optimized tier'"'"'s cpu gain over the baseline\n", 100 * (bc - hc) / (bc - oc) }'
    fi
fi

# ---------------------------------------------------------------- targets
# Benchmarks, not tests: a missed target is reported, not failed.
target() { # DESCRIPTION AWK-CONDITION(a, b) A B DETAIL
    if [ -z "$3" ] || [ -z "$4" ]; then
        say "   [ n/a  ] $1 (not measured)"
    elif awk -v a="$3" -v b="$4" "BEGIN { exit !($2) }"; then
        say "   [ met  ] $1: $5"
    else
        say "   [MISSED] $1: $5"
    fi
}
ms() { awk -v s="${1:-0}" 'BEGIN { printf "%.1f ms", s * 1000 }'; }
x() { awk -v a="${1:-0}" -v b="${2:-1}" 'BEGIN { printf "%.2fx", a / b }'; }
say ""
say "-- targets (wall-clock medians; cpu shown because a busy machine inflates wall time)"
target "optimized tier <= 1.5x native on the CPU workload" "a <= 1.5 * b" "$wall_opt" "$wall_native" \
    "$(x "$wall_opt" "$wall_native") (cpu $(x "$cpu_opt" "$cpu_native"))"
target "optimized tier <= 1.2x native on the CPU workload (issue 18; guest: clang 14's defaults)" "a <= 1.2 * b" \
    "${pair_opt:-}" 1 "cpu $(x "${pair_opt:-0}" 1) paired by round over $GOAL_RUNS rounds ($RUNS-round medians: cpu $(x "$cpu_opt" "$cpu_native"), wall $(x "$wall_opt" "$wall_native"))"
target "optimized tier <= 1.2x native on the CPU workload (issue 18; guest: $WASM_NEW_FEATURES)" "a <= 1.2 * b" \
    "${pair_optnew:-}" 1 "cpu $(x "${pair_optnew:-0}" 1) paired by round over $GOAL_RUNS rounds ($RUNS-round medians: cpu $(x "$cpu_optnew" "$cpu_native"), wall $(x "$wall_optnew" "$wall_native"))"
target "optimized tier faster than node on the CPU workload" "a < b" "$wall_opt" "$wall_node" \
    "$(x "$wall_opt" "$wall_node") of node's time (cpu $(x "$cpu_opt" "$cpu_node"), node's includes its compiler threads)"
target "optimized tier faster than wasm2c's C on the optimized tier" "a <= b" "$cpu_opt" "$cpu_w2copt" \
    "$(x "$cpu_opt" "$cpu_w2copt") of its cpu time"
target "baseline tier faster than wasm2c's C on the baseline tier" "a <= b" "$cpu_base" "$cpu_w2cbase" \
    "$(x "$cpu_base" "$cpu_w2cbase") of its cpu time"
target "fuel metering costs the optimized tier <= 1.3x (same run)" "a <= 1.3 * b" "$cpu_optfuel" "$cpu_opt" \
    "$(x "$cpu_optfuel" "$cpu_opt") of its cpu time without fuel (wall $(x "$wall_optfuel" "$wall_opt"))"
target "SIMD build faster than the scalar build (optimized tier)" "a < b" "$simd_opt_v" "$simd_opt_s" \
    "speedup $(x "$simd_opt_s" "$simd_opt_v") (cpu)"
target "optimized compile of SQLite <= 0.4x a native cc -O2 -c sqlite3.c (same run)" "a <= 0.4 * b" \
    "$sq_pair_wall" 1 "$(x "${sq_pair_wall:-0}" 1) wall, cpu $(x "${sq_pair_cpu:-0}" 1), paired by round (the single pair above: $(x "$sq_opt_wall" "$sq_cc_wall") wall, cpu $(x "$sq_opt_cpu" "$sq_cc_cpu"))"
target "14 MB component's optimized compile in minutes (< 15 min wall)" "a < 900" "${js_wall:-}" 1 \
    "$(awk -v s="${js_wall:-0}" 'BEGIN { printf "%.1f min", s / 60 }')"
target "14 MB component's optimized compile < 2 GB per process" "a < 2048" "${js_rss:-}" 1 "${js_rss:-?} MB"
target "cold start (empty cache, baseline) < 150 ms" "a < 0.150" "$start_cold" 0 \
    "$(ms "$start_cold") (cpu $(ms "$scpu_cold"))"
target "warm start (optimized, cached) < 10 ms" "a < 0.010" "$start_warm" 0 \
    "$(ms "$start_warm") (cpu $(ms "$scpu_warm"))"
# Issue 18's goals, as ratios to references measured in the same run.
target "cold start (empty cache) <= 0.15x node running the same module" "a <= 0.15 * b" "$start_cold" "$start_node" \
    "$(x "$start_cold" "$start_node") of node's time (cpu $(x "$scpu_cold" "$scpu_node"))"
target "warm start (optimized, cached) <= 1.6x /bin/true" "a <= 1.6 * b" "$start_warm" "$start_true" \
    "$(x "$start_warm" "$start_true") (cpu $(x "$scpu_warm" "$scpu_true"))"
if [ -n "$start_warm_shm" ]; then
    say "   [ info ] the same with the guest's --dir on tmpfs: $(x "$start_warm_shm" "$start_true_shm") (cpu $(x "$scpu_warm_shm" "$scpu_true_shm"))"
fi

target "14 MB JS component, warm (optimized, cached): first output <= 0.15 s" "a <= 0.150" "$js_warm" 0 \
    "$(awk -v s="${js_warm:-0}" 'BEGIN { printf "%.3f s", s }') (cpu $(awk -v s="${js_cwarm:-0}" 'BEGIN { printf "%.3f s", s }'))"
target "14 MB JS component: hot-first code ready within 60 s of a first run (empty cache)" "a <= 60" "$js_hot_wall" 0 \
    "$(awk -v s="${js_hot_wall:-0}" -v c="${js_hot_cpu:-0}" 'BEGIN { printf "%.1f s (cpu %.1f s)", s, c }')"
target "14 MB JS component: hot-first build < 2 GB per process" "a < 2048" "$js_hot_rss" 1 "${js_hot_rss:-?} MB"
target "14 MB JS component, baseline tier, every run after the first <= 2 s" "a <= 2" "$js_base" 0 \
    "$(awk -v s="${js_base:-0}" 'BEGIN { printf "%.3f s", s }') (cpu $(awk -v s="${js_cbase:-0}" 'BEGIN { printf "%.3f s", s }'); first run $(awk -v s="${js_first:-0}" 'BEGIN { printf "%.2f s", s }'))"

# -------------------------------------------------- other layers' benches
for exe in "$BUILD"/bench/*/bench_*; do
    # Programs only: not the .wasm modules or .so plugins benches build.
    case $(basename "$exe") in *.*) continue ;; esac
    [ -f "$exe" ] && [ -x "$exe" ] || continue
    say ""
    say "-- $(basename "$(dirname "$exe")")/$(basename "$exe")"
    rc=0
    "$exe" || rc=$?
    [ $rc -eq 0 ] || fail "$exe exited with status $rc"
done

say ""
say "bench: finished in $(($(date +%s) - t_begin)) s"
if [ $failed -ne 0 ]; then
    say "bench: FAILED (see FAIL lines above)"
    exit 1
fi
