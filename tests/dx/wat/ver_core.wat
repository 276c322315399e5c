;; A core module guest of dx_ver.c's plugin (the reload test).
(module
  (import "test:ver/api@1.0.0" "get" (func $get (result i32)))
  (memory (export "memory") 1)
  (func (export "get") (result i32) (call $get)))
