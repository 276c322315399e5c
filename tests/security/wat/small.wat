;; Issue 12, item 8: traps that must say what happened, and a fill that
;; must not trap.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (type $t (func))
  (table 2 funcref)
  (memory 65536)
  (func (export "call-null") (call_indirect (type $t) (i32.const 0)))
  (func (export "call-oob") (call_indirect (type $t) (i32.const 5)))
  (func (export "table-get-oob") (result i32) (ref.is_null (table.get 0 (i32.const 9))))
  (func (export "table-set-oob") (table.set 0 (i32.const 2) (ref.null func)))
  ;; the last 16 bytes of a full 4 GiB memory, then one byte past its end
  (func (export "fill-end") (result i32)
    (memory.fill (i32.const 0xfffffff0) (i32.const 7) (i32.const 16))
    (i32.load8_u (i32.const 0xffffffff)))
  (func (export "fill-past") (memory.fill (i32.const 0xfffffff0) (i32.const 7) (i32.const 17)))
  (func (export "exit-3") (call $exit (i32.const 3)))
  (func (export "exit-256") (call $exit (i32.const 256))))
