;; Fixed-length lists, list<T, N> (Component Model 0.3, gated as "fixed-length lists"): N elements
;; stored inline, flattened as N copies of T; lifted and lowered in flat
;; values, through memory (results, spilled params) and across components.

(component
  (core module $m
    (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (global.get $bump))
      (global.set $bump (i32.add (global.get $bump) (local.get 3)))
      (local.get $p))
    ;; four u32 in four flat params
    (func (export "sum4") (param i32 i32 i32 i32) (result i32)
      (i32.add (i32.add (local.get 0) (local.get 1)) (i32.add (local.get 2) (local.get 3))))
    ;; list<u8, 3> result: through a return pointer
    (func (export "iota") (result i32)
      (i32.store8 (i32.const 16) (i32.const 7))
      (i32.store8 (i32.const 17) (i32.const 8))
      (i32.store8 (i32.const 18) (i32.const 9))
      (i32.const 16))
    ;; list<u16, 20>: 20 flat values, more than 16: spilled to memory
    (func (export "last") (param $p i32) (result i32)
      (i32.load16_u offset=38 (local.get $p)))
    ;; list<tuple<u8, string>, 2>: the second element's string length
    (func (export "second-len") (param i32 i32 i32 i32 i32 i32) (result i32)
      (local.get 5)))
  (core instance $i (instantiate $m))
  (func (export "sum4") (param "v" (list u32 4)) (result u32)
    (canon lift (core func $i "sum4")))
  (func (export "iota") (result (list u8 3))
    (canon lift (core func $i "iota") (memory (core memory $i "mem"))))
  (func (export "last") (param "v" (list u16 20)) (result u16)
    (canon lift (core func $i "last") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
  (func (export "second-len") (param "v" (list (tuple u8 string) 2)) (result u32)
    (canon lift (core func $i "second-len") (memory (core memory $i "mem")) (realloc (core func $i "realloc")))))

(assert_return (invoke "sum4" (list.const (u32.const 1) (u32.const 2) (u32.const 3) (u32.const 4))) (u32.const 10))
(assert_return (invoke "iota") (list.const (u8.const 7) (u8.const 8) (u8.const 9)))
(assert_return (invoke "last" (list.const
  (u16.const 0) (u16.const 1) (u16.const 2) (u16.const 3) (u16.const 4)
  (u16.const 5) (u16.const 6) (u16.const 7) (u16.const 8) (u16.const 9)
  (u16.const 10) (u16.const 11) (u16.const 12) (u16.const 13) (u16.const 14)
  (u16.const 15) (u16.const 16) (u16.const 17) (u16.const 18) (u16.const 65535)))
  (u16.const 65535))
(assert_return (invoke "second-len" (list.const
  (tuple.const (u8.const 1) (str.const "a"))
  (tuple.const (u8.const 2) (str.const "hello")))) (u32.const 5))

;; one component lowers a fixed list, the other lifts it
(component
  (component $C
    (core module $m
      (func (export "sum3") (param i32 i32 i32) (result i32)
        (i32.add (local.get 0) (i32.add (local.get 1) (local.get 2)))))
    (core instance $i (instantiate $m))
    (func (export "sum3") (param "v" (list s8 3)) (result s32) (canon lift (core func $i "sum3"))))
  (component $D
    (import "sum3" (func $sum3 (param "v" (list s8 3)) (result s32)))
    (core func $sum3' (canon lower (func $sum3)))
    (core module $m
      (import "" "sum3" (func $sum3 (param i32 i32 i32) (result i32)))
      ;; -1 as an s8 arrives sign-extended
      (func (export "run") (result i32)
        (call $sum3 (i32.const -1) (i32.const 10) (i32.const 100))))
    (core instance $i (instantiate $m (with "" (instance (export "sum3" (func $sum3'))))))
    (func (export "run") (result s32) (canon lift (core func $i "run"))))
  (instance $c (instantiate $C))
  (instance $d (instantiate $D (with "sum3" (func $c "sum3"))))
  (export "run" (func $d "run")))
(assert_return (invoke "run") (s32.const 109))

;; a length 0 is invalid; lengths must match in type checks
(assert_invalid
  (component
    (component $c (import "f" (func (param "v" (list u8 2)))))
    (core module $m (func (export "f") (param i32 i32 i32)))
    (core instance $i (instantiate $m))
    (func $f (param "v" (list u8 3)) (canon lift (core func $i "f")))
    (instance (instantiate $c (with "f" (func $f)))))
  "expected `list<u8, 2>`, found `list<u8, 3>`")
(assert_invalid
  (component
    (core module $m (func (export "f") (param i32 i32 i32)))
    (core instance $i (instantiate $m))
    (func $f (param "v" (list u8 2)) (canon lift (core func $i "f"))))
  "needs [i32 i32] -> []")
