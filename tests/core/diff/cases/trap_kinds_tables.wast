;; known-failure baseline/wasm2c
;; known-failure optimized/wasm2c
;;
;; Table accesses out of bounds trap as "out of bounds table access"
;; (wasmplug: table out of bounds); a null entry or a wrong type in
;; call_indirect is an indirect call failure.  Memory accesses keep their
;; own kind.  (call_indirect past the table's end: call_indirect_oob.wast.)
;;
;; wasm2c 1.0.32 traps with one code for every explicit bounds check, tables
;; included: so with wasm2c, table.get/set/fill/copy/init out of bounds
;; report "memory out of bounds".  Seen by the differential tests (V8 tells
;; them apart) and the spec suite (table_*.wast); the own translator gets
;; them right.
(module
  (type $v (func))
  (type $i (func (result i32)))
  (table $t 3 funcref)
  (memory 1)
  (elem (table $t) (i32.const 0) func $f)
  (elem $e func $f $f)
  (func $f)
  (func (export "get") (param i32) (result i32) (ref.is_null (table.get $t (local.get 0))))
  (func (export "set") (param i32) (table.set $t (local.get 0) (ref.null func)))
  (func (export "fill") (param i32 i32) (table.fill $t (local.get 0) (ref.null func) (local.get 1)))
  (func (export "copy") (param i32 i32 i32) (table.copy $t $t (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init") (param i32 i32 i32) (table.init $t $e (local.get 0) (local.get 1) (local.get 2)))
  (func (export "call") (param i32) (call_indirect $t (type $v) (local.get 0)))
  (func (export "call_i") (param i32) (result i32) (call_indirect $t (type $i) (local.get 0)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "mfill") (param i32 i32) (memory.fill (local.get 0) (i32.const 0) (local.get 1))))

(assert_return (invoke "get" (i32.const 2)) (i32.const 1))
(assert_trap (invoke "get" (i32.const 3)) "out of bounds table access")
(assert_trap (invoke "set" (i32.const 3)) "out of bounds table access")
(assert_trap (invoke "fill" (i32.const 2) (i32.const 2)) "out of bounds table access")
(assert_trap (invoke "copy" (i32.const 2) (i32.const 0) (i32.const 2)) "out of bounds table access")
(assert_trap (invoke "copy" (i32.const 0) (i32.const 2) (i32.const 2)) "out of bounds table access")
(assert_trap (invoke "init" (i32.const 2) (i32.const 0) (i32.const 2)) "out of bounds table access")
(assert_trap (invoke "init" (i32.const 0) (i32.const 1) (i32.const 2)) "out of bounds table access")
(assert_return (invoke "call" (i32.const 0)))
(assert_trap (invoke "call" (i32.const 1)) "uninitialized element")
(assert_trap (invoke "call_i" (i32.const 0)) "indirect call type mismatch")
(assert_trap (invoke "load" (i32.const 65533)) "out of bounds memory access")
(assert_trap (invoke "mfill" (i32.const 65535) (i32.const 2)) "out of bounds memory access")
