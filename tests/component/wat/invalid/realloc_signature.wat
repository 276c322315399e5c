;; section: canon
;; expect: canon lower: realloc (core func 0) has type [i32] -> [i32], expected [i32 i32 i32 i32] -> [i32]
(component
  (import "log" (func $log (result string)))
  (core module $m
    (memory (export "mem") 1)
    (func (export "realloc") (param i32) (result i32) i32.const 0))
  (core instance $i (instantiate $m))
  (core func (canon lower (func $log) (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
)
