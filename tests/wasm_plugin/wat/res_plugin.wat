;; The resource wasm plugin: exports test:kv/pool@0.1.0 (kv.wit), a resource
;; `tally` it implements.  rep i = tally number i, its value at 16 + 4*i of
;; the state module's memory; the destructor counts drops at address 0.
;; Written in WAT because C bindgen cannot export resources yet.  The
;; implementation is a nested component whose functions are typed with the
;; resource as it exports it (`$tally-e`), as wit-component lays out an
;; exported interface; the outer component exports its instance.
(component
  (component $impl
    (core module $state
      (memory (export "mem") 1)
      (func (export "dtor") (param i32)
        (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))))
    (core instance $st (instantiate $state))
    (type $tally (resource (rep i32) (dtor (core func $st "dtor"))))
    (core func $new (canon resource.new $tally))
    (core func $rep (canon resource.rep $tally))
    (core func $drop (canon resource.drop $tally))
    (core module $m
      (import "st" "mem" (memory 1))
      (import "res" "new" (func $new (param i32) (result i32)))
      (import "res" "rep" (func $rep (param i32) (result i32)))
      (import "res" "drop" (func $drop (param i32)))
      (global $next (mut i32) (i32.const 1))
      (func $slot (param $r i32) (result i32)
        (i32.add (i32.const 16) (i32.shl (i32.and (local.get $r) (i32.const 4095)) (i32.const 2))))
      (func (export "ctor") (param $start i32) (result i32) (local $i i32)
        (local.set $i (global.get $next))
        (global.set $next (i32.add (local.get $i) (i32.const 1)))
        (i32.store (call $slot (local.get $i)) (local.get $start))
        (call $new (local.get $i)))
      ;; a borrow of a resource this component implements arrives as the rep
      (func (export "add") (param $r i32) (param $n i32) (result i32)
        (i32.store (call $slot (local.get $r)) (i32.add (i32.load (call $slot (local.get $r))) (local.get $n)))
        (i32.load (call $slot (local.get $r))))
      (func (export "peek") (param $r i32) (result i32) (i32.load (call $slot (local.get $r))))
      ;; an own handle arrives in this component's table: read, then drop it
      (func (export "consume") (param $h i32) (result i32) (local $v i32)
        (local.set $v (i32.load (call $slot (call $rep (local.get $h)))))
        (call $drop (local.get $h))
        (local.get $v))
      (func (export "drops") (result i32) (i32.load (i32.const 0))))
    (core instance $res (export "new" (func $new)) (export "rep" (func $rep)) (export "drop" (func $drop)))
    (core instance $i (instantiate $m (with "st" (instance $st)) (with "res" (instance $res))))
    (export $tally-e "tally" (type $tally))
    (func (export "[constructor]tally") (param "start" u32) (result (own $tally-e)) (canon lift (core func $i "ctor")))
    (func (export "[method]tally.add") (param "self" (borrow $tally-e)) (param "n" u32) (result u32)
      (canon lift (core func $i "add")))
    (func (export "peek") (param "t" (borrow $tally-e)) (result u32) (canon lift (core func $i "peek")))
    (func (export "consume") (param "t" (own $tally-e)) (result u32) (canon lift (core func $i "consume")))
    (func (export "drops") (result u32) (canon lift (core func $i "drops"))))
  (instance $pool (instantiate $impl))
  (export "test:kv/pool@0.1.0" (instance $pool)))
