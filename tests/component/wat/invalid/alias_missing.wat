;; section: alias
;; expect: instance 0 has no export named `nope`
(component
  (import "i" (instance $i (export "yes" (func))))
  (alias export $i "nope" (func))
)
