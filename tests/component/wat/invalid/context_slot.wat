;; section: canon
;; expect: canon context.get: slot 2 out of range (0..1)
(component
  (core func (canon context.get i32 2))
)
