;; Traps for backtraces (issue 19, item 4).  The entries reach the
;; trapping functions through call_indirect, so the optimized tier's C
;; compiler cannot inline them away: each keeps a frame of its own.
(module
  (type $i2i (func (param i32) (result i32)))
  (type $v2i (func (result i32)))
  (table 4 funcref)
  (elem (i32.const 0) $inner $oob $rec)
  (memory 1)
  (func $inner (type $i2i) (i32.div_u (i32.const 10) (local.get 0)))
  (func $middle (param i32) (result i32)
    (i32.add (call_indirect (type $i2i) (local.get 0) (i32.const 0)) (i32.const 1)))
  (func $oob (type $i2i) (i32.load (i32.add (local.get 0) (i32.const 0x7ffffff0))))
  (func $rec (type $i2i)
    (i32.add (call_indirect (type $i2i) (i32.add (local.get 0) (i32.const 1)) (i32.const 2)) (i32.const 1)))
  (func $entry_div (export "div") (result i32) (call $middle (i32.const 0)))
  (func $entry_oob (export "oob") (result i32)
    (i32.add (call_indirect (type $i2i) (i32.const 0) (i32.const 1)) (i32.const 1)))
  (func $entry_rec (export "rec") (result i32) (call_indirect (type $i2i) (i32.const 0) (i32.const 2))))
