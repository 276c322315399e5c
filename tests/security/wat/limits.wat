;; Core-module limits (issue 12, item 7): --invoke grow / grow-table print
;; what memory.grow / table.grow returned (-1 when refused).  `big-memory`
;; and `big-table` are separate modules (limits_mem2.wat, limits_tab.wat).
(module
  (memory (export "memory") 1)
  (table 1 funcref)
  (func (export "grow") (result i32) (memory.grow (i32.const 1)))
  (func (export "grow-table") (result i32) (table.grow 0 (ref.null func) (i32.const 20))))
