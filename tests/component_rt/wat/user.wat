;; A component importing the interface that nested.wat exports: linked to
;; another component instance's exports (composition by the host).
(component
  (import "test:rt/things" (instance $t
    (export "thing" (type $thing (sub resource)))
    (export "make" (func (param "v" u32) (result (own $thing))))
    (export "get" (func (param "t" (borrow $thing)) (result u32)))
    (export "take" (func (param "t" (own $thing)) (result u32)))))
  (alias export $t "make" (func $make))
  (alias export $t "get" (func $get))
  (alias export $t "take" (func $take))
  (core func $make-low (canon lower (func $make)))
  (core func $get-low (canon lower (func $get)))
  (core func $take-low (canon lower (func $take)))
  (core module $m
    (import "t" "make" (func $make (param i32) (result i32)))
    (import "t" "get" (func $get (param i32) (result i32)))
    (import "t" "take" (func $take (param i32) (result i32)))
    (func (export "use") (param i32) (result i32) (local $h i32)
      (local.set $h (call $make (local.get 0)))
      (i32.add (call $get (local.get $h)) (call $take (local.get $h))))
    (func (export "keep") (param i32) (result i32) (call $make (local.get 0))))
  (core instance $imports
    (export "make" (func $make-low)) (export "get" (func $get-low)) (export "take" (func $take-low)))
  (core instance $i (instantiate $m (with "t" (instance $imports))))
  (func (export "use") (param "v" u32) (result u32) (canon lift (core func $i "use")))
  (func (export "keep") (param "v" u32) (result u32) (canon lift (core func $i "keep")))
)
