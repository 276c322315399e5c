;; Each instance has its own memory 0 and reaches its peer's (pin_leaf.wat
;; or another instance of this module) by an import, through the peer's
;; table (call_indirect), and by a tail call through that table; after each
;; it reads its own memory again.  The optimized tier keeps memory 0's base
;; in a register (translate.c: pin_block): every way into an instance must
;; set it, every way back must restore the caller's.  Results are
;; peer * 1000 + own, the values at address 0 set by `set`.
(module
  (type $g (func (param i32) (result i32)))
  (import "peer" "get" (func $pget (param i32) (result i32)))
  (import "peer" "tbl" (table $pt 1 funcref))
  (memory (export "mem") 1)
  (table $t (export "tbl") 1 funcref)
  (elem (table $t) (i32.const 0) func $get)
  (func $get (export "get") (param i32) (result i32) local.get 0 i32.load)
  (func (export "set") (param i32) i32.const 0 local.get 0 i32.store)
  (func (export "via_import") (result i32)
    (i32.add (i32.mul (call $pget (i32.const 0)) (i32.const 1000)) (i32.load (i32.const 0))))
  (func (export "via_table") (result i32)
    (i32.add (i32.mul (call_indirect $pt (type $g) (i32.const 0) (i32.const 0)) (i32.const 1000))
             (i32.load (i32.const 0))))
  (func $tail (export "via_tail") (result i32)
    (return_call_indirect $pt (type $g) (i32.const 0) (i32.const 0)))
  (func (export "after_tail") (result i32)
    (i32.add (i32.mul (call $tail) (i32.const 1000)) (i32.load (i32.const 0))))
  ;; growing leaves the base where it was (a reservation never moves)
  (func (export "grow_then_read") (result i32)
    (drop (memory.grow (i32.const 1)))
    (i32.add (i32.load (i32.const 0)) (i32.load (i32.const 65536))))
)
