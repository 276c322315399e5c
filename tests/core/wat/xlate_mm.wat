;; Multiple memories, one of them 64-bit (memory64): each access goes to
;; its memory, 64-bit addresses past 4 GiB trap, bulk operations between
;; memories of either width (tests/core/test_xlate.c).
(module
  (memory $a (export "a") 1)
  (memory $b i64 1 2)
  (data (memory $b) (i64.const 16) "\2a\00\00\00")
  (func (export "store_b") (param i64 i32) (i32.store $b (local.get 0) (local.get 1)))
  (func (export "load_b") (param i64) (result i32) (i32.load $b (local.get 0)))
  (func (export "load_b_off") (param i64) (result i32) (i32.load $b offset=0xffffffff (local.get 0)))
  (func (export "load_a") (param i32) (result i32) (i32.load $a (local.get 0)))
  (func (export "copy_ba") (param i32 i64 i32) (memory.copy $a $b (local.get 0) (local.get 1) (local.get 2)))
  (func (export "size_b") (result i64) (memory.size $b))
  (func (export "grow_b") (param i64) (result i64) (memory.grow $b (local.get 0)))
  (func (export "fill_b") (param i64 i32 i64) (memory.fill $b (local.get 0) (local.get 1) (local.get 2)))
  ;; A function loads its memory bases once, on entry, from the instance
  ;; (translate.c: md[]): pages grown afterwards, in the function itself or
  ;; in a callee, are reached through that base, in both memories.
  (func $grow_a (param i32) (result i32) (memory.grow $a (local.get 0)))
  (func (export "grow_a") (param i32) (result i32) (call $grow_a (local.get 0)))
  (func (export "grow_store_a") (param i32 i32) (result i32)
    (drop (i32.load $a (i32.const 0)))
    (drop (memory.grow $a (local.get 1)))
    (i32.store $a (local.get 0) (i32.const 0x5eed))
    (i32.load $a (local.get 0)))
  (func (export "call_grow_store_a") (param i32 i32) (result i32)
    (drop (i32.load $a (i32.const 0)))
    (drop (call $grow_a (local.get 1)))
    (i32.store $a (local.get 0) (i32.const 0x7e57))
    (i32.load $a (local.get 0)))
  (func (export "grow_store_b") (param i64 i64) (result i32)
    (drop (i32.load $b (i64.const 0)))
    (drop (i32.load $a (i32.const 0)))
    (drop (memory.grow $b (local.get 1)))
    (i32.store $b (local.get 0) (i32.const 0xb0b))
    (i32.load $b (local.get 0))))
