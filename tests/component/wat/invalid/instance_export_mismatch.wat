;; section: instance
;; expect: instantiation argument `i` of component 0: `get`: expected `func() -> u32`, found `func() -> string` (result: expected `u32`, found `string`)
(component
  (import "h" (instance $h (export "get" (func (result string)))))
  (component $c (import "i" (instance (export "get" (func (result u32))))))
  (instance (instantiate $c (with "i" (instance $h))))
)
