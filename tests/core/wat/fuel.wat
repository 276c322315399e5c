;; Fuel metering and epoch interruption (tests/core/test_fuel.c): one unit
;; per function entry and one per loop iteration, so the exact fuel every
;; export needs is known; the checks of epochs are at the same places.
(module
  (import "host" "reenter" (func $reenter (param i32) (result i32)))
  (import "host" "tick" (func $tick))
  (func $spin (export "spin") (loop $l (br $l)))
  ;; n >= 1 iterations: 1 (entry) + n (the loop's header) units
  (func $count (export "count") (param $n i32) (result i32)
    (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i))
  ;; n + 1 entries, no loop
  (func $rec (export "rec") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $rec (i32.sub (local.get $n) (i32.const 1)))))))
  ;; the host calls count(n) back: the inner call shares this call's fuel
  (func (export "via_host") (param $n i32) (result i32)
    (call $reenter (local.get $n)))
  ;; recursion without end: no loop, only calls
  (func $deep (export "deep") (call $deep))
  ;; the host advances the engine's epoch n times, one per iteration
  (func $ticks (export "ticks") (param $n i32) (result i32)
    (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (call $tick)
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $i))
  ;; n tail calls of itself: each is an entry
  (func $tail (export "tail") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 7))
      (else (return_call $tail (i32.sub (local.get $n) (i32.const 1)))))))
