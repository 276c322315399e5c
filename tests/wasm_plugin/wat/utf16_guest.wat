;; A guest whose strings are UTF-16: it passes "héllo☃" to test:kv/counter
;; text (the kv plugin is UTF-8) through a newer semver-compatible import
;; name (@0.1.7 against the plugin's @0.1.0); the string must arrive
;; transcoded, so the checksum equals the one of the UTF-8 guest.
(component
  (import "test:kv/counter@0.1.7" (instance $c
    (export "text" (func (param "s" string) (result u32)))
    (export "nop" (func))))
  (alias export $c "text" (func $text))
  (core module $mem
    (memory (export "mem") 1)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
    ;; h, é, l, l, o, ☃ (U+2603) as UTF-16LE
    (data (i32.const 16) "h\00\e9\00l\00l\00o\00\03\26"))
  (core instance $m (instantiate $mem))
  (alias core export $m "mem" (core memory $memory))
  (alias core export $m "realloc" (core func $realloc))
  (core func $text-low (canon lower (func $text) (memory $memory) string-encoding=utf16))
  (core module $main
    (import "c" "text" (func $text (param i32 i32) (result i32)))
    (func (export "run") (result i32) (call $text (i32.const 16) (i32.const 6)))
    ;; a length running past the end of memory: the lift must refuse it
    (func (export "bad") (result i32) (call $text (i32.const 65530) (i32.const 100))))
  (core instance $ci (export "text" (func $text-low)))
  (core instance $i (instantiate $main (with "c" (instance $ci))))
  (func $run (result u32) (canon lift (core func $i "run")))
  (func $bad (result u32) (canon lift (core func $i "bad")))
  (export "run" (func $run))
  (export "bad" (func $bad)))
