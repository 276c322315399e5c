;; section: canon
;; expect: canon lift of `func(name: string) -> string` needs a realloc option
(component
  (core module $m
    (memory (export "mem") 1)
    (func (export "greet") (param i32 i32) (result i32) i32.const 0))
  (core instance $i (instantiate $m))
  (func (param "name" string) (result string)
    (canon lift (core func $i "greet") (memory (core memory $i "mem"))))
)
