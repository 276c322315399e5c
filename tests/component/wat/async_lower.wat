;; Async lowers and lifts need a memory only when the Canonical ABI writes
;; or reads through one (issue 16 item 6): an async lower of a function
;; without result whose params fit in 4 flat values needs none (what
;; WASI 0.3's `monotonic-clock.wait-until` lowers to), and the core
;; signatures of async lifts, lowers and built-ins are checked.
(component
  (import "wait-until" (func $wait async (param "when" u64)))
  (import "get" (func $get async (param "k" u32) (result u32)))
  (import "five" (func $five async (param "a" u32) (param "b" u32) (param "c" u32) (param "d" u32) (param "e" u32)))
  (core module $mem (memory (export "mem") 1))
  (core instance $m (instantiate $mem))
  (core func $wait' (canon lower (func $wait) async))
  (core func $get' (canon lower (func $get) async (memory (core memory $m "mem"))))
  (core func $five' (canon lower (func $five) async (memory (core memory $m "mem"))))
  (core func $wait_sync (canon lower (func $wait)))
  (type $s (stream u8))
  (core func $sn (canon stream.new $s))
  (core func $tr (canon task.return (result u32)))
  (core module $user
    (import "" "wait" (func (param i64) (result i32)))
    (import "" "get" (func (param i32 i32) (result i32)))
    (import "" "five" (func (param i32) (result i32)))
    (import "" "wait-sync" (func (param i64)))
    (import "" "stream.new" (func (result i64)))
    (import "" "task.return" (func (param i32)))
    (func (export "stackful") (param i32))
    (func (export "run") (param i32) (result i32) i32.const 0)
    (func (export "cb") (param i32 i32 i32) (result i32) i32.const 0)
  )
  (core instance $u (instantiate $user (with "" (instance
    (export "wait" (func $wait'))
    (export "get" (func $get'))
    (export "five" (func $five'))
    (export "wait-sync" (func $wait_sync))
    (export "stream.new" (func $sn))
    (export "task.return" (func $tr))
  ))))
  (func (export "stackful") async (param "x" u32) (result u32)
    (canon lift (core func $u "stackful") async))
  (func (export "run") async (param "x" u32) (result u32)
    (canon lift (core func $u "run") async (callback (core func $u "cb"))))
)
