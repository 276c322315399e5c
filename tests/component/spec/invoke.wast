;; `wasmplug run --invoke` repeated: the calls after one (component ...) run
;; in order on one instance, so state carries from call to call; a new
;; (component ...) or (component instance ...) starts afresh.

(component definition $Tally
  (core module $m
    (global $n (mut i32) (i32.const 0))
    (memory (export "mem") 1)
    (func (export "add") (param i32) (result i32)
      (global.set $n (i32.add (global.get $n) (local.get 0)))
      (global.get $n))
    (func (export "reset") (global.set $n (i32.const 0)))
    (func (export "fail") unreachable)
    ;; "n=" then the decimal digit of n (0..9), as a string at 100
    (func (export "show") (result i32)
      (i32.store8 (i32.const 100) (i32.const 110))
      (i32.store8 (i32.const 101) (i32.const 61))
      (i32.store8 (i32.const 102) (i32.add (i32.const 48) (global.get $n)))
      (i32.store (i32.const 200) (i32.const 100))
      (i32.store (i32.const 204) (i32.const 3))
      (i32.const 200)))
  (core instance $i (instantiate $m))
  (func (export "add") (param "k" u32) (result u32) (canon lift (core func $i "add")))
  (func (export "reset") (canon lift (core func $i "reset")))
  (func (export "fail") (canon lift (core func $i "fail")))
  (func (export "show") (result string)
    (canon lift (core func $i "show") (memory (core memory $i "mem")))))

(component instance $a $Tally)
(assert_return (invoke "add" (u32.const 2)) (u32.const 2))
(assert_return (invoke "add" (u32.const 3)) (u32.const 5))
(assert_return (invoke "show") (str.const "n=5"))
(assert_return (invoke "reset"))
(assert_return (invoke "add" (u32.const 4)) (u32.const 4))

;; a fresh instance starts from zero
(component instance $b $Tally)
(assert_return (invoke "add" (u32.const 1)) (u32.const 1))
(assert_trap (invoke "fail") "unreachable")
;; after a trap the next calls run on a new instance
(assert_return (invoke "add" (u32.const 1)) (u32.const 1))
(assert_return (invoke "show") (str.const "n=1"))
