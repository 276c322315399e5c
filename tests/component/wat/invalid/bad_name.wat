;; section: import
;; expect: import name `Foo_bar` is not a valid plain name or interface name
(component
  (import "Foo_bar" (func))
)
