;; norealloc.wat — has memory but no cabi_realloc: returning a non-empty
;; string needs one, so the call traps with a message saying so.
(module
  (import "test:plugin/api@0.1.0" "echo" (func $echo (param i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0x10) "hi")
  (func (export "run") (call $echo (i32.const 0x10) (i32.const 2) (i32.const 0x20))))
