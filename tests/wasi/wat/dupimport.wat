;; The same preview1 function imported twice under two indices, as
;; AssemblyScript output does; each import is called once.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $write_a (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $write_b (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "twice\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 6))
    (if (call $write_a (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))
      (then unreachable))
    (if (call $write_b (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))
      (then unreachable))))
