;; section: canon
;; expect: canon lower of `func(msg: string)` needs a memory option
(component
  (import "log" (func $log (param "msg" string)))
  (core func (canon lower (func $log)))
)
