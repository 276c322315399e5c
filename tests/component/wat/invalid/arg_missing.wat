;; section: instance
;; expect: missing import named `f` (instantiation argument `f` of component 0)
(component
  (component $c (import "f" (func (param "x" u32))))
  (instance (instantiate $c))
)
