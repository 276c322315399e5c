;; section: import
;; expect: import `[constructor]r`: a constructor must return `own<r>` or `result<own<r>, E>`
(component
  (import "r" (type $r (sub resource)))
  (import "[constructor]r" (func (result u32)))
)
