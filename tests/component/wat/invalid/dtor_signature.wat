;; section: type
;; expect: resource destructor (core func 0) must have type [i32] -> []
(component
  (core module $m (func (export "d") (param i64)))
  (core instance $i (instantiate $m))
  (alias core export $i "d" (core func $d))
  (type (resource (rep i32) (dtor (core func $d))))
)
