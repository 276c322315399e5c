#!/bin/bash
# isolate_test.sh WASMPLUG PLUGIN_DIR GUEST.wasm MARK
# Issue 12, item 4: an isolated plugin cannot hurt the host.  hostile.so
# (tests/security/plugins/hostile.c) tries, from an isolated helper: to
# kill the host, stat and open its files, write to its stdout, map RWX
# memory, pass a descriptor with SCM_RIGHTS, fork, reach the network,
# create files, read the host's environment; and, in its variants, to fork
# or leave a file from an ELF constructor or from init (which must already
# run inside the complete sandbox).  In process the same calls succeed,
# which shows each attempt is real.
set -u
W=$1 P=$2 G=$3
[ $# -eq 4 ] || { echo "usage: isolate_test.sh WASMPLUG PLUGIN_DIR GUEST.wasm MARK" >&2; exit 2; }
. "$(dirname "$0")/lib.sh"
printf '#!/bin/sh\nASAN_OPTIONS=handle_segv=0:handle_abort=0:handle_sigbus=0:detect_leaks=0 exec "%s" "$@"\n' "$W" >"$tmp/helper"
chmod +x "$tmp/helper"
export WASMPLUG_EXE=$tmp/helper
H=$P/hostile.so
MARK=$4  # the path hostile.so was built to mark (one per build directory)
rm -f "$MARK"
SYS='killed by signal 31 \(Bad system call\)'

# iso OPTIONS FUNC / "$inp" FUNC: the guest calls FUNC, isolated or in process
printf '#!/bin/sh\nexec "%s" run --plugin "%s,isolate${1:+,$1}" --invoke "$2" "%s"\n' "$W" "$H" "$G" >"$tmp/iso"
printf '#!/bin/sh\nexec "%s" run --plugin "%s" --invoke "$1" "%s"\n' "$W" "$H" "$G" >"$tmp/inp"
chmod +x "$tmp/iso" "$tmp/inp"
iso=$tmp/iso inp=$tmp/inp

expect "isolated plugin works" 0 '^42$' "$iso" "" ok
# signals to the host: refused by the filter (tgkill only of its own
# threads, no kill); the host reports the helper's death and lives on
expect "kill(host)" 134 "$SYS" "$iso" "" kill-host
expect "tgkill(host)" 134 "$SYS" "$iso" "" tgkill-host
# the host's files: its root is empty (newfstatat, statx and open find nothing)
expect "stat of a host path, in process" 0 '^0$' "$inp" stat-host
expect "stat of a host path" 0 '^2$' "$iso" "" stat-host
expect "open of a host file" 0 '^2$' "$iso" "" open-host
# the host's stdout: a read-only /dev/null (EBADF), nothing printed
expect "write to stdout" 0 '^9$' "$iso" "" write-stdout
refute "nothing reached stdout" 'PWNED'
# memory writable and executable at once
expect "mmap RWX" 134 "$SYS" "$iso" "" map-rwx
expect "mprotect RWX" 134 "$SYS" "$iso" "" mprotect-rwx
expect "mmap RWX, in process" 0 '^0$' "$inp" map-rwx
# descriptors over the socket, new processes
expect "SCM_RIGHTS" 134 "$SYS" "$iso" "" send-fd
expect "fork" 134 "$SYS" "$iso" "" fork-child
# the network, even with the socket calls allowed: a namespace of its own
expect "connect, in process" 0 '^111$' "$inp" connect-out
expect "connect, isolated" 0 '^(101|13)$' "$iso" "isolate-allow=socket:connect" connect-out
# creating files (with the file calls allowed): only granted directories
expect "create a file in /tmp" 0 '^[1-9][0-9]*$' "$iso" "isolate-allow=files" write-file
[ -e "$MARK" ] && bad "the isolated plugin created $MARK" || ok
# the host's environment
export WP_SECRET=hunter2
expect "environment, in process" 0 '^1$' "$inp" secret-env
expect "environment, isolated" 0 '^0$' "$iso" "" secret-env
unset WP_SECRET

# The helper dies with the host (PR_SET_PDEATHSIG): a host killed while
# an isolated plugin blocks in a call leaves no helper behind.
BL=$P/blocker.so BLG=$(dirname "$G")/blocker_guest.wasm
"$W" run --plugin "$BL,isolate,timeout=0,isolate-allow=pipe2" --invoke read "$BLG" </dev/null >/dev/null 2>&1 &
hp=$!
hc=
for _ in $(seq 200); do
  hc=$(pgrep -P "$hp" | head -1)
  [ -n "$hc" ] && grep -q '^Seccomp:[[:space:]]*2' "/proc/$hc/status" 2>/dev/null && break
  sleep 0.05
done
if [ -z "$hc" ]; then
  bad "no helper process appeared under the host"
else
  kill -9 "$hp"
  wait "$hp" 2>/dev/null
  gone=no
  for _ in $(seq 100); do
    st=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$hc/status" 2>/dev/null)
    if [ -z "$st" ] || [ "$st" = Z ] || [ "$st" = X ]; then gone=yes; break; fi
    sleep 0.05
  done
  [ $gone = yes ] && ok || { bad "the helper $hc outlived its host"; kill -9 "$hc" 2>/dev/null; }
fi

# Constructors and init run inside the complete sandbox.
for v in ctor init; do
  expect "$v forks" 1 "handshake failed: .*$SYS" \
    "$W" run --plugin "$P/hostile_${v}_fork.so,isolate" --invoke ok "$G"
  expect "$v leaves a file" 1 "handshake failed: .*$SYS" \
    "$W" run --plugin "$P/hostile_${v}_mark.so,isolate" --invoke ok "$G"
  # with file calls allowed, the open fails (nothing of the host is writable)
  expect "$v leaves a file, files allowed" 0 '^42$' \
    "$W" run --plugin "$P/hostile_${v}_mark.so,isolate,isolate-allow=files" --invoke ok "$G"
  [ -e "$MARK" ] && bad "the $v of an isolated plugin created $MARK before its sandbox" || ok
  # in process it does (the variant is real)
  expect "$v leaves a file, in process" 0 '^42$' "$W" run --plugin "$P/hostile_${v}_mark.so" --invoke ok "$G"
  [ -e "$MARK" ] && ok || bad "the in-process $v variant did not create $MARK"
  rm -f "$MARK"
done
finish
