;; Misuse of WASI 0.2 that wasi-libc never does: each export must end in a
;; clean trap naming the function (exit status 134), never a crash.  Also
;; exit-with-code, which jco's preview1 adapter never calls.
(component
  (import "wasi:io/poll@0.2.12" (instance $p
    (export "pollable" (type $pl (sub resource)))
    (export "poll" (func (param "in" (list (borrow $pl))) (result (list u32))))))
  (import "wasi:random/random@0.2.12" (instance $r
    (export "get-random-bytes" (func (param "len" u64) (result (list u8))))))
  (import "wasi:cli/exit@0.2.12" (instance $x
    (export "exit-with-code" (func (param "status-code" u8)))))
  (core module $libc
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get 2))))
      (global.set $bump (i32.add (local.get $p) (local.get 3)))
      (local.get $p)))
  (core instance $libc (instantiate $libc))
  (alias core export $libc "memory" (core memory $mem))
  (alias core export $libc "realloc" (core func $realloc))
  (alias export $p "poll" (func $poll))
  (alias export $r "get-random-bytes" (func $bytes))
  (core func $poll-low (canon lower (func $poll) (memory $mem) (realloc $realloc)))
  (core func $bytes-low (canon lower (func $bytes) (memory $mem) (realloc $realloc)))
  (alias export $x "exit-with-code" (func $exit))
  (core func $exit-low (canon lower (func $exit)))
  (core module $m
    (import "w" "poll" (func $poll (param i32 i32 i32)))
    (import "w" "bytes" (func $bytes (param i64 i32)))
    (import "w" "mem" (memory 1))
    (import "w" "exit" (func $exit (param i32)))
    (func (export "exit-7") (call $exit (i32.const 7)))
    ;; poll of an empty list: WASI says trap
    (func (export "poll-empty") (call $poll (i32.const 0) (i32.const 0) (i32.const 64)))
    ;; a terabyte of random bytes: refused, not attempted
    (func (export "random-huge") (call $bytes (i64.const 0x10000000000) (i32.const 64)))
    ;; 32 random bytes: fine; returns the list length
    (func (export "random-32") (result i32)
      (call $bytes (i64.const 32) (i32.const 64)) (i32.load (i32.const 68))))
  (core instance $w (export "poll" (func $poll-low)) (export "bytes" (func $bytes-low))
    (export "mem" (memory $mem)) (export "exit" (func $exit-low)))
  (core instance $i (instantiate $m (with "w" (instance $w))))
  (func (export "poll-empty") (canon lift (core func $i "poll-empty")))
  (func (export "random-huge") (canon lift (core func $i "random-huge")))
  (func (export "exit-7") (canon lift (core func $i "exit-7")))
  (func (export "random-32") (result u32) (canon lift (core func $i "random-32"))))
