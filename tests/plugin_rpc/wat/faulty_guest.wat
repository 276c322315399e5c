;; faulty_guest.wat — a core-module guest of rpc_faulty.so for
;; `wasmplug run --plugin rpc_faulty.so,isolate --invoke NAME`.
(module
  (import "test:faulty/api@1.0.0" "add" (func $add (param i32 i32) (result i32)))
  (import "test:faulty/api@1.0.0" "segfault" (func $segfault))
  (import "test:faulty/api@1.0.0" "loop-forever" (func $loop))
  (import "test:faulty/api@1.0.0" "open-socket" (func $sock (result i32)))
  (import "test:faulty/api@1.0.0" "wait-interrupt" (func $wait (param i32) (result i32)))
  (import "test:faulty/api@1.0.0" "deadline-ms" (func $deadline (result i32)))
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
  (func (export "run") (result i32) (call $add (i32.const 40) (i32.const 2)))
  (func (export "crash") (result i32) (call $segfault) (i32.const 1))
  (func (export "hang") (result i32) (call $loop) (i32.const 1))
  (func (export "sock") (result i32) (call $sock))
  (func (export "wait") (result i32) (call $wait (i32.const 0)))
  (func (export "wait-junk") (result i32) (call $wait (i32.const 1)))
  (func (export "deadline") (result i32) (call $deadline)))
