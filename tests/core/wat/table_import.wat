;; Imported functions (a host function and another instance's function)
;; placed in a table and called through call_indirect: the shape of jco's
;; fixup modules.
(module
  (import "env" "inc" (func $inc (param i32) (result i32)))
  (import "p" "triple" (func $triple (param i32) (result i32)))
  (type $t (func (param i32) (result i32)))
  (table 3 funcref)
  (elem (i32.const 0) $triple $inc $local)
  (func $local (param i32) (result i32) local.get 0 i32.const 1000 i32.add)
  (func (export "ci") (param i32 i32) (result i32)
    local.get 1 local.get 0 call_indirect (type $t)))
