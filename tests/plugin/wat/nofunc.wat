;; nofunc.wat — imports a function the provided interface does not have.
(module
  (import "test:plugin/api@0.1.0" "frobnicate" (func))
  (memory (export "memory") 1))
