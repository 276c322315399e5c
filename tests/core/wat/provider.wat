;; Exports every kind of entity, for linking tests.
(module
  (memory (export "mem") 1 10)
  (table (export "tbl") 2 funcref)
  (global (export "counter") (mut i32) (i32.const 100))
  (func (export "triple") (param i32) (result i32) local.get 0 i32.const 3 i32.mul)
  (func (export "peek") (param i32) (result i32) local.get 0 i32.load)
)
