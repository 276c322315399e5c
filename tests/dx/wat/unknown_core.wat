;; A core module importing a function nobody provides (issue 19, item 7).
(module
  (import "env" "missing" (func $missing (param i32) (result i32)))
  (func (export "noop") (result i32) (i32.const 7))
  (func (export "call") (result i32) (call $missing (i32.const 5))))
