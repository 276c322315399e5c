;; Calls a host function "env" "block" that blocks (test_api.c): the time
;; limit must end the call although the guest never runs while it waits.
(module
  (import "env" "block" (func $block (result i32)))
  (func (export "run") (result i32) (call $block)))
