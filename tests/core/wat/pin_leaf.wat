;; The end of test_engine's chain of instances for memory 0's base (pin.wat):
;; its own memory, a getter, and the getter in an exported table.
(module
  (type $g (func (param i32) (result i32)))
  (memory (export "mem") 1)
  (table (export "tbl") 1 funcref)
  (elem (i32.const 0) func $get)
  (func $get (export "get") (param i32) (result i32) local.get 0 i32.load)
  (func (export "set") (param i32) i32.const 0 local.get 0 i32.store)
)
