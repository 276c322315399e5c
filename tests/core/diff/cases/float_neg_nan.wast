;; known-failure baseline/wasm2c
;;
;; f32.neg and f64.neg flip the sign bit of every value, NaNs included
;; (they are bitwise operators: the NaN payload and sign rules do not
;; apply to them).
;;
;; Found by the differential tests (core.diff.baseline, seeds 77, 107, 114;
;; reduced with reduce.mjs): wasm2c writes f32.neg as the C expression
;; -(x), which gcc compiles to a sign-bit flip but tcc 0.9.27 compiles to a
;; subtraction from -0.0, which returns a NaN operand unchanged.  So on the
;; baseline tier with wasm2c, -NaN stays NaN (zeros and numbers are right).
;; The own translator must emit neg as a bit operation for tcc.
(module
  (memory 1)
  (func (export "f32.neg") (param i32) (result i32)
    (i32.reinterpret_f32 (f32.neg (f32.reinterpret_i32 (local.get 0)))))
  (func (export "f64.neg") (param i64) (result i64)
    (i64.reinterpret_f64 (f64.neg (f64.reinterpret_i64 (local.get 0)))))
  (func (export "f32.neg.store") (param i32) (result i32)
    (f32.store (i32.const 8) (f32.neg (f32.reinterpret_i32 (local.get 0))))
    (i32.load (i32.const 8)))
  (func (export "f32.neg.param") (param f32) (result f32) (f32.neg (local.get 0)))
  (func (export "f64.neg.param") (param f64) (result f64) (f64.neg (local.get 0))))

(assert_return (invoke "f32.neg" (i32.const 0)) (i32.const 0x80000000))
(assert_return (invoke "f32.neg" (i32.const 0x80000000)) (i32.const 0))
(assert_return (invoke "f32.neg" (i32.const 0x3f800000)) (i32.const 0xbf800000))
(assert_return (invoke "f32.neg" (i32.const 0x7f800000)) (i32.const 0xff800000))
(assert_return (invoke "f32.neg" (i32.const 0xfffffffe)) (i32.const 0x7ffffffe))
(assert_return (invoke "f32.neg" (i32.const 0x7fc00000)) (i32.const 0xffc00000))
(assert_return (invoke "f32.neg" (i32.const 0x7fa00000)) (i32.const 0xffa00000))
(assert_return (invoke "f32.neg" (i32.const 0xff800001)) (i32.const 0x7f800001))
(assert_return (invoke "f64.neg" (i64.const 0)) (i64.const 0x8000000000000000))
(assert_return (invoke "f64.neg" (i64.const 0xfff8000000000001)) (i64.const 0x7ff8000000000001))
(assert_return (invoke "f64.neg" (i64.const 0x7ff0000000000001)) (i64.const 0xfff0000000000001))
(assert_return (invoke "f32.neg.store" (i32.const 0x7fc00001)) (i32.const 0xffc00001))
(assert_return (invoke "f32.neg.param" (f32.const nan:0x200000)) (f32.const -nan:0x200000))
(assert_return (invoke "f32.neg.param" (f32.const -nan)) (f32.const nan))
(assert_return (invoke "f64.neg.param" (f64.const -nan:0x4000000000000)) (f64.const nan:0x4000000000000))
