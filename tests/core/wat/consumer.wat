;; Imports a memory, table, global and function from provider.wat.
(module
  (import "p" "mem" (memory 1))
  (import "p" "tbl" (table 1 funcref))
  (import "p" "counter" (global $c (mut i32)))
  (import "p" "triple" (func $triple (param i32) (result i32)))
  (func (export "run") (param i32) (result i32)
    i32.const 16 local.get 0 i32.store
    global.get $c i32.const 1 i32.add global.set $c
    local.get 0 call $triple)
)
