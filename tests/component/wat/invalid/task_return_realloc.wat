;; section: canon
;; expect: canon task.return: the realloc option is not allowed
(component
  (core module $m (memory (export "mem") 1) (func (export "r") (param i32 i32 i32 i32) (result i32) i32.const 0))
  (core instance $i (instantiate $m))
  (core func (canon task.return (result string) (memory (core memory $i "mem")) (realloc (core func $i "r"))))
)
