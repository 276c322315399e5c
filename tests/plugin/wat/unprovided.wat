;; unprovided.wat — imports an interface no plugin provides.
(module
  (import "test:plugin/other@0.1.0" "frob" (func (param i32)))
  (memory (export "memory") 1))
