#!/bin/sh
# run-case.sh WASMPLUG TIER GUESTS CASE [WRAPPER]
#
# Runs one WASI test case: `WASMPLUG run --tier TIER ...` on a guest from the
# GUESTS directory (built from tests/wasi/guests/*.c), with the stdin, args,
# --dir and --env the case needs, and asserts on stdout, stderr, exit status
# and — for file-system cases — on what the guest left in the host's
# directories.  Prints what differed and exits 1 on failure.
#
# CASE-walk runs CASE under WRAPPER (no_openat2), where openat2 fails with
# ENOSYS, so that every path goes through the OS layer's portable walk.
set -u
WP=$1 TIER=$2 G=$3 CASE=$4 WRAP=${5:-}
NAME=$CASE
case $CASE in
*-walk)
    CASE=${CASE%-walk}
    [ -n "$WRAP" ] || { echo "run-case.sh: $NAME needs the WRAPPER argument"; exit 2; }
    ;;
conform-sock)
    [ -n "$WRAP" ] || { echo "run-case.sh: $NAME needs the WRAPPER argument"; exit 2; }
    ;;
*) WRAP= ;;
esac

T=$(mktemp -d "${TMPDIR:-/tmp}/wasi-test.XXXXXX") || exit 1
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT INT TERM

fail() {
    echo "FAIL [wasi.$NAME.$TIER]: $*"
    echo "--- stdout:"; cat "$T/out" 2>/dev/null
    echo "--- stderr:"; cat "$T/err" 2>/dev/null
    exit 1
}

# run STDIN [wasmplug run options and args...]: runs the guest, records
# stdout, stderr (without the optimized tier's progress line) and status.
run() {
    stdin=$1; shift
    if [ -n "$WRAP" ]; then
        "$WRAP" "$WP" run --tier "$TIER" "$@" <"$stdin" >"$T/out" 2>"$T/err.raw"
    else
        "$WP" run --tier "$TIER" "$@" <"$stdin" >"$T/out" 2>"$T/err.raw"
    fi
    status=$?
    grep -v '^wasmplug: compiling .*(\(baseline\|optimized\) tier)' "$T/err.raw" >"$T/err"
}

expect_status() {
    [ "$status" = "$1" ] || fail "exit status $status, expected $1"
}
# stdout must be exactly the text on stdin (a heredoc).
expect_stdout() {
    cat >"$T/want"
    diff -u "$T/want" "$T/out" >"$T/diff" || { cat "$T/diff"; fail "stdout differs"; }
}
expect_stderr() {
    cat >"$T/want"
    diff -u "$T/want" "$T/err" >"$T/diff" || { cat "$T/diff"; fail "stderr differs"; }
}
expect_stdout_has() {
    grep -qxF -- "$1" "$T/out" || fail "stdout lacks the line '$1'"
}
expect_stderr_has() {
    grep -qF -- "$1" "$T/err" || fail "stderr lacks '$1'"
}
# A load error: exactly one line on stderr, naming the file.
expect_one_line_error() {
    expect_status 1
    [ "$(wc -l <"$T/err")" = 1 ] || fail "expected exactly one line on stderr"
    grep -qF -- "$1" "$T/err" || fail "the error does not name '$1'"
    grep -q 'error' "$T/err" || fail "the message does not say error"
    [ ! -s "$T/out" ] || fail "expected no stdout"
}
expect_file() { # PATH CONTENT
    [ -f "$1" ] || fail "host file $1 is missing"
    [ "$(cat "$1")" = "$2" ] || fail "host file $1 holds '$(cat "$1")', expected '$2'"
}

trap_case() { # GUEST-ARG KIND
    run /dev/null "$G/trap.wasm" "$1"
    expect_status 134
    expect_stdout_has "about to trap: $1"
    expect_stderr_has "error: wasm trap: $2"
    # one line of error, then the backtrace (issue 19), down to main
    # (a stack overflow's shows its innermost frames only)
    grep -q '^wasm backtrace:$' "$T/err" && grep -q -e ' - trap.wasm!main$' -e 'more frames not shown' "$T/err" ||
        fail "expected a backtrace down to main"
    [ "$(grep -vc -e '^wasm backtrace:$' -e '^ *[0-9]*: *0x[0-9a-f]* - ' -e 'more frames not shown' "$T/err")" = 1 ] ||
        fail "expected one line on stderr besides the backtrace"
}

exit_case() { # HOW CODE
    run /dev/null "$G/exit.wasm" "$1" "$2"
    expect_status "$2"
    expect_stdout <<EOF
leaving with $2 via $1
EOF
}

make_input() { # LINES: deterministic text, ~65 bytes a line
    i=0
    while [ $i -lt "$1" ]; do
        echo "line $i: the quick brown fox jumps over the lazy dog, twice over."
        i=$((i + 1))
    done
}

# A valid module to corrupt for the invalid-module cases.
VALID="$G/hello.wasm"

case $CASE in
hello)
    run /dev/null "$G/hello.wasm"
    expect_status 0
    expect_stdout <<'EOF'
hello, world
EOF
    expect_stderr <<'EOF'
hello, stderr
EOF
    ;;
args)
    run /dev/null "$G/args.wasm" one "two words" "" --not-an-option "ünï"
    expect_status 0
    expect_stdout <<'EOF'
argc=6
argv[1]=[one]
argv[2]=[two words]
argv[3]=[]
argv[4]=[--not-an-option]
argv[5]=[ünï]
EOF
    ;;
env)
    # Only what --env gives: NAME=VALUE, NAME (host's value), a NAME the
    # host lacks (nothing), and none of the host's other variables.
    export HOME=/home/tester SECRET_HOST_VAR=leak
    unset WASI_TEST_REALLY_UNSET
    run /dev/null --env FOO=bar --env "SPACED=a b=c" --env HOME \
        --env WASI_TEST_REALLY_UNSET --env FOO=again "$G/env.wasm"
    expect_status 0
    expect_stdout <<'EOF'
FOO=again
SPACED=a b=c
HOME=/home/tester
count=3
HOME is set
EOF
    ;;
env-none)
    export HOME=/home/tester
    run /dev/null "$G/env.wasm"
    expect_status 0
    expect_stdout <<'EOF'
count=0
HOME is unset
EOF
    ;;
stdin)
    # 100 kB in, the same 100 kB out, read in odd-sized chunks.
    make_input 1000 >"$T/in"
    run "$T/in" "$G/cat.wasm"
    expect_status 0
    cmp -s "$T/in" "$T/out" || fail "stdout is not stdin"
    expect_stderr <<EOF
read $(wc -c <"$T/in" | tr -d ' ') bytes
EOF
    ;;
stdout-closed)
    # The reader goes away after 10 bytes: the guest's next write must fail
    # with EPIPE (the guest reports it and exits 1) instead of SIGPIPE
    # killing the host (status 141).
    make_input 20000 >"$T/in"  # 1.3 MB: far more than a pipe buffers
    { "$WP" run --tier "$TIER" "$G/cat.wasm" <"$T/in" 2>"$T/err"
      echo $? >"$T/status"; } | head -c 10 >"$T/out"
    status=$(cat "$T/status")
    expect_status 1
    expect_stderr_has "write: Broken pipe"
    [ "$(cat "$T/out")" = "line 0: th" ] || fail "the reader got the wrong bytes"
    ;;
stdio-flags)
    # The guest makes its stdin non-blocking and its stdout append-only.
    # Those open files are the caller's (here: this shell's fds 5 and 6):
    # their flags must be back as they were once wasmplug is done.
    make_input 10 >"$T/in"
    exec 5<"$T/in" 6>"$T/out"
    before5=$(grep '^flags' /proc/$$/fdinfo/5) before6=$(grep '^flags' /proc/$$/fdinfo/6)
    "$WP" run --tier "$TIER" "$G/nonblock.wasm" <&5 >&6 2>"$T/err.raw"
    status=$?
    after5=$(grep '^flags' /proc/$$/fdinfo/5) after6=$(grep '^flags' /proc/$$/fdinfo/6)
    exec 5<&- 6>&-
    grep -v '^wasmplug: compiling .*(\(baseline\|optimized\) tier)' "$T/err.raw" >"$T/err"
    expect_status 0
    expect_stdout_has "flags changed"
    [ "$before5" = "$after5" ] || fail "stdin flags went from '$before5' to '$after5'"
    [ "$before6" = "$after6" ] || fail "stdout flags went from '$before6' to '$after6'"
    ;;
stdin-empty)
    run /dev/null "$G/cat.wasm"
    expect_status 0
    [ ! -s "$T/out" ] || fail "expected no stdout"
    expect_stderr <<'EOF'
read 0 bytes
EOF
    ;;
exit-return-0) exit_case return 0 ;;
exit-return-3) exit_case return 3 ;;
exit-exit-0) exit_case exit 0 ;;
exit-exit-3) exit_case exit 3 ;;
exit-exit-255) exit_case exit 255 ;;
exit-proc_exit-0) exit_case proc_exit 0 ;;
exit-proc_exit-3) exit_case proc_exit 3 ;;
exit-proc_exit-255) exit_case proc_exit 255 ;;
fs|fs-mapped)
    mkdir "$T/box"
    echo "from the host" >"$T/box/in.txt"
    if [ "$CASE" = fs ]; then
        run /dev/null --dir "$T/box" "$G/fs.wasm" "$T/box"
    else
        run /dev/null --dir "$T/box::/data" "$G/fs.wasm" /data
    fi
    expect_status 0
    expect_stdout <<'EOF'
read in.txt
wrote out.txt
file ops ok
fd ops ok
stat ok
links ok
readdir ok
remove ok
fs: all checks passed
EOF
    expect_file "$T/box/out.txt" "written by the guest"
    expect_file "$T/box/in.txt" "from the host"
    [ "$(ls "$T/box" | tr '\n' ' ')" = "in.txt out.txt " ] ||
        fail "the guest left $(ls "$T/box")"
    ;;
escape)
    mkdir -p "$T/box/sub"
    echo secret >"$T/outside.txt"
    echo inside >"$T/box/inside.txt"
    (
        cd "$T/box" || exit 1
        ln -s sub/../inside.txt link_in &&
        ln -s ../inside.txt sub/up &&
        ln -s sub/up chain_ok &&
        ln -s /etc link_out_abs &&
        ln -s "$T/outside.txt" link_out_abs_file &&
        ln -s .. link_up &&
        ln -s ../outside.txt link_up_file &&
        ln -s sub/chain2 chain1 &&
        ln -s ../../outside.txt sub/chain2 &&
        ln -s ../link_up sub/chain_up &&
        ln -s loop2 loop1 &&
        ln -s loop1 loop2
    ) || fail "could not set up the sandbox"
    run /dev/null --dir "$T/box::/box" "$G/escape.wasm" /box "$T/outside.txt"
    expect_status 0
    expect_stdout <<EOF
open ../outside.txt: Capabilities insufficient
open sub/../../outside.txt: Capabilities insufficient
open ..: Capabilities insufficient
open /etc/passwd: Capabilities insufficient
open $T/outside.txt: Capabilities insufficient
open link_out_abs: Capabilities insufficient
open link_out_abs/passwd: Capabilities insufficient
open link_out_abs_file: Capabilities insufficient
open link_up/outside.txt: Capabilities insufficient
open link_up_file: Capabilities insufficient
open chain1: Capabilities insufficient
open sub/chain_up/outside.txt: Capabilities insufficient
open inside.txt: ok
open link_in: ok
open sub/up: ok
open chain_ok: ok
open sub/../inside.txt: ok
open loop1: Symbolic link loop
open link_out_abs nofollow: Symbolic link loop
stat link_out_abs follow: Capabilities insufficient
stat link_out_abs nofollow: ok
stat ..: Capabilities insufficient
mkdir ../evil: Capabilities insufficient
mkdir link_up/evil: Capabilities insufficient
create link_up/evil.txt: Capabilities insufficient
create via link_out_abs_file: Capabilities insufficient
rename to ../stolen: Capabilities insufficient
link to link_up/hard: Capabilities insufficient
symlink to /etc/passwd: Capabilities insufficient
unlink link_up/outside.txt: Capabilities insufficient
rmdir ../box: Capabilities insufficient
readlink link_out_abs: ok
libc open /etc/passwd: Capabilities insufficient
libc open GUESTDIR/../outside.txt: Capabilities insufficient
libc open GUESTDIR/link_up_file: Capabilities insufficient
0 mismatches
EOF
    # Nothing outside the box changed.
    expect_file "$T/outside.txt" secret
    expect_file "$T/box/inside.txt" inside
    for f in evil evil.txt stolen hard; do
        [ ! -e "$T/$f" ] || fail "the guest created $T/$f outside its preopen"
    done
    [ ! -e "$T/box/newlink" ] || fail "an absolute symlink was created"
    ;;
readonly)
    mkdir -p "$T/ro/sub" "$T/rw"
    echo "from the host" >"$T/ro/in.txt"
    run /dev/null --dir-ro "$T/ro::/ro" --dir "$T/rw::/rw" \
        "$G/readonly.wasm" /ro /rw
    expect_status 0
    expect_stdout <<'EOF'
readonly: all checks passed
EOF
    expect_file "$T/ro/in.txt" "from the host"
    [ "$(ls "$T/ro" | tr '\n' ' ')" = "in.txt sub " ] ||
        fail "the read-only dir changed: $(ls "$T/ro")"
    [ "$(ls "$T/rw" | tr '\n' ' ')" = "w.txt " ] ||
        fail "the writable dir holds: $(ls "$T/rw")"
    ;;
clock-random)
    run /dev/null "$G/clock.wasm"
    expect_status 0
    expect_stdout <<'EOF'
clocks ok
nanosleep ok
poll_oneoff clocks ok
random ok
clock: all checks passed
EOF
    ;;
poll-stdin)
    # stdin stays empty until the guest says its first poll (stdin + a
    # 100 ms clock) timed out; then it gets "ping", which the second poll
    # (stdin alone) must see.  No sleeps decide the outcome.
    mkfifo "$T/fifo" || fail "mkfifo"
    (
        i=0
        while ! grep -q 'timed out first' "$T/out" 2>/dev/null; do
            i=$((i + 1)); [ $i -lt 1200 ] || break  # 60 s: give up
            sleep 0.05
        done
        echo ping
    ) >"$T/fifo" &
    run "$T/fifo" "$G/pollin.wasm"
    wait
    expect_status 0
    expect_stdout <<'EOF'
timed out first
stdin ready: ping
pollin: all checks passed
EOF
    ;;
hostile)
    mkdir "$T/hb"
    run /dev/null --dir "$T/hb::/hb" "$G/hostile.wasm"
    expect_status 0
    expect_stdout_has "0 mismatches"
    ;;
fuzz)
    # Thousands of calls with random arguments, three seeds: every one must
    # come back as an errno, and nothing outside the preopen may change.
    echo secret >"$T/outside.txt"
    for seed in 1 2 3; do
        rm -rf "$T/box" && mkdir "$T/box" || fail "setup"
        run /dev/null --dir "$T/box::/box" "$G/fuzz.wasm" $seed 2500
        expect_status 0
        grep -q '^ok: ' "$T/out" || fail "seed $seed: no summary"
        [ ! -s "$T/err" ] || fail "seed $seed: unexpected stderr"
        expect_file "$T/outside.txt" secret
        [ "$(ls "$T" | grep -v -e '^box$' -e '^outside.txt$' -e '^err' -e '^out$' -e '^want$' -e '^diff$')" = "" ] ||
            fail "seed $seed: something appeared outside the preopen: $(ls "$T")"
    done
    ;;
conform-stdio)
    # stdin /dev/null (a character device, not a terminal), stdout a file,
    # stderr a pipe.
    mkdir "$T/box"
    { "$WP" run --tier "$TIER" --dir "$T/box::/box" "$G/conform.wasm" p1 stdio \
        </dev/null >"$T/out"; echo $? >"$T/status"; } 2>&1 | cat >"$T/err.raw"
    status=$(cat "$T/status")
    grep -v '^wasmplug: compiling .*(\(baseline\|optimized\) tier)' "$T/err.raw" >"$T/err"
    expect_status 0
    expect_stdout_has "stdio ok"
    ;;
conform-tty)
    # stdio on a pseudo-terminal, from script(1) (util-linux, always there
    # on Debian: bsdutils is essential)
    command -v script >/dev/null || fail "script(1) is needed (package bsdutils)"
    mkdir "$T/box"
    script -qec "'$WP' run --tier '$TIER' --dir '$T/box::/box' '$G/conform.wasm' p1 tty" /dev/null \
        </dev/null >"$T/out.raw" 2>"$T/err"
    status=$?
    tr -d '\r' <"$T/out.raw" | grep -v '^wasmplug: compiling .*(\(baseline\|optimized\) tier)' >"$T/out"
    expect_status 0
    expect_stdout_has "tty ok"
    ;;
conform-sock)
    # stdin is a connected socket whose other end tests/wasi/sockpeer.c
    # plays (the WRAPPER argument is its path here)
    mkdir "$T/box"
    "$WRAP" "$WP" run --tier "$TIER" --dir "$T/box::/box" "$G/conform.wasm" p1 sock \
        >"$T/out" 2>"$T/err.raw"
    status=$?
    grep -v '^wasmplug: compiling .*(\(baseline\|optimized\) tier)' "$T/err.raw" >"$T/err"
    expect_status 0
    expect_stdout_has "sock ok"
    ;;
conform-sizes)
    mkdir "$T/box"
    run /dev/null --dir "$T/box::/box" --env EMPTY= --env A=b "$G/conform.wasm" p1 sizes "" x
    expect_status 0
    expect_stdout_has "sizes ok"
    ;;
conform-hosttimes)
    mkdir "$T/box"
    printf hello >"$T/box/old"; printf hello >"$T/box/new"
    touch -m -a -d '1969-07-20 00:00:00 UTC' "$T/box/old" &&
        touch -m -d '@1893456000' "$T/box/new" || fail "touch"
    run /dev/null --dir "$T/box::/box" "$G/conform.wasm" p1 hosttimes
    expect_status 0
    expect_stdout_has "hosttimes ok"
    ;;
conform-*)
    # One behaviour of guests/conform.c in an empty preopen; nothing may be
    # left behind.
    mkdir "$T/box"
    run /dev/null --dir "$T/box::/box" "$G/conform.wasm" p1 "${CASE#conform-}"
    expect_status 0
    expect_stdout_has "${CASE#conform-} ok"
    [ -z "$(ls -A "$T/box")" ] || fail "left behind: $(ls -A "$T/box")"
    ;;
dup-import)
    # The same function (and global) imported twice, as AssemblyScript
    # output does: one definition serves both.
    run /dev/null "$G/dupimport.wasm"
    expect_status 0
    expect_stdout <<'EOF'
twice
twice
EOF
    ;;
dup-import-mismatch)
    # Imported twice with different types: no definition can satisfy both;
    # a clean one-line error, not a compiler failure or a crash.
    run /dev/null "$G/dupmismatch.wasm"
    expect_one_line_error "dupmismatch.wasm"
    expect_stderr_has "wasi_snapshot_preview1.fd_write"
    ;;
all-imports)
    run /dev/null "$G/allimports.wasm"
    expect_status 0
    expect_stdout <<'EOF'
all 46 preview1 imports linked
EOF
    ;;
trap-unreachable) trap_case unreachable "unreachable" ;;
trap-divzero) trap_case divzero "integer divide by zero" ;;
trap-overflow) trap_case overflow "integer overflow" ;;
trap-conversion) trap_case conversion "invalid conversion to integer" ;;
trap-oob) trap_case oob "memory out of bounds" ;;
trap-stack) trap_case stack "stack overflow" ;;
trap-indirect) trap_case indirect "indirect call type mismatch" ;;
trap-null) trap_case null "indirect call type mismatch" ;;
invalid-truncated)
    head -c 100 "$VALID" >"$T/truncated.wasm"
    run /dev/null "$T/truncated.wasm"
    expect_one_line_error truncated.wasm
    ;;
invalid-truncated-header)
    head -c 6 "$VALID" >"$T/short.wasm"
    run /dev/null "$T/short.wasm"
    expect_one_line_error short.wasm
    ;;
invalid-magic)
    { printf '\000asX'; tail -c +5 "$VALID"; } >"$T/badmagic.wasm"
    run /dev/null "$T/badmagic.wasm"
    expect_one_line_error badmagic.wasm
    ;;
invalid-version)
    { printf '\000asm\002\000\000\000'; tail -c +9 "$VALID"; } >"$T/badversion.wasm"
    run /dev/null "$T/badversion.wasm"
    expect_one_line_error badversion.wasm
    ;;
invalid-section-size)
    # The first section's size rewritten to 16 MiB: past the end.
    { head -c 8 "$VALID"; printf '\001\377\377\377\007'; tail -c +9 "$VALID"; } \
        >"$T/badsize.wasm"
    run /dev/null "$T/badsize.wasm"
    expect_one_line_error badsize.wasm
    ;;
invalid-section-size-short)
    # A type section claiming 1 byte but declaring more types than fit.
    { head -c 8 "$VALID"; printf '\001\001\005'; } >"$T/shortsec.wasm"
    run /dev/null "$T/shortsec.wasm"
    expect_one_line_error shortsec.wasm
    ;;
invalid-empty)
    : >"$T/empty.wasm"
    run /dev/null "$T/empty.wasm"
    expect_one_line_error empty.wasm
    ;;
missing-file)
    run /dev/null "$T/no-such.wasm"
    expect_one_line_error no-such.wasm
    ;;
missing-dir)
    run /dev/null --dir "$T/no-such-dir" "$G/hello.wasm"
    expect_one_line_error no-such-dir
    ;;
*)
    echo "run-case.sh: unknown case '$CASE'"
    exit 2
    ;;
esac
exit 0
