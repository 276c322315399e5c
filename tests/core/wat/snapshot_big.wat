;; snapshot_big.wat — snapshot.wat with a memory larger than what a reset
;; copies back whole (src/core/snapshot.c COPY_MAX): it becomes a
;; copy-on-write image, and a reset puts back the pages written (or drops
;; them all when there are many: "fill" writes one byte in every 4 KiB).
(module
  (memory (export "mem") 24 40)
  (data (i32.const 16) "hello")
  (data (i32.const 1048676) "world")
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
  (func (export "call0") (result i32) (call_indirect (result i32) (i32.const 0)))
  ;; fill(v): byte 8 of every 4 KiB page of the memory's first 24 pages = v
  (func (export "fill") (param $v i32) (local $a i32)
    (loop $next
      (i32.store8 (i32.add (local.get $a) (i32.const 8)) (local.get $v))
      (local.set $a (i32.add (local.get $a) (i32.const 4096)))
      (br_if $next (i32.lt_u (local.get $a) (i32.const 1572864))))))
