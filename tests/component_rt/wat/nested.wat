;; Nested components, guest-defined resources and calls between component
;; instances.  $a implements resource `thing` (rep = 10 * value, destructor
;; logs the rep through the host); the outer component's core module calls
;; $a's instance with own and borrow handles from the outer table, and
;; re-exports $a's instances.  (A nested user component importing
;; `(sub resource)` is nested_sub_resource.wat.)
(component $outer
  (import "log" (func $log (param "n" u32)))

  (component $a
    (import "log" (func $log (param "n" u32)))
    (core func $log-low (canon lower (func $log)))
    (core module $dtor-m
      (import "host" "log" (func $log (param i32)))
      (func (export "dtor") (param i32) (call $log (local.get 0))))
    (core instance $dtor-host (export "log" (func $log-low)))
    (core instance $dtor-i (instantiate $dtor-m (with "host" (instance $dtor-host))))
    (type $thing (resource (rep i32) (dtor (core func $dtor-i "dtor"))))
    (core func $new (canon resource.new $thing))
    (core func $rep (canon resource.rep $thing))
    (core func $drop (canon resource.drop $thing))
    (core module $m
      (import "res" "new" (func $new (param i32) (result i32)))
      (import "res" "rep" (func $rep (param i32) (result i32)))
      (import "res" "drop" (func $drop (param i32)))
      (func (export "make") (param i32) (result i32) (call $new (i32.mul (local.get 0) (i32.const 10))))
      ;; a borrow of a resource this component implements arrives as the rep
      (func (export "get") (param i32) (result i32) (local.get 0))
      (func (export "take") (param $h i32) (result i32) (local $r i32)
        (local.set $r (call $rep (local.get $h)))
        (call $drop (local.get $h))
        (local.get $r)))
    (core instance $res (export "new" (func $new)) (export "rep" (func $rep)) (export "drop" (func $drop)))
    (core instance $i (instantiate $m (with "res" (instance $res))))
    (export $thing-e "thing" (type $thing))
    (func (export "make") (param "v" u32) (result (own $thing-e)) (canon lift (core func $i "make")))
    (func (export "get") (param "t" (borrow $thing-e)) (result u32) (canon lift (core func $i "get")))
    (func (export "take") (param "t" (own $thing-e)) (result u32) (canon lift (core func $i "take")))
  )

  (instance $a1 (instantiate $a (with "log" (func $log))))
  ;; a second instance of $a: its own resource type and handle table
  (instance $a2 (instantiate $a (with "log" (func $log))))
  (alias export $a1 "make" (func $make))
  (alias export $a1 "get" (func $get))
  (alias export $a1 "take" (func $take))
  (core func $make-low (canon lower (func $make)))
  (core func $get-low (canon lower (func $get)))
  (core func $take-low (canon lower (func $take)))
  ;; the user of $a1's resources (the outer component's own table)
  (core module $m
    (import "a" "make" (func $make (param i32) (result i32)))
    (import "a" "get" (func $get (param i32) (result i32)))
    (import "a" "take" (func $take (param i32) (result i32)))
    (func (export "use") (param i32) (result i32) (local $h i32)
      (local.set $h (call $make (local.get 0)))
      (i32.add (call $get (local.get $h)) (call $take (local.get $h))))
    ;; keeps the handle: the instance's teardown must destroy it
    (func (export "leak") (param i32) (result i32) (call $make (local.get 0)))
    ;; a handle that does not exist
    (func (export "bad") (result i32) (call $get (i32.const 99)))
    ;; using a handle after giving it away
    (func (export "twice") (param i32) (result i32) (local $h i32)
      (local.set $h (call $make (local.get 0)))
      (drop (call $take (local.get $h)))
      (call $take (local.get $h))))
  (core instance $imports
    (export "make" (func $make-low)) (export "get" (func $get-low)) (export "take" (func $take-low)))
  (core instance $i (instantiate $m (with "a" (instance $imports))))
  (func $use (param "v" u32) (result u32) (canon lift (core func $i "use")))
  (func $leak (param "v" u32) (result u32) (canon lift (core func $i "leak")))
  (func $bad (result u32) (canon lift (core func $i "bad")))
  (func $twice (param "v" u32) (result u32) (canon lift (core func $i "twice")))
  (export "test:rt/things" (instance $a1))
  (export "other" (instance $a2))
  (export "use" (func $use))
  (export "leak" (func $leak))
  (export "bad" (func $bad))
  (export "twice" (func $twice))
)
