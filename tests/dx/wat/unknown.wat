;; Imports an interface nobody provides (issue 19, item 7): `noop` never
;; calls it; `call-num`, `call-str` and `call-opt` do.  Run with
;; --trap-unknown-imports (calls trap, naming the import) or
;; --default-values-unknown-imports (they return 0, "" and none).
(component
  (import "test:nobody/api@1.0.0" (instance $nb
    (export "num" (func (param "x" u32) (result u32)))
    (export "str" (func (param "s" string) (result string)))
    (export "opt" (func (result (option u32))))
  ))
  (core module $libc
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get 2))))
      (global.set $bump (i32.add (local.get $p) (local.get 3)))
      (local.get $p)))
  (core instance $libc (instantiate $libc))
  (alias core export $libc "memory" (core memory $mem))
  (alias core export $libc "realloc" (core func $realloc))
  (alias export $nb "num" (func $num))
  (alias export $nb "str" (func $str))
  (alias export $nb "opt" (func $opt))
  (core func $num-low (canon lower (func $num)))
  (core func $str-low (canon lower (func $str) (memory $mem) (realloc $realloc)))
  (core func $opt-low (canon lower (func $opt) (memory $mem)))
  (core module $m
    (import "libc" "memory" (memory 1))
    (import "nb" "num" (func $num (param i32) (result i32)))
    (import "nb" "str" (func $str (param i32 i32 i32)))
    (import "nb" "opt" (func $opt (param i32)))
    (data (i32.const 100) "hello")
    (func (export "noop") (result i32) (i32.const 7))
    (func (export "call-num") (param i32) (result i32) (call $num (local.get 0)))
    ;; the result string (ptr, len) is written at 16
    (func (export "call-str") (result i32)
      (call $str (i32.const 100) (i32.const 5) (i32.const 16))
      (i32.const 16))
    ;; option<u32> written at 32: discriminant byte, then the u32
    (func (export "call-opt") (result i32)
      (i32.store (i32.const 32) (i32.const 0xff))
      (call $opt (i32.const 32))
      (i32.const 32)))
  (core instance $nbcore
    (export "num" (func $num-low)) (export "str" (func $str-low)) (export "opt" (func $opt-low)))
  (core instance $libcx (export "memory" (memory $mem)))
  (core instance $i (instantiate $m (with "libc" (instance $libcx)) (with "nb" (instance $nbcore))))
  (func (export "noop") (result u32) (canon lift (core func $i "noop")))
  (func (export "call-num") (param "x" u32) (result u32) (canon lift (core func $i "call-num")))
  (func (export "call-str") (result string) (canon lift (core func $i "call-str") (memory $mem) (realloc $realloc)))
  (func (export "call-opt") (result (option u32)) (canon lift (core func $i "call-opt") (memory $mem))))
