;; Exits with status 3 from inside a call (proc_exit): not a trap, so no
;; message and no backtrace, the status kept exactly.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func $leave (param i32) (call $proc_exit (local.get 0)))
  (func $main (export "_start") (call $leave (i32.const 3))))
