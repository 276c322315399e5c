;; Resource types have identity, not structure (Explainer.md "Type checking",
;; "Resource types"): two resources are the same only if they come from the
;; same definition or abstract import, through any number of names.

;; ---- the same resource through `eq` names and exports

(component
  (import "fd" (type $fd (sub resource)))
  (import "handle" (type $h (eq $fd)))
  (component $want-same
    (import "x" (type $x (sub resource)))
    (import "y" (type (eq $x))))
  (instance (instantiate $want-same (with "x" (type $fd)) (with "y" (type $h)))))

;; two abstract imports are two resources, however alike
(assert_invalid
  (component
    (import "fd" (type $fd (sub resource)))
    (import "socket" (type $s (sub resource)))
    (component $want-same
      (import "x" (type $x (sub resource)))
      (import "y" (type (eq $x))))
    (instance (instantiate $want-same (with "x" (type $fd)) (with "y" (type $s)))))
  "resource types are not the same")

;; the binding of an abstract import holds for the types that use it
(assert_invalid
  (component
    (import "fd" (type $fd (sub resource)))
    (import "socket" (type $s (sub resource)))
    (import "close" (func $close (param "f" (own $s))))
    (component $c
      (import "fd" (type $fd (sub resource)))
      (import "close" (func (param "f" (own $fd)))))
    (instance (instantiate $c (with "fd" (type $fd)) (with "close" (func $close)))))
  "resource types are not the same")

;; ...also deep inside a value type
(assert_invalid
  (component
    (import "fd" (type $fd (sub resource)))
    (import "socket" (type $s (sub resource)))
    (type $batch (list (option (tuple u8 (own $s)))))
    (import "close-all" (func $close (param "b" $batch)))
    (component $c
      (import "fd" (type $fd (sub resource)))
      (type $batch (list (option (tuple u8 (own $fd)))))
      (import "close-all" (func (param "b" $batch))))
    (instance (instantiate $c (with "fd" (type $fd)) (with "close-all" (func $close)))))
  "resource types are not the same")

;; own and borrow of one resource are different types
(assert_invalid
  (component
    (import "fd" (type $fd (sub resource)))
    (import "peek" (func $peek (param "f" (borrow $fd))))
    (component $c
      (import "fd" (type $fd (sub resource)))
      (import "peek" (func (param "f" (own $fd)))))
    (instance (instantiate $c (with "fd" (type $fd)) (with "peek" (func $peek)))))
  "expected own, found borrow")

;; a resource where a value type is expected, and the reverse
(assert_invalid
  (component
    (component $c (import "t" (type (sub resource))))
    (type $t string)
    (instance (instantiate $c (with "t" (type $t)))))
  "expected resource, found defined type")
(assert_invalid
  (component
    (component $c
      (type $t (tuple u8 u8))
      (import "t" (type (eq $t))))
    (type $r (resource (rep i32)))
    (instance (instantiate $c (with "t" (type $r)))))
  "expected defined type, found resource")

;; ---- definitions are generative

(assert_invalid
  (component
    (type $a (resource (rep i32)))
    (type $b (resource (rep i32)))
    (component $want-same
      (import "x" (type $x (sub resource)))
      (import "y" (type (eq $x))))
    (instance (instantiate $want-same (with "x" (type $a)) (with "y" (type $b)))))
  "resource types are not the same")

;; ...per instance: two instances of one component define two resources
(assert_invalid
  (component
    (component $lib
      (type $r (resource (rep i32)))
      (export "r" (type $r)))
    (instance $one (instantiate $lib))
    (instance $two (instantiate $lib))
    (component $want-same
      (import "x" (type $x (sub resource)))
      (import "y" (type (eq $x))))
    (instance (instantiate $want-same
      (with "x" (type $one "r")) (with "y" (type $two "r")))))
  "resource types are not the same")

;; ...and through the functions of each instance
(assert_invalid
  (component
    (component $lib
      (type $r (resource (rep i32)))
      (export $r2 "r" (type $r))
      (core func $drop (canon resource.drop $r))
      (func (export "free") (param "x" (own $r2)) (canon lift (core func $drop))))
    (instance $one (instantiate $lib))
    (instance $two (instantiate $lib))
    (component $user
      (import "r" (type $r (sub resource)))
      (import "free" (func (param "x" (own $r)))))
    (instance (instantiate $user (with "r" (type $one "r")) (with "free" (func $two "free")))))
  "resource types are not the same")

;; one instance's resource and function agree
(component
  (component $lib
    (type $r (resource (rep i32)))
    (export $r2 "r" (type $r))
    (core func $drop (canon resource.drop $r))
    (func (export "free") (param "x" (own $r2)) (canon lift (core func $drop))))
  (instance $one (instantiate $lib))
  (component $user
    (import "r" (type $r (sub resource)))
    (import "free" (func (param "x" (own $r)))))
  (instance (instantiate $user (with "r" (type $one "r")) (with "free" (func $one "free")))))

;; a resource exported twice stays one; ascribing `(sub resource)` hides it
(component
  (component $lib
    (type $r (resource (rep i32)))
    (export "a" (type $r))
    (export "b" (type $r)))
  (instance $i (instantiate $lib))
  (component $want-same
    (import "x" (type $x (sub resource)))
    (import "y" (type (eq $x))))
  (instance (instantiate $want-same (with "x" (type $i "a")) (with "y" (type $i "b")))))
(assert_invalid
  (component
    (component $lib
      (type $r (resource (rep i32)))
      (export "a" (type $r))
      (export "b" (type $r) (type (sub resource))))
    (instance $i (instantiate $lib))
    (component $want-same
      (import "x" (type $x (sub resource)))
      (import "y" (type (eq $x))))
    (instance (instantiate $want-same (with "x" (type $i "a")) (with "y" (type $i "b")))))
  "resource types are not the same")

;; an instance passing its import through exports the argument itself
(component
  (type $r (resource (rep i32)))
  (component $pass
    (import "in" (type $in (sub resource)))
    (export "out" (type $in)))
  (instance $p1 (instantiate $pass (with "in" (type $r))))
  (instance $p2 (instantiate $pass (with "in" (type $p1 "out"))))
  (component $want-same
    (import "x" (type $x (sub resource)))
    (import "y" (type (eq $x))))
  (instance (instantiate $want-same (with "x" (type $r)) (with "y" (type $p2 "out")))))

;; ---- instance types: each import or export of one makes new resources

(component
  (type $stream (instance
    (export "s" (type $s (sub resource)))
    (export "open" (func (result (own $s))))))
  (import "in" (instance $in (type $stream)))
  (component $user
    (import "s" (type $s (sub resource)))
    (import "open" (func (result (own $s)))))
  (instance (instantiate $user (with "s" (type $in "s")) (with "open" (func $in "open")))))
(assert_invalid
  (component
    (type $stream (instance
      (export "s" (type $s (sub resource)))
      (export "open" (func (result (own $s))))))
    (import "in" (instance $in (type $stream)))
    (import "out" (instance $out (type $stream)))
    (component $user
      (import "s" (type $s (sub resource)))
      (import "open" (func (result (own $s)))))
    (instance (instantiate $user (with "s" (type $in "s")) (with "open" (func $out "open")))))
  "resource types are not the same")
(assert_invalid
  (component
    (type $io (instance (export "s" (type (sub resource)))))
    (import "sys" (instance $sys
      (export "stdin" (instance (type $io)))
      (export "stdout" (instance (type $io)))))
    (component $want-same
      (import "x" (type $x (sub resource)))
      (import "y" (type (eq $x))))
    (instance (instantiate $want-same
      (with "x" (type $sys "stdin" "s")) (with "y" (type $sys "stdout" "s")))))
  "resource types are not the same")

;; ---- resource.new and resource.rep need a resource of this component

(component
  (type $r (resource (rep i32)))
  (export $r2 "r" (type $r))
  (core func (canon resource.new $r2))
  (core func (canon resource.rep $r)))
(assert_invalid
  (component
    (import "r" (type $r (sub resource)))
    (core func (canon resource.rep $r)))
  "is not a local resource")
(assert_invalid
  (component
    (component $lib
      (type $r (resource (rep i32)))
      (export "r" (type $r)))
    (instance $i (instantiate $lib))
    (alias export $i "r" (type $r))
    (core func (canon resource.new $r)))
  "is not a local resource")
;; dropping a child's resource is fine; and a resource of ours that a child
;; hands back is still ours
(component
  (component $lib
    (type $r (resource (rep i32)))
    (export "r" (type $r)))
  (instance $i (instantiate $lib))
  (alias export $i "r" (type $r))
  (core func (canon resource.drop $r))
  (type $mine (resource (rep i32)))
  (component $pass
    (import "in" (type $in (sub resource)))
    (export "out" (type $in)))
  (instance $p (instantiate $pass (with "in" (type $mine))))
  (alias export $p "out" (type $back))
  (core func (canon resource.rep $back)))

;; ---- at run time: handles of one instance's resource work through its
;; exports, in the order the calls are made

(component
  (component $counter
    (type $c (resource (rep i32)))
    (export $c2 "c" (type $c))
    (core func $new (canon resource.new $c))
    (core func $rep (canon resource.rep $c))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "rep" (func $rep (param i32) (result i32)))
      (global $h (mut i32) (i32.const 0))
      (func (export "make") (param i32) (result i32)
        (global.set $h (call $new (local.get 0)))
        (global.get $h))
      (func (export "value") (result i32) (call $rep (global.get $h))))
    (core instance $i (instantiate $m (with "" (instance
      (export "new" (func $new)) (export "rep" (func $rep))))))
    (func (export "make") (param "v" u32) (result u32) (canon lift (core func $i "make")))
    (func (export "value") (result u32) (canon lift (core func $i "value"))))
  (instance $c (instantiate $counter))
  (export "make" (func $c "make"))
  (export "value" (func $c "value")))
(assert_return (invoke "make" (u32.const 7)) (u32.const 1))
(assert_return (invoke "value") (u32.const 7))
(assert_return (invoke "make" (u32.const 9)) (u32.const 2))
(assert_return (invoke "value") (u32.const 9))
