;; Component limits (issue 12, item 7).
;;   make(n): creates n handles of its own resource type (canon resource.new)
;;            and keeps them: --max-handles bounds the handle table;
;;   big(n):  returns a list<u8> of n bytes, which the host copies out:
;;            --max-host-memory bounds it;
;; and five core instances: --max-instances 4 refuses to instantiate it.
(component
  (type $r (resource (rep i32)))
  (core func $new (canon resource.new $r))
  (core module $libc
    (memory (export "memory") 32)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096)))
  (core instance $libc (instantiate $libc))
  (alias core export $libc "memory" (core memory $mem))
  (core module $empty)
  (core instance (instantiate $empty))
  (core instance (instantiate $empty))
  (core instance (instantiate $empty))
  (core module $m
    (import "w" "new" (func $new (param i32) (result i32)))
    (import "w" "mem" (memory 1))
    (func (export "make") (param $n i32) (result i32) (local $i i32)
      (block $done (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (drop (call $new (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
      (local.get $n))
    (func (export "big") (param $n i32) (result i32)
      (i32.store (i32.const 16) (i32.const 65536))
      (i32.store (i32.const 20) (local.get $n))
      (i32.const 16)))
  (core instance $w (export "new" (func $new)) (export "mem" (memory $mem)))
  (core instance $i (instantiate $m (with "w" (instance $w))))
  (type $lu8 (list u8))
  (func (export "make") (param "n" u32) (result u32) (canon lift (core func $i "make")))
  (func (export "big") (param "n" u32) (result $lu8)
    (canon lift (core func $i "big") (memory $mem))))
