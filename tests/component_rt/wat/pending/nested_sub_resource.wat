;; Not built yet: the decoder's type checker refuses this valid component
;; ("instantiation argument `a` of component 1: `get`: expected
;; `func(t: borrow<thing>) -> u32`, found `func(t: borrow<thing>) -> u32`"):
;; instantiating $b substitutes its imported `(sub resource)` with $a's
;; resource, and the functions' types must be compared after that
;; substitution.  Once the decoder accepts it, move this file up to wat/
;; and extend test_nested.c (the runtime side is in place: bind_instance).
(component $outer
  (component $a
    (type $thing (resource (rep i32)))
    (core func $new (canon resource.new $thing))
    (core module $m
      (import "res" "new" (func $new (param i32) (result i32)))
      (func (export "make") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "get") (param i32) (result i32) (local.get 0)))
    (core instance $res (export "new" (func $new)))
    (core instance $i (instantiate $m (with "res" (instance $res))))
    (export $thing-e "thing" (type $thing))
    (func (export "make") (param "v" u32) (result (own $thing-e)) (canon lift (core func $i "make")))
    (func (export "get") (param "t" (borrow $thing-e)) (result u32) (canon lift (core func $i "get"))))
  (component $b
    (import "a" (instance $a
      (export "thing" (type $thing (sub resource)))
      (export "make" (func (param "v" u32) (result (own $thing))))
      (export "get" (func (param "t" (borrow $thing)) (result u32))))))
  (instance $a1 (instantiate $a))
  (instance $b1 (instantiate $b (with "a" (instance $a1))))
)
