;; snapshot.wat — state a reset must bring back (tests/core/test_snapshot.c):
;; memory contents (data segment and written bytes), memory size (grow), a
;; mutable global, table elements and size (table.set / table.grow).
(module
  (memory (export "mem") 1 10)
  (data (i32.const 16) "hello")
  (global $g (mut i32) (i32.const 7))
  (table $t 2 10 funcref)
  (elem (i32.const 0) $one)
  (elem declare func $two)
  (func $one (result i32) i32.const 1)
  (func $two (result i32) i32.const 2)
  (func (export "poke") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) memory.size)
  (func (export "get") (result i32) global.get $g)
  (func (export "set") (param i32) (global.set $g (local.get 0)))
  (func (export "swap") (table.set $t (i32.const 0) (ref.func $two)))
  (func (export "tgrow") (result i32) (table.grow $t (ref.func $two) (i32.const 3)))
  (func (export "tsize") (result i32) (table.size $t))
  (func (export "call0") (result i32) (call_indirect (result i32) (i32.const 0))))
