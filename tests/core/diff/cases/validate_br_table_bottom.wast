;; known-failure baseline/own
;; known-failure optimized/own
;; known-failure baseline/wasm2c
;; known-failure optimized/wasm2c
;;
;; After unreachable the operand stack is polymorphic: br_table may target
;; labels of different types (f32 and f64 here), because the value it
;; passes is of the bottom type, which matches both.  (The spec suite's
;; unreached-valid.wast, "meet-bottom".)
;;
;; The validator refuses the module: "br_table expects f64 but found f32".
;; It runs before either translator, so both fail.
(module
  (func (export "meet-bottom")
    (block (result f64)
      (block (result f32)
        (unreachable)
        (br_table 0 1 1 (i32.const 1)))
      (drop)
      (f64.const 0))
    (drop)))
(assert_trap (invoke "meet-bottom") "unreachable")
