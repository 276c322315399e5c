;; section: canon
;; expect: canon resource.new: type 0 is not a local resource (one defined by this component)
(component
  (import "r" (type $r (sub resource)))
  (core func (canon resource.new $r))
)
