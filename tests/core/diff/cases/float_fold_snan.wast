;;
;; x * 1.0, x / 1.0, x - 0.0 and x + -0.0 are arithmetic: a signalling NaN
;; operand must come back quieted (an arithmetic NaN), so none of them may
;; be folded into x.
;;
;; Found by the spec suite (float_exprs.wast "no_fold_mul_one",
;; "no_fold_sub_zero", "no_fold_div_one", ...) on the optimized tier: gcc
;; folds them unless told that signalling NaNs exist (-fsignaling-nans).
;; Floats travel as bit patterns so that nothing on the way quiets them.
(module
  (func (export "f32.mul_one") (param i32) (result i32)
    (i32.reinterpret_f32 (f32.mul (f32.reinterpret_i32 (local.get 0)) (f32.const 1.0))))
  (func (export "f32.div_one") (param i32) (result i32)
    (i32.reinterpret_f32 (f32.div (f32.reinterpret_i32 (local.get 0)) (f32.const 1.0))))
  (func (export "f32.sub_zero") (param i32) (result i32)
    (i32.reinterpret_f32 (f32.sub (f32.reinterpret_i32 (local.get 0)) (f32.const 0.0))))
  (func (export "f32.add_neg_zero") (param i32) (result i32)
    (i32.reinterpret_f32 (f32.add (f32.reinterpret_i32 (local.get 0)) (f32.const -0.0))))
  (func (export "f64.mul_one") (param i64) (result i64)
    (i64.reinterpret_f64 (f64.mul (f64.reinterpret_i64 (local.get 0)) (f64.const 1.0))))
  (func (export "f64.div_one") (param i64) (result i64)
    (i64.reinterpret_f64 (f64.div (f64.reinterpret_i64 (local.get 0)) (f64.const 1.0))))
  (func (export "f64.sub_zero") (param i64) (result i64)
    (i64.reinterpret_f64 (f64.sub (f64.reinterpret_i64 (local.get 0)) (f64.const 0.0))))
  (func (export "f64.add_neg_zero") (param i64) (result i64)
    (i64.reinterpret_f64 (f64.add (f64.reinterpret_i64 (local.get 0)) (f64.const -0.0)))))

;; a signalling NaN in: the quiet bit set on the way out (payload and sign free)
(assert_return (invoke "f32.mul_one" (i32.const 0x7fa00000)) (either (i32.const 0x7fe00000) (i32.const 0x7fc00000) (i32.const 0xffe00000) (i32.const 0xffc00000)))
(assert_return (invoke "f32.div_one" (i32.const 0x7fa00000)) (either (i32.const 0x7fe00000) (i32.const 0x7fc00000) (i32.const 0xffe00000) (i32.const 0xffc00000)))
(assert_return (invoke "f32.sub_zero" (i32.const 0xffa00000)) (either (i32.const 0x7fe00000) (i32.const 0x7fc00000) (i32.const 0xffe00000) (i32.const 0xffc00000)))
(assert_return (invoke "f32.add_neg_zero" (i32.const 0x7f800001)) (either (i32.const 0x7fc00001) (i32.const 0x7fc00000) (i32.const 0xffc00001) (i32.const 0xffc00000)))
(assert_return (invoke "f64.mul_one" (i64.const 0x7ff4000000000000)) (either (i64.const 0x7ffc000000000000) (i64.const 0x7ff8000000000000) (i64.const 0xfffc000000000000) (i64.const 0xfff8000000000000)))
(assert_return (invoke "f64.div_one" (i64.const 0x7ff4000000000000)) (either (i64.const 0x7ffc000000000000) (i64.const 0x7ff8000000000000) (i64.const 0xfffc000000000000) (i64.const 0xfff8000000000000)))
(assert_return (invoke "f64.sub_zero" (i64.const 0xfff4000000000000)) (either (i64.const 0x7ffc000000000000) (i64.const 0x7ff8000000000000) (i64.const 0xfffc000000000000) (i64.const 0xfff8000000000000)))
(assert_return (invoke "f64.add_neg_zero" (i64.const 0x7ff0000000000001)) (either (i64.const 0x7ff8000000000001) (i64.const 0x7ff8000000000000) (i64.const 0xfff8000000000001) (i64.const 0xfff8000000000000)))
;; and what must not change: ordinary values and signed zeros pass as they are
(assert_return (invoke "f32.mul_one" (i32.const 0x3fc00000)) (i32.const 0x3fc00000))
(assert_return (invoke "f32.sub_zero" (i32.const 0x80000000)) (i32.const 0x80000000))
(assert_return (invoke "f32.add_neg_zero" (i32.const 0x80000000)) (i32.const 0x80000000))
(assert_return (invoke "f64.div_one" (i64.const 0xc000000000000000)) (i64.const 0xc000000000000000))
(assert_return (invoke "f64.sub_zero" (i64.const 0x8000000000000000)) (i64.const 0x8000000000000000))

;; demote(promote(x)) is exact for every float but a signalling NaN, which
;; the promotion quiets: gcc folds the pair into x (even with
;; -fsignaling-nans), so the demotion hides its operand's origin.
(module
  (func (export "promote_demote") (param i32) (result i32)
    (i32.reinterpret_f32 (f32.demote_f64 (f64.promote_f32 (f32.reinterpret_i32 (local.get 0)))))))
(assert_return (invoke "promote_demote" (i32.const 0x7fa00000)) (either (i32.const 0x7fe00000) (i32.const 0x7fc00000) (i32.const 0xffe00000) (i32.const 0xffc00000)))
(assert_return (invoke "promote_demote" (i32.const 0xff800001)) (either (i32.const 0x7fc00001) (i32.const 0x7fc00000) (i32.const 0xffc00001) (i32.const 0xffc00000)))
(assert_return (invoke "promote_demote" (i32.const 0x80000000)) (i32.const 0x80000000))
(assert_return (invoke "promote_demote" (i32.const 0x3f800001)) (i32.const 0x3f800001))
(assert_return (invoke "promote_demote" (i32.const 0x00000001)) (i32.const 0x00000001))
