#!/bin/sh
# gen_deep.sh OUT.wat: a component whose types chain 30000 deep (each a list
# of the previous one), used by a lifted function that is never exported:
# the runtime's type conversion recursed once per level and crashed
# (issue 12, item 3).  Generated: 30000 lines are not worth committing.
out=$1
{
  echo '(component'
  echo '  (type $t0 (list u8))'
  i=1
  while [ $i -le 30000 ]; do echo "  (type \$t$i (list \$t$((i - 1))))"; i=$((i + 1)); done
  echo '  (core module $m (func (export "f") (param i32 i32)))'
  echo '  (core instance $i (instantiate $m))'
  echo '  (core module $l (memory (export "memory") 1) (func (export "r") (param i32 i32 i32 i32) (result i32) i32.const 0))'
  echo '  (core instance $li (instantiate $l))'
  echo '  (alias core export $li "memory" (core memory $mem))'
  echo '  (alias core export $li "r" (core func $r))'
  echo '  (func $unexported (param "x" $t30000) (canon lift (core func $i "f") (memory $mem) (realloc $r)))'
  echo ')'
} >"$out"
