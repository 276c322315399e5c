;; newer.wat — built against test:plugin/api@0.2.0; the plugin has 0.1.0.
(module
  (import "test:plugin/api@0.2.0" "nop" (func))
  (memory (export "memory") 1))
