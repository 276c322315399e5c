# lib.sh — helpers shared by the security tests' scripts (sourced).
# Each script sets W (the wasmplug binary) and calls `finish` at the end.
pass=0 fail=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wp-security.XXXXXX") || exit 1
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
bad() {
  fail=$((fail + 1))
  echo "FAIL $*"
}

# expect NAME STATUS PATTERN CMD...: runs CMD (stdin from /dev/null unless
# redirected by the caller), bounded by 20 s so that a hang fails instead
# of stalling ctest; checks the exit status and that the combined output
# matches PATTERN (grep -E; an empty PATTERN checks the status only).
expect() {
  local name=$1 want=$2 pat=$3
  shift 3
  timeout -k 2 20 "$@" >"$tmp/out" 2>&1
  local got=$?
  if [ "$got" = "$want" ] && { [ -z "$pat" ] || grep -Eq -- "$pat" "$tmp/out"; }; then
    ok
  else
    bad "$name: status $got (want $want), output:"
    sed 's/^/    /' "$tmp/out" | head -20
    echo "    (wanted /$pat/)"
  fi
}

# refute NAME PATTERN: the last expect's output must not match PATTERN.
refute() {
  if grep -Eq -- "$2" "$tmp/out"; then
    bad "$1: output matches /$2/:"
    sed 's/^/    /' "$tmp/out" | head -20
  else
    ok
  fi
}

finish() {
  echo "$pass passed, $fail failed"
  [ "$fail" = 0 ]
}
