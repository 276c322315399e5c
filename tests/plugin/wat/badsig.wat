;; badsig.wat — imports `echo: func(s: string) -> string` with the wrong
;; core signature: linking must fail naming the import and both types.
(module
  (import "test:plugin/api@0.1.0" "echo" (func (param i32) (result i32)))
  (memory (export "memory") 1))
