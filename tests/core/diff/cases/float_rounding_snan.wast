;;
;; ceil, floor, trunc and nearest are arithmetic: a NaN result must be an
;; arithmetic (quiet) NaN, even for a signalling NaN operand.
;;
;; Found by the differential tests (core.diff.optimized.own, seed 1001: a
;; NaN-rule violation) and the spec suite (f32.wast/f64.wast "floor",
;; "ceil", "trunc" of nan:0x200000): with the own translator, cc -O2
;; compiles floorf/ceilf/truncf into code that hands a signalling NaN back
;; unchanged, still signalling.  The baseline tier (tcc, which calls libm)
;; is right.
(module
  (func (export "f32.floor") (param i32) (result i32)
    (i32.reinterpret_f32 (f32.floor (f32.reinterpret_i32 (local.get 0)))))
  (func (export "f32.ceil") (param i32) (result i32)
    (i32.reinterpret_f32 (f32.ceil (f32.reinterpret_i32 (local.get 0)))))
  (func (export "f32.trunc") (param i32) (result i32)
    (i32.reinterpret_f32 (f32.trunc (f32.reinterpret_i32 (local.get 0)))))
  (func (export "f32.nearest") (param i32) (result i32)
    (i32.reinterpret_f32 (f32.nearest (f32.reinterpret_i32 (local.get 0)))))
  (func (export "f64.floor") (param f64) (result f64) (f64.floor (local.get 0)))
  (func (export "f64.ceil") (param f64) (result f64) (f64.ceil (local.get 0)))
  (func (export "f64.trunc") (param f64) (result f64) (f64.trunc (local.get 0)))
  (func (export "f64.nearest") (param f64) (result f64) (f64.nearest (local.get 0))))

;; quiet bit set, payload and sign free
(assert_return (invoke "f32.floor" (i32.const 0x7fa00000)) (either (i32.const 0x7fe00000) (i32.const 0x7fc00000) (i32.const 0xffe00000) (i32.const 0xffc00000)))
(assert_return (invoke "f32.ceil" (i32.const 0xffa00000)) (either (i32.const 0x7fe00000) (i32.const 0x7fc00000) (i32.const 0xffe00000) (i32.const 0xffc00000)))
(assert_return (invoke "f32.trunc" (i32.const 0x7f800001)) (either (i32.const 0x7fc00001) (i32.const 0x7fc00000) (i32.const 0xffc00001) (i32.const 0xffc00000)))
(assert_return (invoke "f32.nearest" (i32.const 0x7fa00000)) (either (i32.const 0x7fe00000) (i32.const 0x7fc00000) (i32.const 0xffe00000) (i32.const 0xffc00000)))
(assert_return (invoke "f64.floor" (f64.const nan:0x4000000000000)) (f64.const nan:arithmetic))
(assert_return (invoke "f64.ceil" (f64.const -nan:0x4000000000000)) (f64.const nan:arithmetic))
(assert_return (invoke "f64.trunc" (f64.const nan:0x1)) (f64.const nan:arithmetic))
(assert_return (invoke "f64.nearest" (f64.const nan:0x4000000000000)) (f64.const nan:arithmetic))
;; and the ordinary cases around them
(assert_return (invoke "f32.floor" (i32.const 0xbfc00000)) (i32.const 0xc0000000))
(assert_return (invoke "f32.ceil" (i32.const 0xbf000000)) (i32.const 0x80000000))
(assert_return (invoke "f32.trunc" (i32.const 0x4b7fffff)) (i32.const 0x4b7fffff))
(assert_return (invoke "f32.nearest" (i32.const 0x40200000)) (i32.const 0x40000000))
(assert_return (invoke "f64.nearest" (f64.const -0.5)) (f64.const -0.0))
(assert_return (invoke "f64.floor" (f64.const -0x1p-1074)) (f64.const -1.0))
