;; Unbounded recursion must trap with "call stack exhausted" on every tier.
;;
;; Found by the differential tests (core.diff.optimized, the generator's
;; "overflow" export): at -O2 the C compiler turned the recursion into a
;; loop (sibling-call and accumulator elimination), so the call ran until
;; the watchdog stopped it instead of trapping.  The optimized tier now
;; compiles without sibling-call optimisation (src/core/compile.c).
(module
  (func $self (export "self") (call $self))
  (func $acc (export "acc") (param i32) (result i32)
    (i32.add (call $acc (i32.add (local.get 0) (i32.const 1))) (local.get 0)))
  (func $even (export "even") (param i32) (result i32)
    (call $odd (i32.add (local.get 0) (i32.const 1))))
  (func $odd (param i32) (result i32)
    (call $even (i32.add (local.get 0) (i32.const 1))))
  (func $tail (export "tail") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (i64.const 0))
      (else (call $tail (i64.add (local.get 0) (i64.const 1)))))))
(assert_exhaustion (invoke "self") "call stack exhausted")
(assert_exhaustion (invoke "acc" (i32.const 0)) "call stack exhausted")
(assert_exhaustion (invoke "even" (i32.const 0)) "call stack exhausted")
(assert_exhaustion (invoke "tail" (i64.const 1)) "call stack exhausted")
(assert_return (invoke "tail" (i64.const 0)) (i64.const 0))
