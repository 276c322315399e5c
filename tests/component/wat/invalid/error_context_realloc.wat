;; section: canon
;; expect: canon error-context.debug-message needs a realloc option
(component
  (core module $m (memory (export "mem") 1))
  (core instance $i (instantiate $m))
  (core func (canon error-context.debug-message (memory (core memory $i "mem"))))
)
