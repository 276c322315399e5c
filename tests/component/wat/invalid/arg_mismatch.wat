;; section: instance
;; expect: instantiation argument `f` of component 0: expected `func(x: u32)`, found `func(x: string)` (param `x`: expected `u32`, found `string`)
(component
  (import "g" (func $g (param "x" string)))
  (component $c (import "f" (func (param "x" u32))))
  (instance (instantiate $c (with "f" (func $g))))
)
