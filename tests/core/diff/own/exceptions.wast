;; Exception handling (try_table, throw, throw_ref, exnref): values carried
;; by catch clauses, rethrow, handlers popped on every way out of a
;; try_table (branches, return, catches to outer labels), exceptions across
;; functions, instances and modules (tags compared by identity), locals
;; changed before a throw seen by the catch, traps not caught, uncaught
;; exceptions, and a long loop of throws (exceptions freed when caught).
(module $a
  (tag $e (export "e") (param i32))
  (func (export "throw") (param i32) (throw $e (local.get 0))))
(register "a" $a)
(module $a2
  (tag $e (export "e") (param i32))
  (func (export "throw") (param i32) (throw $e (local.get 0))))
(register "a2" $a2)

(module
  (import "a" "e" (tag $ae (param i32)))
  (import "a" "throw" (func $athrow (param i32)))
  (import "a2" "throw" (func $a2throw (param i32)))
  (tag $t0)
  (tag $t2 (param i32 i64))
  (tag $tf (param f64))
  (memory 1)

  (func (export "catch2") (param i32) (result i64) (local $hi i64)
    (block $h (result i32 i64)
      (try_table (catch $t2 $h)
        (throw $t2 (local.get 0) (i64.const 40)))
      (return (i64.const -1)))
    (local.set $hi)
    (i64.add (i64.extend_i32_u) (local.get $hi)))

  (func (export "catch_f64") (result f64)
    (block $h (result f64)
      (try_table (result f64) (catch $tf $h) (throw $tf (f64.const 2.5)))))

  ;; a catch clause's order: the first that matches wins
  (func (export "order") (param i32) (result i32)
    (block $all
      (block $zero
        (try_table (catch $t0 $zero) (catch_all $all)
          (if (local.get 0) (then (throw $t2 (i32.const 1) (i64.const 2))) (else (throw $t0))))
        (return (i32.const -1)))
      (return (i32.const 10)))
    (i32.const 20))

  ;; catch_ref then throw_ref: the same exception, caught again outside
  (func (export "rethrow") (result i32)
    (block $outer (result i32 i64)
      (try_table (catch $t2 $outer)
        (block $inner (result exnref)
          (try_table (catch_all_ref $inner) (throw $t2 (i32.const 7) (i64.const 8)))
          (unreachable))
        (throw_ref))
      (unreachable))
    (drop))
  (func (export "throw_null") (throw_ref (ref.null exn)))

  ;; handlers are popped: a branch out of a try_table, then a throw that the
  ;; stale handler must not catch (it reaches the outer one)
  (func (export "br_out") (result i32)
    (block $h
      (try_table (catch $t0 $h)
        (block $skip (try_table (catch_all $skip) (br $skip)))
        (throw $t0))
      (return (i32.const -1)))
    (i32.const 1))
  (func $ret_from_try (result i32) (block $b (try_table (catch_all $b) (return (i32.const 5)))) (i32.const 6))
  (func (export "after_return") (result i32)
    (block $h
      (try_table (catch $t0 $h)
        (drop (call $ret_from_try))
        (throw $t0))
      (return (i32.const -1)))
    (i32.const 2))
  ;; a catch to a label outside two try_tables pops both
  (func (export "two_out") (result i32)
    (block $h
      (try_table (catch $t0 $h)
        (block $far
          (try_table (catch_all $far)
            (try_table (catch_all $far) (throw $t0))))
        (throw $t0))
      (return (i32.const -1)))
    (i32.const 3))
  ;; br_if out of a try_table
  (func (export "br_if_out") (param i32) (result i32)
    (block $h
      (try_table (catch $t0 $h)
        (block $skip (try_table (catch_all $skip) (br_if $skip (local.get 0)) (return (i32.const 9))))
        (throw $t0))
      (return (i32.const -1)))
    (i32.const 4))

  ;; a local changed in the try body is seen by the catch
  (func (export "local_after") (result i32) (local $x i32)
    (block $h
      (try_table (catch_all $h)
        (local.set $x (i32.const 41))
        (call $thrower)))
    (i32.add (local.get $x) (i32.const 1)))
  (func $thrower (throw $t0))

  ;; across modules: tags by identity
  (func (export "from_a") (result i32)
    (block $h (result i32)
      (try_table (catch $ae $h) (call $athrow (i32.const 33)))
      (i32.const -1)))
  (func (export "from_a2") (result i32)
    (block $all
      (block $h (result i32)
        (try_table (catch $ae $h) (catch_all $all) (call $a2throw (i32.const 33)))
        (return (i32.const -1)))
      (return))
    (i32.const 99))

  ;; traps are not exceptions
  (func (export "trap_in_try") (result i32)
    (block $h
      (try_table (catch_all $h) (drop (i32.load (i32.const 70000)))))
    (i32.const 1))
  (func (export "uncaught") (throw $t0))

  ;; an exception held as an exnref outlives a plain catch of it: thrown
  ;; again after another exception was made, it still carries its values
  (global $held (mut exnref) (ref.null exn))
  (func (export "held") (result i32)
    (block $r (result i32 i64 exnref)
      (try_table (catch_ref $t2 $r) (throw $t2 (i32.const 5) (i64.const 6)))
      (unreachable))
    (global.set $held) (drop) (drop)
    (block $h (result i32 i64)
      (try_table (catch $t2 $h) (throw_ref (global.get $held)))
      (unreachable))
    (drop) (drop)
    (block $h2 (result i32 i64)
      (try_table (catch $t2 $h2) (throw $t2 (i32.const 100) (i64.const 200)))
      (unreachable))
    (drop) (drop)
    (block $h3 (result i32 i64)
      (try_table (catch $t2 $h3) (throw_ref (global.get $held)))
      (unreachable))
    (drop))

  ;; many throws: caught ones are freed (and a few held as exnref)
  (func (export "loop") (param i32) (result i32) (local $n i32) (local $held exnref)
    (loop $l
      (block $h
        (try_table (catch $t0 $h) (throw $t0)))
      (block $r (result exnref)
        (try_table (catch_all_ref $r) (throw $t0))
        (unreachable))
      (local.set $held)
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $n) (local.get 0))))
    (i32.eqz (ref.is_null (local.get $held)))))

(assert_return (invoke "catch2" (i32.const 2)) (i64.const 42))
(assert_return (invoke "catch_f64") (f64.const 2.5))
(assert_return (invoke "order" (i32.const 0)) (i32.const 10))
(assert_return (invoke "order" (i32.const 1)) (i32.const 20))
(assert_return (invoke "rethrow") (i32.const 7))
(assert_trap (invoke "throw_null") "null exception reference")
(assert_return (invoke "br_out") (i32.const 1))
(assert_return (invoke "after_return") (i32.const 2))
(assert_return (invoke "two_out") (i32.const 3))
(assert_return (invoke "br_if_out" (i32.const 1)) (i32.const 4))
(assert_return (invoke "br_if_out" (i32.const 0)) (i32.const 9))
(assert_return (invoke "local_after") (i32.const 42))
(assert_return (invoke "from_a") (i32.const 33))
(assert_return (invoke "from_a2") (i32.const 99))
(assert_trap (invoke "trap_in_try") "out of bounds memory access")
(assert_exception (invoke "uncaught"))
(assert_return (invoke "loop" (i32.const 200000)) (i32.const 1))
(assert_return (invoke "held") (i32.const 5))
