;; A core module exporting test:aplug/exp's async `go` (ops.wit, world
;; exporter) the way a synchronous lift would take it: `wasmplug component
;; new` refuses it, naming the function.
(module
  (memory (export "memory") 1)
  (func (export "test:aplug/exp@0.1.0#go") (result i32) (i32.const 1)))
