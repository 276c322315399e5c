;; section: export
;; expect: export `f`: expected `func(x: u32)`, found `func()`
(component
  (import "g" (func $g))
  (export "f" (func $g) (func (param "x" u32)))
)
