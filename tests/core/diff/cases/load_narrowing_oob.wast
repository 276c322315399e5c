;; A load traps when any of its bytes is out of bounds, even when only its
;; low bits are used afterwards (wrapped, sign-extended, stored narrower).
;;
;; Found by the differential tests (long run, seeds 1461 and 3182; reduced
;; with reduce.mjs): the own translator's baseline C reads memory with a
;; plain dereference, WP_LD(T, a) = *(T *)(a), and tcc narrowed
;; (s32)*(u64 *)p and (u16)*(u64 *)p into 4- and 2-byte loads, which stay
;; inside the memory and do not fault.  Fixed: such an operand is first
;; assigned to its slot at full width (translate_func.c: tcc_keep_loads).
;; (The optimized tier keeps the full load with an asm barrier.)
(module (memory 2 3)
  (func (export "ld") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "st16") (param i64)
    (i64.store16 (i32.wrap_i64 (local.get 0)) (i64.load (i32.const 131065))))
  (func (export "ext32") (result i64) (i64.extend32_s (i64.load offset=1 (i32.const 131065))))
  (func (export "wrap") (result i32) (i32.wrap_i64 (i64.load (i32.const 131066))))
  (func (export "low8") (result i32) (i32.and (i32.load (i32.const 131070)) (i32.const 0xff))))
(assert_trap (invoke "ld" (i32.const 131065)) "out of bounds memory access")
(assert_trap (invoke "st16" (i64.const 0)) "out of bounds memory access")
(assert_trap (invoke "ext32") "out of bounds memory access")
(assert_trap (invoke "wrap") "out of bounds memory access")
(assert_trap (invoke "low8") "out of bounds memory access")
(assert_return (invoke "ld" (i32.const 131064)) (i64.const 0))
