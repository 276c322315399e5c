;; hostile.wat — a guest that breaks the canonical ABI on purpose, one
;; export per attack.  Every export must trap before the plugin runs; the
;; `count` export then asks the plugin how many calls reached it (0).
(module
  (import "test:plugin/api@0.1.0" "echo" (func $echo (param i32 i32 i32)))
  (import "test:plugin/api@0.1.0" "area" (func $area (param i32 i32 i32) (result f64)))
  (import "test:plugin/api@0.1.0" "next-color" (func $next_color (param i32) (result i32)))
  (import "test:plugin/api@0.1.0" "strlen-opt" (func $strlen_opt (param i32 i32 i32 i32)))
  (import "test:plugin/api@0.1.0" "sum-bytes" (func $sum_bytes (param i32 i32) (result i64)))
  (import "test:plugin/api@0.1.0" "reverse" (func $reverse (param i32 i32 i32)))
  (import "test:plugin/api@0.1.0" "join" (func $join (param i32 i32 i32 i32 i32)))
  (import "test:plugin/api@0.1.0" "sum17" (func $sum17 (param i32) (result i32)))
  (import "test:plugin/api@0.1.0" "char-next" (func $char_next (param i32) (result i32)))
  (import "test:plugin/api@0.1.0" "call-count" (func $call_count (result i32)))
  (import "test:plugin/api@0.1.0" "live-counters" (func $live (result i32)))
  (import "test:plugin/api@0.1.0" "[constructor]counter" (func $counter_new (param i32) (result i32)))
  (import "test:plugin/api@0.1.0" "[method]counter.get" (func $counter_get (param i32) (result i32)))
  (import "test:plugin/api@0.1.0" "[static]counter.merge" (func $merge (param i32 i32) (result i32)))
  (import "test:plugin/api@0.1.0" "[resource-drop]counter" (func $drop (param i32)))

  (memory (export "memory") 1)
  ;; 0x100: invalid UTF-8 (a lone continuation byte, an overlong '/', a surrogate)
  (data (i32.const 0x100) "ok\80\c0\af\ed\a0\80")
  ;; 0x200: a list<string> whose second element points out of bounds
  (data (i32.const 0x200) "\00\03\00\00\02\00\00\00\f0\ff\ff\ff\10\00\00\00")
  ;; 0x300: an option<string> stored with discriminant 2
  (global $heap (mut i32) (i32.const 0x8000))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get 2))))
    (global.set $heap (i32.add (local.get $p) (local.get 3)))
    (local.get $p))

  (func (export "count") (result i32) (call $call_count))
  (func (export "live") (result i32) (call $live))

  ;; string pointer past the end of memory
  (func (export "oob_pointer") (call $echo (i32.const 0xfffffff0) (i32.const 8) (i32.const 0x400)))
  ;; string running past the end of memory
  (func (export "oob_end") (call $echo (i32.const 0xff00) (i32.const 0x200) (i32.const 0x400)))
  ;; a 2 GiB string
  (func (export "huge_length") (call $echo (i32.const 0x100) (i32.const 0x7fffffff) (i32.const 0x400)))
  ;; invalid UTF-8 (each of the three sequences)
  (func (export "bad_utf8_continuation") (call $echo (i32.const 0x100) (i32.const 3) (i32.const 0x400)))
  (func (export "bad_utf8_overlong") (call $echo (i32.const 0x103) (i32.const 2) (i32.const 0x400)))
  (func (export "bad_utf8_surrogate") (call $echo (i32.const 0x105) (i32.const 3) (i32.const 0x400)))
  ;; return pointer out of bounds / misaligned
  (func (export "bad_retptr") (call $echo (i32.const 0x100) (i32.const 2) (i32.const 0xfffffff8)))
  (func (export "misaligned_retptr") (call $echo (i32.const 0x100) (i32.const 2) (i32.const 0x401)))
  ;; variant, enum and option discriminants out of range
  (func (export "bad_variant") (drop (call $area (i32.const 3) (i32.const 0) (i32.const 0))))
  (func (export "bad_enum") (drop (call $next_color (i32.const 3))))
  (func (export "bad_option") (call $strlen_opt (i32.const 2) (i32.const 0x100) (i32.const 2) (i32.const 0x400)))
  ;; list length * element size overflowing 32 bits / memory
  (func (export "list_overflow") (call $reverse (i32.const 0x100) (i32.const 0x40000001) (i32.const 0x400)))
  (func (export "list_oob") (drop (call $sum_bytes (i32.const 0x100) (i32.const 0xffffffff))))
  ;; list<u32> at an address not aligned to 4
  (func (export "misaligned_list") (call $reverse (i32.const 0x101) (i32.const 2) (i32.const 0x400)))
  ;; a list<string> with a bad element
  (func (export "bad_nested_string") (call $join (i32.const 0x200) (i32.const 2) (i32.const 0x100) (i32.const 1) (i32.const 0x400)))
  ;; spilled params pointer out of bounds
  (func (export "bad_spill") (drop (call $sum17 (i32.const 0xfffffff0))))
  ;; chars: a surrogate and a value past U+10FFFF
  (func (export "bad_char_surrogate") (drop (call $char_next (i32.const 0xd800))))
  (func (export "bad_char_range") (drop (call $char_next (i32.const 0x110000))))
  ;; handles: never issued, zero, dropped twice, used after drop
  (func (export "forged_handle") (drop (call $counter_get (i32.const 12345))))
  (func (export "zero_handle") (drop (call $counter_get (i32.const 0))))
  (func (export "forged_drop") (call $drop (i32.const 777)))
  (func (export "double_drop")
    (local $h i32)
    (local.set $h (call $counter_new (i32.const 1)))
    (call $drop (local.get $h))
    (call $drop (local.get $h)))
  (func (export "use_after_drop")
    (local $h i32)
    (local.set $h (call $counter_new (i32.const 1)))
    (call $drop (local.get $h))
    (drop (call $counter_get (local.get $h))))
  ;; the handle one past the table's last entry (the bound, exactly)
  (func (export "past_end_handle")
    (local $h i32)
    (local.set $h (call $counter_new (i32.const 1)))
    (call $drop (local.get $h))
    (drop (call $counter_get (i32.add (local.get $h) (i32.const 1)))))
  ;; an own handle moved in, then a forged borrow: the own must not leak
  (func (export "own_then_forged")
    (drop (call $merge (call $counter_new (i32.const 5)) (i32.const 999))))
  ;; the same handle as own and as borrow in one call
  (func (export "own_and_borrow_same")
    (local $h i32)
    (local.set $h (call $counter_new (i32.const 5)))
    (drop (call $merge (local.get $h) (local.get $h))))
)
