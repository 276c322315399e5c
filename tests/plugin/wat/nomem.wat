;; nomem.wat — exports neither memory nor cabi_realloc, but calls a
;; function that returns a string: it must trap, not crash.
(module
  (import "test:plugin/api@0.1.0" "echo" (func $echo (param i32 i32 i32)))
  (func (export "run") (call $echo (i32.const 0) (i32.const 0) (i32.const 0))))
