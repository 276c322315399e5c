;; guest.wat — a component importing example:embed/greet@0.1.0 (which a
;; plugin provides) and exporting greet(name) = hello(name), through its own
;; memory: the canonical ABI moves the strings both ways.
(component
  (import "example:embed/greet@0.1.0" (instance $g
    (export "hello" (func (param "name" string) (result string)))))
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
  (alias export $g "hello" (func $hello))
  (core func $hello-low (canon lower (func $hello) (memory $mem) (realloc $realloc)))
  (core module $m
    (import "g" "hello" (func $hello (param i32 i32 i32)))
    ;; the result (ptr, len) is written at 16
    (func (export "greet") (param i32 i32) (result i32)
      (call $hello (local.get 0) (local.get 1) (i32.const 16)) (i32.const 16)))
  (core instance $i (instantiate $m (with "g" (instance (export "hello" (func $hello-low))))))
  (func (export "greet") (param "name" string) (result string)
    (canon lift (core func $i "greet") (memory $mem) (realloc $realloc))))
