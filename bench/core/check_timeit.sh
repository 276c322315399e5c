#!/bin/sh
# ctest bench.timeit_files: wp_bench_timeit (bench/run.sh's timer) opens the
# output files itself, truncated before its clock starts, and keeps them
# open until the clock has stopped (timeit.c, run_once): truncating a file
# the previous run wrote, and ext4's write-back of such a file at its last
# close, are the timer's work, not the timed command's.
#   check_timeit.sh TIMEIT WORKDIR
set -eu
T=$1
W=$2
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
rm -rf "$W"
mkdir -p "$W"
W=$(cd "$W" && pwd -P)

# Each run's output replaces the last one's; stderr goes beside it.
printf 'a longer line that an earlier run left in the file\n' >"$W/out"
"$T" 2 "$W/out" sh -c 'echo fresh; echo err >&2' >"$W/line" || fail "timeit failed"
[ "$(cat "$W/out")" = fresh ] || fail "stdout file holds: $(cat "$W/out")"
[ "$(cat "$W/out.err")" = err ] || fail "stderr file holds: $(cat "$W/out.err")"
[ "$(wc -w <"$W/line")" -eq 5 ] || fail "expected 5 numbers, got: $(cat "$W/line")"

# While the command runs, the timer (its parent) holds both files open.
# shellcheck disable=SC2016
"$T" 1 "$W/held" sh -c '
    for f in /proc/$PPID/fd/*; do
        case "$(readlink "$f")" in
        "$0") echo out ;;
        "$0.err") echo err ;;
        esac
    done' "$W/held" >/dev/null || fail "timeit failed (held)"
[ "$(sort "$W/held" | tr '\n' ' ')" = "err out " ] ||
    fail "the timer did not hold the output files open: $(tr '\n' ' ' <"$W/held")"

# The same for --pair, each series with its own files.
"$T" --pair 2 "$W/a" "$W/b" sh -c 'echo A' ::: sh -c 'echo B' >"$W/pair" || fail "timeit --pair failed"
if [ "$(cat "$W/a")" != A ] || [ "$(cat "$W/b")" != B ]; then fail "--pair outputs: $(cat "$W/a") / $(cat "$W/b")"; fi
[ "$(wc -l <"$W/pair")" -eq 2 ] || fail "--pair: expected two lines"

# A run that fails is reported, and the timer fails.
if "$T" 1 "$W/bad" sh -c 'exit 3' 2>"$W/bad.msg"; then fail "a failing command was timed"; fi
grep -q "exited with status 3" "$W/bad.msg" || fail "no status message: $(cat "$W/bad.msg")"
# An output file that cannot be opened is reported before anything runs.
# shellcheck disable=SC2016
if "$T" 1 "$W/no/such/dir/out" sh -c 'touch "$0"' "$W/ran" 2>"$W/open.msg"; then fail "ran without its output file"; fi
[ ! -e "$W/ran" ] || fail "the command ran without its output file"
grep -q "cannot open" "$W/open.msg" || fail "no open message: $(cat "$W/open.msg")"
echo "ok"
