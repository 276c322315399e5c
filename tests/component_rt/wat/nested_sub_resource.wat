;; A nested component importing a resource as `(type (sub resource))`,
;; instantiated with a concrete resource (the shape wit-component gives every
;; component exporting an interface with a resource: the export goes through
;; a shim component taking the resource as a type argument).  Instantiating
;; $b substitutes its imported `(sub resource)` with $a's resource, so the
;; functions' own<>/borrow<> parameter and result types must be compared
;; after that substitution.  $b makes a thing (rep = 10 * value, in $b's own
;; handle table) and passes it to $a's `get` as a borrow.
(component $outer
  (component $a
    (type $thing (resource (rep i32)))
    (core func $new (canon resource.new $thing))
    (core module $m
      (import "res" "new" (func $new (param i32) (result i32)))
      (func (export "make") (param i32) (result i32) (call $new (i32.mul (local.get 0) (i32.const 10))))
      ;; a borrow of a resource this component implements arrives as the rep
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
      (export "get" (func (param "t" (borrow $thing)) (result u32)))))
    (alias export $a "thing" (type $thing))
    (alias export $a "make" (func $make))
    (alias export $a "get" (func $get))
    (core func $make-low (canon lower (func $make)))
    (core func $get-low (canon lower (func $get)))
    (core func $drop (canon resource.drop $thing))
    (core module $m
      (import "a" "make" (func $make (param i32) (result i32)))
      (import "a" "get" (func $get (param i32) (result i32)))
      (import "a" "drop" (func $drop (param i32)))
      (func (export "use") (param i32) (result i32) (local $h i32) (local $r i32)
        (local.set $h (call $make (local.get 0)))
        (local.set $r (call $get (local.get $h)))
        (call $drop (local.get $h))
        (local.get $r)))
    (core instance $ai (export "make" (func $make-low)) (export "get" (func $get-low))
                       (export "drop" (func $drop)))
    (core instance $i (instantiate $m (with "a" (instance $ai))))
    (func (export "use") (param "v" u32) (result u32) (canon lift (core func $i "use"))))
  (instance $a1 (instantiate $a))
  (instance $b1 (instantiate $b (with "a" (instance $a1))))
  (alias export $b1 "use" (func $use))
  (export "use" (func $use))
  (export "a" (instance $a1))
)
