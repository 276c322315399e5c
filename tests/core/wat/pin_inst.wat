;; The instance pointer, which the optimized tier keeps in a register beside
;; memory 0's base in modules without tail calls (translate.c: pin_block,
;; wp_xlate_pins_inst): each instance has its own memory and its own global
;; $g, and reaches its peer (pin_leaf.wat or another instance of this
;; module) by an import and through the peer's table, its own functions
;; through its own table (the wrapper's fast path) and directly, and the
;; host by an import that calls into another instance.  After each it reads
;; its own memory and global again.  `get` is load(0) + $g; `set v` stores
;; v at 0 and 10 * v in $g; the start function sets $g to 5.  Functions a
;; funcref may hold ($get, $many, $init: in the table) take the instance as
;; a parameter even where it is pinned (translate.h: wp_xlate_takes_inst),
;; so their direct calls, the start call and the export entries pass it:
;; `many_direct` calls $many directly with the same arguments as
;; via_own_table does through the table.
(module
  (type $g (func (param i32) (result i32)))
  (type $m (func (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "peer" "get" (func $pget (param i32) (result i32)))
  (import "peer" "tbl" (table $pt 1 funcref))
  (import "host" "poke" (func $poke (param i32) (result i32)))
  (memory (export "mem") 1)
  (global $g (mut i32) (i32.const 0))
  (table $t (export "tbl") 3 funcref)
  (elem (table $t) (i32.const 0) func $get $many $init)
  (func $init (global.set $g (i32.const 5)))
  (start $init)
  (func $get (export "get") (param i32) (result i32)
    (i32.add (i32.load (local.get 0)) (global.get $g)))
  (func (export "set") (param i32)
    (i32.store (i32.const 0) (local.get 0))
    (global.set $g (i32.mul (local.get 0) (i32.const 10))))
  ;; eight parameters: with the instance pinned the sixth and later are
  ;; the C function's, not shifted by an instance argument
  (func $many (export "many") (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
    (i32.add
      (i32.add
        (i32.add (i32.add (local.get 0) (i32.mul (local.get 1) (i32.const 2)))
                 (i32.add (i32.mul (local.get 2) (i32.const 3)) (i32.mul (local.get 3) (i32.const 4))))
        (i32.add (i32.add (i32.mul (local.get 4) (i32.const 5)) (i32.mul (local.get 5) (i32.const 6)))
                 (i32.add (i32.mul (local.get 6) (i32.const 7)) (i32.mul (local.get 7) (i32.const 8)))))
      (call $get (i32.const 0))))
  (func (export "via_import") (result i32)
    (i32.add (i32.mul (call $pget (i32.const 0)) (i32.const 1000)) (call $get (i32.const 0))))
  (func (export "via_table") (result i32)
    (i32.add (i32.mul (call_indirect $pt (type $g) (i32.const 0) (i32.const 0)) (i32.const 1000))
             (call $get (i32.const 0))))
  (func (export "via_own_table") (result i32)
    (i32.add
      (call_indirect $t (type $m) (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4)
                     (i32.const 5) (i32.const 6) (i32.const 7) (i32.const 8) (i32.const 1))
      (i32.mul (call_indirect $t (type $g) (i32.const 0) (i32.const 0)) (i32.const 1000))))
  (func (export "many_direct") (result i32)
    (call $many (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4)
                (i32.const 5) (i32.const 6) (i32.const 7) (i32.const 8)))
  (func (export "via_host") (result i32)
    (i32.add (i32.mul (call $poke (i32.const 0)) (i32.const 1000)) (call $get (i32.const 0))))
)
