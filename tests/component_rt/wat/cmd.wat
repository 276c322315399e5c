;; A command component for the CLI tests: wasi:cli/run returns ok; other
;; exports are called with --invoke.
(component
  (core module $m
    (memory (export "memory") 1)
    (data (i32.const 64) "wasmplug")
    (data (i32.const 16) "\40\00\00\00\08\00\00\00")
    (func (export "run") (result i32) (i32.const 0))
    (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
    (func (export "name") (result i32) (i32.const 16))
    (func (export "boom") (result i32) unreachable))
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $mem))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $run-i (export "run" (func $run)))
  (export "wasi:cli/run@0.2.6" (instance $run-i))
  (func (export "add") (param "a" s32) (param "b" s32) (result s32) (canon lift (core func $i "add")))
  (func (export "name") (result string) (canon lift (core func $i "name") (memory $mem)))
  (func (export "boom") (result u32) (canon lift (core func $i "boom")))
)
