;; known-failure baseline/own
;; known-failure optimized/own
;;
;; Reference values at two different depths of the operand stack in one
;; function (first with an i32 below it, then alone), kept in stack slots
;; across a loop.
;;
;; Found by the differential tests (a long run, seed 1722; reduced with
;; reduce.mjs --module-error): the own translator declares the stack slots
;; of one type on one line, "void * s0e, s1e;", which makes s1e a void, so
;; the C does not compile ("declaration of void object").
(module
  (table $e 4 externref)
  (table $f 4 funcref)
  (func $g)
  (elem declare func $g)
  (func (export "pick") (param i32) (result i32)
    (table.set $e (i32.const 0)
      (select (result externref) (ref.null extern) (table.get $e (i32.const 1)) (local.get 0)))
    (ref.is_null (table.get $e (i32.const 0))))
  (func (export "pickf") (param i32) (result i32)
    (ref.is_null (select (result funcref) (ref.null func) (ref.func $g) (local.get 0))))
  (func (export "set1") (param externref) (table.set $e (i32.const 1) (local.get 0)))
  (memory 1)
  (func (export "depths") (result i32)
    (i32.store (i32.const 0) (table.grow $e (ref.null extern) (loop (result i32) (i32.const 1))))
    (drop (table.grow $e (table.get $e (i32.const 1)) (loop (result i32) (i32.const 0))))
    (i32.load (i32.const 0))))
(assert_return (invoke "set1" (ref.extern 5)))
(assert_return (invoke "pick" (i32.const 1)) (i32.const 1))
(assert_return (invoke "pick" (i32.const 0)) (i32.const 0))
(assert_return (invoke "pickf" (i32.const 1)) (i32.const 1))
(assert_return (invoke "pickf" (i32.const 0)) (i32.const 0))
(assert_return (invoke "depths") (i32.const 4))
