;; Hot-first tier-up (tests/core/test_hot.c): the first run calls only
;; "work" (which calls $leaf, $mid, $check and, through the table, $twice)
;; and "mid" with small arguments, so those functions are the hot set;
;; $cold, $ctrap and the other exports run only in later runs.
(module
  (import "env" "add" (func $add (param i32 i32) (result i32)))   ;; 0
  (memory 1)
  (table 2 funcref)
  (elem (i32.const 0) $twice $cold)
  (type $un (func (param i32) (result i32)))
  (func $leaf (param i32) (result i32)                               ;; 1: hot, calls the host
    (call $add (local.get 0) (i32.const 1)))
  (func $check (param i32) (result i32)                              ;; 2: hot; traps on 0
    (if (i32.eqz (local.get 0)) (then unreachable))
    (local.get 0))
  (func $cold (param i32) (result i32)                               ;; 3: never called in the first run
    (i32.mul (local.get 0) (i32.const 100)))
  (func $ctrap (param i32) (result i32)                              ;; 4: cold, traps (memory)
    (i32.load (i32.const -4)))
  (func $twice (param i32) (result i32)                              ;; 5: hot, through the table
    (i32.add (local.get 0) (local.get 0)))
  (func $mid (export "mid") (param i32) (result i32)                 ;; 6: hot; calls cold ones on some arguments
    (if (i32.lt_s (local.get 0) (i32.const 0)) (then (return (call $ctrap (local.get 0)))))
    (if (i32.gt_s (local.get 0) (i32.const 1000)) (then (return (call $cold (local.get 0)))))
    (i32.add (call $leaf (local.get 0)) (call $check (i32.add (local.get 0) (i32.const 1)))))
  (func $work (export "work") (param i32) (result i32) (local $i i32) (local $s i32)   ;; 7: hot
    (loop $l
      (local.set $s (i32.add (local.get $s) (call $mid (local.get $i))))
      (local.set $s (i32.add (local.get $s) (call_indirect (type $un) (local.get $i) (i32.const 0))))
      (i32.store (i32.const 16) (local.get $s))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get 0))))
    (i32.load (i32.const 16)))
  (func $cold_entry (export "cold") (param i32) (result i32)                     ;; 8: cold, through the table to $cold
    (call_indirect (type $un) (local.get 0) (i32.const 1)))
  (func $trap_hot (export "trap_hot") (param i32) (result i32)                 ;; 9: cold, calls hot $check(0): traps there
    (call $check (i32.const 0)))
  (func $count (export "count") (result i32)                                ;; 10: cold; reads what work stored
    (i32.load (i32.const 16))))
