;; A core module for the host API's --invoke path: two results of
;; different types, no imports.
(module
  (func (export "answer") (result i32 f64) (i32.const 42) (f64.const 0.5))
  (func (export "takes") (param i32) (result i32) (local.get 0)))
