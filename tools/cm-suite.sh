#!/bin/sh
# Runs the Component Model's reference tests (WebAssembly/component-model,
# test/**/*.wast: someone else's suite, fetched outside the repository and
# never committed) against wasmplug on each tier, and prints the counts per
# script and in total.
#
#   sh tools/cm-suite.sh BUILD_DIR SUITE_TEST_DIR OUT_DIR [TIERS]
#
# TIERS is "baseline optimized" by default.  Each script is split by
# tools/wast-split.mjs --suite into OUT_DIR/split/NAME and run by
# BUILD_DIR/tests/async/run_wast --suite (see both for what counts: a trap
# or refusal passes whatever its message, the messages that differ are
# counted apart, and what the splitter cannot convert is n/a, never a pass).
# Each run's output is in OUT_DIR/TIER/NAME.log.
set -u
build=$1 suite=$2 out=$3
tiers=${4:-baseline optimized}
here=$(cd "$(dirname "$0")" && pwd)
runner=$build/tests/async/run_wast
[ -x "$runner" ] || { echo "cm-suite: no $runner (build first)" >&2; exit 2; }
mkdir -p "$out/split" "$out/cache"
find "$suite" -name '*.wast' | sort > "$out/scripts"
for tier in $tiers; do
  mkdir -p "$out/$tier"
  : > "$out/$tier.summary"
done
while read -r w; do
  name=$(echo "${w#$suite/}" | sed 's|/|__|g; s|\.wast$||')
  rm -rf "$out/split/$name"
  if ! node "$here/wast-split.mjs" --suite "$w" "$out/split/$name" 2> "$out/split/$name.err"; then
    for tier in $tiers; do echo "$name: split failed: $(head -c 300 "$out/split/$name.err")" >> "$out/$tier.summary"; done
    continue
  fi
  for tier in $tiers; do
    timeout 300 "$runner" "$out/split/$name" "$out/cache" --tier "$tier" --suite > "$out/$tier/$name.log" 2>&1
    rc=$?
    line=$(grep ' commands, ' "$out/$tier/$name.log" | tail -1)
    [ -n "$line" ] || line="$out/split/$name: crashed or timed out (status $rc)"
    echo "$line" | sed "s|^$out/split/||" >> "$out/$tier.summary"
  done
done < "$out/scripts"
for tier in $tiers; do
  echo "== $tier"
  cat "$out/$tier.summary"
  awk -v t="$tier" '/ commands, / { c += $2; f += $4; n += $6; m += $8; next } { bad++ }
    END { printf "%s: %d commands, %d failures, %d n/a, %d messages differ; %d scripts did not finish\n", t, c, f, n, m, bad }' "$out/$tier.summary"
done
