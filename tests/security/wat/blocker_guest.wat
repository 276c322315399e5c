;; A core-module guest of blocker.so: `--invoke read` / `--invoke poll`.
(module
  (import "test:blocker/api@1.0.0" "block-read" (func $read (result i32)))
  (import "test:blocker/api@1.0.0" "block-poll" (func $poll (result i32)))
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
  (func (export "read") (result i32) (call $read))
  (func (export "poll") (result i32) (call $poll)))
