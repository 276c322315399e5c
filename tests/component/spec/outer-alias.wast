;; Outer aliases: a type aliased across a component boundary may not refer
;; to a resource of the enclosing component, even transitively (a component
;; stays a closed unit); inside types of the same component it may.

(component
  (type $r (resource (rep i32)))
  (type $h (own $r))
  (type (component
    (alias outer 1 $r (type))
    (alias outer 1 $h (type))))
  (type (instance
    (alias outer 1 $h (type $h2))
    (export "get" (func (result $h2))))))

;; value types without resources cross freely
(component
  (type $pair (tuple u8 string))
  (component
    (alias outer 1 $pair (type $p))
    (import "f" (func (param "p" $p)))))

(assert_invalid
  (component
    (type $r (resource (rep i32)))
    (component (alias outer 1 $r (type))))
  "transitively refers to resources")
(assert_invalid
  (component
    (type $r (resource (rep i32)))
    (type $handles (list (option (own $r))))
    (component (alias outer 1 $handles (type))))
  "transitively refers to resources")
(assert_invalid
  (component
    (import "r" (type $r (sub resource)))
    (type $get (func (result (own $r))))
    (component (alias outer 1 $get (type))))
  "transitively refers to resources")
;; through a component type that mentions the resource
(assert_invalid
  (component
    (type $r (resource (rep i32)))
    (type $ct (component (import "x" (type (eq $r)))))
    (component (alias outer 1 $ct (type))))
  "transitively refers to resources")
;; two components deep
(assert_invalid
  (component
    (type $r (resource (rep i32)))
    (component (component (alias outer 2 $r (type)))))
  "transitively refers to resources")
;; a component type whose resources are all its own crosses freely
(component
  (type $ct (component
    (import "x" (type $x (sub resource)))
    (export "make" (func (result (own $x))))))
  (component (alias outer 1 $ct (type))))
