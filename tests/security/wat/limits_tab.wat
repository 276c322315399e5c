;; A table of 100 elements: refused under --max-table-elements 10.
(module (table 100 funcref) (func (export "run")))
