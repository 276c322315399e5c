;; The engine's main test module: arithmetic, host calls, every trap kind.
(module
  (import "env" "host" (func $host (param i32 i64) (result i32)))
  (import "env" "reenter" (func $reenter (param i32) (result i32)))
  (import "env" "fail" (func $fail))
  (import "env" "exit" (func $exit (param i32)))
  (memory (export "memory") 1 4)
  (table 4 funcref)
  (elem (i32.const 0) $add $neg)
  (global $g (export "g") (mut i32) (i32.const 7))
  (global (export "k") i64 (i64.const -5))
  (type $binop (func (param i32 i32) (result i32)))
  (func $add (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func $neg (param i32) (result i32) i32.const 0 local.get 0 i32.sub)
  (func (export "callhost") (param i32) (result i32) local.get 0 i64.const 10 call $host)
  (func (export "double") (param i32) (result i32) local.get 0 i32.const 2 i32.mul)
  ;; calls the host, which calls "double" back
  (func (export "reenter") (param i32) (result i32) local.get 0 call $reenter)
  (func (export "fail") call $fail)
  (func (export "exit") (param i32) local.get 0 call $exit)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func (export "unreach") unreachable)
  (func (export "oob") (result i32) i32.const 0x7fffff00 i32.load)
  (func (export "oob_store") i32.const 65535 i32.const 1 i32.store)
  (func (export "trunc") (result i32) f32.const nan i32.trunc_f32_s)
  (func (export "call_ind") (param i32 i32) (result i32)
    i32.const 1 i32.const 2 local.get 0 call_indirect (type $binop) local.get 1 i32.add)
  ;; depth-first double recursion: no compiler can turn this into a loop
  (func $rec (export "rec") (param i32) (result i32)
    local.get 0 i32.eqz
    if (result i32) i32.const 0
    else local.get 0 i32.const 1 i32.sub call $rec
         local.get 0 i32.const 1 i32.sub call $rec i32.add
    end)
  (func (export "spin") (loop br 0))
  (func (export "multi") (result i32 i64 f32 f64)
    i32.const -1 i64.const 0x100000000 f32.const 1.5 f64.const -2.25)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load)
  (func (export "get_g") (result i32) global.get $g)
)
