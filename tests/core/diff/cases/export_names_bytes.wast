;; Names are byte strings: "" and "\00" are two different export names, so
;; this module is valid.  (The spec suite's names.wast.)
;;
;; The validator compared names as C strings and refused the module with
;; "duplicate export name ''"; every later command of names.wast failed with
;; it.  Now a NUL byte in a name is spelled C0 80 (modified UTF-8) in the
;; embedding API's C strings (src/core/reader.c, include/wasmplug.h), which
;; valid UTF-8 never holds: names with NUL bytes are distinct, can be
;; exported, imported and called.
(module
  (func (export "") (result i32) (i32.const 0))
  (func (export "\00") (result i32) (i32.const 1))
  (func (export "a\00b") (result i32) (i32.const 2))
  (func (export "a") (result i32) (i32.const 3)))
(assert_return (invoke "") (i32.const 0))
(assert_return (invoke "a") (i32.const 3))
(assert_return (invoke "\00") (i32.const 1))
(assert_return (invoke "a\00b") (i32.const 2))
(register "m\00" )
(module
  (import "m\00" "a\00b" (func $f (result i32)))
  (import "m\00" "\00" (func $g (result i32)))
  (func (export "sum") (result i32) (i32.add (call $f) (call $g))))
(assert_return (invoke "sum") (i32.const 3))
(assert_unlinkable
  (module (import "m\00" "a\00c" (func (result i32))))
  "unknown import")
