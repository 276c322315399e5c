;; map<K, V> (Component Model 0.3.1, gated as "maps"): a list of (key, value) pairs in
;; every layout (CanonicalABI.md despecializes it to list<tuple<K, V>>); in
;; WAVE a list of pairs, [("k", v), ...].

(component
  (core module $m
    (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get 2))))
      (global.set $bump (i32.add (local.get $p) (local.get 3)))
      (local.get $p))
    (func (export "count") (param i32 i32) (result i32) (local.get 1))
    ;; the sum of the u32 values of a map<string, u32> (12-byte pairs)
    (func (export "total") (param $p i32) (param $n i32) (result i32)
      (local $s i32)
      (block $done
        (loop $next
          (br_if $done (i32.eqz (local.get $n)))
          (local.set $s (i32.add (local.get $s) (i32.load offset=8 (local.get $p))))
          (local.set $p (i32.add (local.get $p) (i32.const 12)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $next)))
      (local.get $s))
    ;; map<u8, bool> {1: true, 2: false}: pairs of 2 bytes at 64, (ptr, len) at 32
    (func (export "make") (result i32)
      (i32.store16 (i32.const 64) (i32.const 0x0101))
      (i32.store16 (i32.const 66) (i32.const 0x0002))
      (i32.store (i32.const 32) (i32.const 64))
      (i32.store (i32.const 36) (i32.const 2))
      (i32.const 32)))
  (core instance $i (instantiate $m))
  (func (export "count") (param "m" (map string u32)) (result u32)
    (canon lift (core func $i "count") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
  (func (export "total") (param "m" (map string u32)) (result u32)
    (canon lift (core func $i "total") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
  (func (export "make") (result (map u8 bool))
    (canon lift (core func $i "make") (memory (core memory $i "mem")))))

(assert_return (invoke "count" (map.const)) (u32.const 0))
(assert_return (invoke "count" (map.const (entry (str.const "a") (u32.const 1)) (entry (str.const "b") (u32.const 2))))
  (u32.const 2))
(assert_return (invoke "total" (map.const
  (entry (str.const "x") (u32.const 40)) (entry (str.const "y") (u32.const 2)) (entry (str.const "x") (u32.const 100))))
  (u32.const 142))
(assert_return (invoke "make") (map.const (entry (u8.const 1) (bool.const true)) (entry (u8.const 2) (bool.const false))))

;; key types: primitives other than floats (strings included)
(component
  (type (map char (list u8)))
  (type (map s64 (map string u32))))
(assert_invalid
  (component (type (map f32 u8)))
  "map key type must be")
(assert_invalid
  (component
    (type $r (record (field "a" u8)))
    (type (map $r u8)))
  "map key type must be")
;; maps are not lists for the type checker
(assert_invalid
  (component
    (component $c (import "f" (func (param "m" (map u8 u8)))))
    (core module $m (func (export "f") (param i32 i32)))
    (core instance $i (instantiate $m))
    (core module $mem (memory (export "m") 1) (func (export "r") (param i32 i32 i32 i32) (result i32) (i32.const 0)))
    (core instance $x (instantiate $mem))
    (func $f (param "m" (list (tuple u8 u8)))
      (canon lift (core func $i "f") (memory (core memory $x "m")) (realloc (core func $x "r"))))
    (instance (instantiate $c (with "f" (func $f)))))
  "expected `map<u8, u8>`")
