;; known-failure baseline/own
;; known-failure optimized/own
;; known-failure baseline/wasm2c
;; known-failure optimized/wasm2c
;;
;; Names are byte strings: "" and "\00" are two different export names, so
;; this module is valid.  (The spec suite's names.wast.)
;;
;; The validator compares names as C strings and refuses the module with
;; "duplicate export name ''"; every later command of names.wast fails with
;; it.  (The embedding API looks exports up by C string too, so a name with
;; a NUL byte cannot be called from the host at all.)
(module
  (func (export "") (result i32) (i32.const 0))
  (func (export "\00") (result i32) (i32.const 1))
  (func (export "a\00b") (result i32) (i32.const 2))
  (func (export "a") (result i32) (i32.const 3)))
(assert_return (invoke "") (i32.const 0))
(assert_return (invoke "a") (i32.const 3))
