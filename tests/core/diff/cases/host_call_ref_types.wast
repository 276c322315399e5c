;; known-failure baseline/own
;; known-failure optimized/own
;; known-failure baseline/wasm2c
;; known-failure optimized/wasm2c
;;
;; Exported functions taking or returning references can be called from
;; the host like any other (the embedding API has funcref and externref
;; values).  (The spec suite's ref_null.wast, ref_is_null.wast, select.wast,
;; table_get/set/grow.wast.)
;;
;; externref works; a function returning a funcref fails on both
;; translators: "this function's signature cannot be called from the host".
(module
  (table $t 2 externref)
  (func (export "null") (result externref) (ref.null extern))
  (func (export "is_null") (param externref) (result i32) (ref.is_null (local.get 0)))
  (func (export "id") (param externref) (result externref) (local.get 0))
  (func (export "set") (param i32 externref) (table.set $t (local.get 0) (local.get 1)))
  (func (export "get") (param i32) (result externref) (table.get $t (local.get 0)))
  (func (export "fnull") (result funcref) (ref.null func)))
(assert_return (invoke "null") (ref.null extern))
(assert_return (invoke "is_null" (ref.null extern)) (i32.const 1))
(assert_return (invoke "is_null" (ref.extern 7)) (i32.const 0))
(assert_return (invoke "id" (ref.extern 7)) (ref.extern 7))
(assert_return (invoke "set" (i32.const 1) (ref.extern 3)))
(assert_return (invoke "get" (i32.const 1)) (ref.extern 3))
(assert_return (invoke "fnull") (ref.null func))
