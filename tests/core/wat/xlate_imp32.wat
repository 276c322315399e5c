;; Imports xlate_mm.wat's 32-bit memory "a" as a 32-bit memory: links.
(module
  (import "p" "a" (memory 1))
  (func (export "peek") (param i32) (result i32) (i32.load (local.get 0))))
