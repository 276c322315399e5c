;; One name imported with two different types: valid, but no definition can
;; ever satisfy both imports.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $bad (param i64)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 8)))
    (call $bad (i64.const 1))))
