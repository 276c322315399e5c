;; cli.wat — a guest for `wasmplug run --plugin ... --invoke NAME`.
(module
  (import "test:plugin/api@0.1.0" "add" (func $add (param i32 i32) (result i32)))
  (import "test:plugin/api@0.1.0" "incr" (func $incr (result i32)))
  (import "test:plugin/api@0.1.0" "fail" (func $fail (param i32 i32)))
  (import "test:plugin/api@0.1.0" "[constructor]counter" (func $new (param i32) (result i32)))
  (import "test:plugin/api@0.1.0" "live-counters" (func $live (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "kaboom")
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
  (func (export "run") (result i32) (call $add (i32.const 40) (i32.const 2)))
  (func (export "incr") (result i32) (call $incr))
  (func (export "boom") (call $fail (i32.const 16) (i32.const 6)))
  ;; leaves two counters alive: the run must still exit cleanly
  (func (export "leak") (result i32)
    (drop (call $new (i32.const 1)))
    (drop (call $new (i32.const 2)))
    (call $live)))
