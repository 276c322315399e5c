;; wasi:cli/run traps: exit status 134.
(component
  (core module $m (func (export "run") (result i32) unreachable))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $run-i (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $run-i))
)
