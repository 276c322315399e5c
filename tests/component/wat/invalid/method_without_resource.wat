;; section: import
;; expect: import `[method]foo.bar`: resource used in function does not have a name in this context (it must be imported as `foo` before)
;; (a resource of an imported instance gives no top-level name)
(component
  (import "i" (instance $i (export "foo" (type (sub resource)))))
  (alias export $i "foo" (type $foo))
  (import "[method]foo.bar" (func (param "self" (borrow $foo))))
)
