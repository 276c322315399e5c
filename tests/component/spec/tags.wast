;; Core exception tags inside a component: a tag exported by one core
;; instance, placed in a synthesized core instance (inline or through an
;; alias), keeps its identity in every module that imports it.

;; An inline instance passes the tag of $defs to the thrower and the
;; catcher; the catcher's payload is what the thrower threw.
(component
  (core module $Defs
    (tag (export "oops") (param i64))
    (tag (export "other") (param i64)))
  (core module $Raise
    (import "x" "e" (tag $e (param i64)))
    (func (export "raise") (param i64) (throw $e (local.get 0))))
  (core module $Guard
    (import "x" "e" (tag $e (param i64)))
    (import "x" "f" (tag $f (param i64)))
    (import "r" "raise" (func $raise (param i64)))
    ;; 1000 + payload when $e is caught, 2000 + payload for $f
    (func (export "guard") (param i64) (result i64)
      (block $onf (result i64)
        (block $one (result i64)
          (try_table (catch $e $one) (catch $f $onf)
            (call $raise (local.get 0)))
          (return (i64.const -1)))
        (return (i64.add (i64.const 1000))))
      (i64.add (i64.const 2000))))
  (core instance $d (instantiate $Defs))
  (core instance $r (instantiate $Raise
    (with "x" (instance (export "e" (tag $d "other"))))))
  (core instance $g (instantiate $Guard
    (with "x" (instance (export "e" (tag $d "oops")) (export "f" (tag $d "other"))))
    (with "r" (instance $r))))
  (func (export "guard") (param "v" s64) (result s64)
    (canon lift (core func $g "guard")))
)
(assert_return (invoke "guard" (s64.const 5)) (s64.const 2005))
(assert_return (invoke "guard" (s64.const -7)) (s64.const 1993))

;; The same through `alias core export` and a named synthesized instance;
;; a tag of another instance of $Defs is a different tag: not caught by
;; the typed handler, only by catch_all.
(component
  (core module $Defs (tag (export "oops") (param i64)))
  (core module $Raise
    (import "x" "e" (tag $e (param i64)))
    (func (export "raise") (param i64) (throw $e (local.get 0))))
  (core module $Guard
    (import "x" "e" (tag $e (param i64)))
    (import "r" "raise" (func $raise (param i64)))
    (func (export "guard") (param i64) (result i64)
      (block $all
        (block $one (result i64)
          (try_table (catch $e $one) (catch_all $all)
            (call $raise (local.get 0)))
          (return (i64.const -1)))
        (return))
      (i64.const 77)))
  (core instance $d1 (instantiate $Defs))
  (core instance $d2 (instantiate $Defs))
  (alias core export $d1 "oops" (core tag $t1))
  (alias core export $d2 "oops" (core tag $t2))
  (core instance $x1 (export "e" (tag $t1)))
  (core instance $x2 (export "e" (tag $t2)))
  (core instance $same (instantiate $Raise (with "x" (instance $x1))))
  (core instance $diff (instantiate $Raise (with "x" (instance $x2))))
  (core instance $g1 (instantiate $Guard (with "x" (instance $x1)) (with "r" (instance $same))))
  (core instance $g2 (instantiate $Guard (with "x" (instance $x1)) (with "r" (instance $diff))))
  (func (export "same") (param "v" s64) (result s64) (canon lift (core func $g1 "guard")))
  (func (export "diff") (param "v" s64) (result s64) (canon lift (core func $g2 "guard")))
)
(assert_return (invoke "same" (s64.const 9)) (s64.const 9))
(assert_return (invoke "diff" (s64.const 9)) (s64.const 77))
