;; section: import
;; expect: import `[constructor]r`: a constructor must return own<r>
(component
  (import "r" (type $r (sub resource)))
  (import "[constructor]r" (func (result u32)))
)
