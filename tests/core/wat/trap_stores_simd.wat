;; Stores before a trapping access stay written, none after it lands
;; (test_trap_stores.c reads the memory after each trap).  Each function is
;; called with $x = 65536, one past the end of the one-page memory.
(module
  (memory (export "memory") 1)
  ;; a v128 operation: the optimized tier compiles this module at -O2
  (func (export "lanes") (result i32) (i32x4.extract_lane 0 (v128.const i32x4 5 6 7 8)))
  ;; dead-store elimination: the trapping store to $x is overwritten later,
  ;; so a compiler may drop it and let the store to 0 land first
  (func (export "dse") (param $x i32)
    (i32.store (local.get $x) (i32.const 1))
    (i32.store (i32.const 0) (i32.const 2))
    (i32.store (local.get $x) (i32.const 3)))
  ;; store merging: the last byte of memory is written, the next one traps;
  ;; one 2-byte store of both would write neither
  (func (export "merge") (param $x i32)
    (i32.store8 (i32.sub (local.get $x) (i32.const 1)) (i32.const 7))
    (i32.store8 (local.get $x) (i32.const 9)))
  ;; store motion: the loop stores its counter to 16, then loads from
  ;; $x - 4 * 4096 + i * 4096, which traps at i = 4; the store of 4 was made
  ;; before the load, so 16 holds 4 (a store sunk after the loop: 0 or 3)
  (func (export "motion") (param $x i32)
    (local $i i32) (local $s i32)
    (loop $l
      (i32.store (i32.const 16) (local.get $i))
      (local.set $s (i32.add (local.get $s)
        (i32.load (i32.add (i32.sub (local.get $x) (i32.const 16384))
                           (i32.mul (local.get $i) (i32.const 4096))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
  ;; the memory's i32 at $a, for the test to read
  (func (export "peek") (param $a i32) (result i32) (i32.load (local.get $a))))
