;; Tail calls (return_call, return_call_indirect) run on a trampoline: a
;; million-deep chain of tail calls needs no stack, directly, through a
;; table, between functions of different types, with several results, to an
;; imported function and to another module's function through a table.
(module $other
  (type $ii (func (param i64 i64) (result i64)))
  (table (export "tab") 4 funcref)
  (elem (i32.const 1) $count_down $add)
  (func $count_down (export "count_down") (type $ii)
    (if (result i64) (i64.eqz (local.get 0))
      (then (local.get 1))
      (else (return_call_indirect (type $ii) (i64.sub (local.get 0) (i64.const 1))
                                  (i64.add (local.get 1) (i64.const 2)) (i32.const 1)))))
  (func $add (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1))))
(register "other" $other)

(module
  (import "other" "count_down" (func $imp (param i64 i64) (result i64)))
  (import "other" "tab" (table $ot 4 funcref))
  (type $ii (func (param i64 i64) (result i64)))
  (type $i (func (param i64) (result i32)))
  (type $three (func (param i32) (result i32 i64 f64)))
  (table $t 8 funcref)
  (elem (table $t) (i32.const 0) func $even $odd $three $trap_at)
  (memory 1)

  (func $even (export "even") (type $i)
    (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 1))
      (else (return_call $odd (i64.sub (local.get 0) (i64.const 1))))))
  (func $odd (type $i)
    (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 0))
      (else (return_call $even (i64.sub (local.get 0) (i64.const 1))))))

  ;; the same through the table: entry 0 is even, 1 is odd
  (func $even_i (export "even_i") (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 1))
      (else (return_call_indirect $t (type $i) (i64.sub (local.get 0) (i64.const 1)) (i32.const 1)))))

  ;; several results, a callee of another type, locals after the call
  (func $three (type $three)
    (i32.add (local.get 0) (i32.const 1)) (i64.extend_i32_u (local.get 0)) (f64.const 2.5))
  (func $to_three (export "to_three") (param i64 i32) (result i32 i64 f64) (local $x i32)
    (local.set $x (i32.mul (local.get 1) (i32.const 3)))
    (return_call $three (local.get $x)))
  (func $to_three_i (export "to_three_i") (param i32) (result i32 i64 f64)
    (return_call_indirect $t (type $three) (local.get 0) (i32.const 2)))

  ;; a trap in the tail-called function; bad indirect targets
  (func $trap_at (type $i) (i32.wrap_i64 (i64.div_u (i64.const 1) (local.get 0))))
  (func (export "div_tail") (param i64) (result i32) (return_call $trap_at (local.get 0)))
  (func (export "bad_type") (result i32) (return_call_indirect $t (type $i) (i64.const 1) (i32.const 2)))
  (func (export "null_entry") (result i32) (return_call_indirect $t (type $i) (i64.const 1) (i32.const 5)))
  (func (export "out_of_table") (result i32) (return_call_indirect $t (type $i) (i64.const 1) (i32.const 99)))
  ;; an argument that traps comes before the table check
  (func (export "arg_traps_first") (result i32)
    (return_call_indirect $t (type $i) (i64.load (i32.const 70000)) (i32.const 99)))

  ;; to an imported function (which makes its own tail calls), and to
  ;; another module's functions through its table
  (func (export "to_import") (param i64) (result i64) (return_call $imp (local.get 0) (i64.const 0)))
  (func (export "via_other_table") (param i64) (result i64)
    (return_call_indirect $ot (type $ii) (local.get 0) (i64.const 0) (i32.const 1)))
  (func (export "other_add") (result i64)
    (return_call_indirect $ot (type $ii) (i64.const 40) (i64.const 2) (i32.const 2)))

  ;; a loop of tail calls that also calls normally each time
  (func $sum (export "sum") (param i64 i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0)) (then (local.get 1))
      (else (return_call $sum (i64.sub (local.get 0) (i64.const 1))
                              (i64.add (local.get 1) (call $inc (local.get 0)))))))
  (func $inc (param i64) (result i64) (i64.add (local.get 0) (i64.const 1))))

(assert_return (invoke "even" (i64.const 0)) (i32.const 1))
(assert_return (invoke "even" (i64.const 7)) (i32.const 0))
(assert_return (invoke "even" (i64.const 1000000)) (i32.const 1))
(assert_return (invoke "even" (i64.const 1000001)) (i32.const 0))
(assert_return (invoke "even_i" (i64.const 1000000)) (i32.const 1))
(assert_return (invoke "even_i" (i64.const 999999)) (i32.const 0))
(assert_return (invoke "to_three" (i64.const 9) (i32.const 5)) (i32.const 16) (i64.const 15) (f64.const 2.5))
(assert_return (invoke "to_three_i" (i32.const 7)) (i32.const 8) (i64.const 7) (f64.const 2.5))
(assert_return (invoke "div_tail" (i64.const 1)) (i32.const 1))
(assert_trap (invoke "div_tail" (i64.const 0)) "integer divide by zero")
(assert_trap (invoke "bad_type") "indirect call type mismatch")
(assert_trap (invoke "null_entry") "uninitialized element")
(assert_trap (invoke "out_of_table") "undefined element")
(assert_trap (invoke "arg_traps_first") "out of bounds memory access")
(assert_return (invoke "to_import" (i64.const 1000000)) (i64.const 2000000))
(assert_return (invoke "via_other_table" (i64.const 1000000)) (i64.const 2000000))
(assert_return (invoke "other_add") (i64.const 42))
(assert_return (invoke "sum" (i64.const 1000000) (i64.const 0)) (i64.const 500001500000))
