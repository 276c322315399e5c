;; A guest that traps while it holds a native plugin's resource and a
;; stream end: tearing its instance down runs the resource's destructor
;; (tests/async/plugin/async_plugin.c: holder), which drops the stream end
;; the plugin kept.  The plugin's ends must still be there then (they were
;; freed first, and the destructor's stream_drop touched freed memory:
;; `wasmplug run` crashed after a trap in a program holding a wasi:http 0.3
;; response with a body, wasi-testsuite's http-response.wasm).
(component
  (import "test:aplug/ops@0.1.0" (instance $ops
    (export "holder" (type $h (sub resource)))
    (export "[constructor]holder" (func (result (own $h))))
    (export "[method]holder.take" (func (param "self" (borrow $h)) (result (stream u8))))))
  (alias export $ops "[constructor]holder" (func $new))
  (alias export $ops "[method]holder.take" (func $take))
  (core func $new' (canon lower (func $new)))
  (core func $take' (canon lower (func $take)))
  (core module $M
    (import "" "new" (func $new (result i32)))
    (import "" "take" (func $take (param i32) (result i32)))
    (func (export "run")
      (drop (call $take (call $new)))
      unreachable))
  (core instance $m (instantiate $M (with "" (instance
    (export "new" (func $new'))
    (export "take" (func $take'))))))
  (func (export "run") (canon lift (core func $m "run"))))
(assert_trap (invoke "run") "unreachable")

;; the same twice more, on fresh instances (each torn down in turn)
(component definition $C
  (import "test:aplug/ops@0.1.0" (instance $ops
    (export "holder" (type $h (sub resource)))
    (export "[constructor]holder" (func (result (own $h))))
    (export "[method]holder.take" (func (param "self" (borrow $h)) (result (stream u8))))))
  (alias export $ops "[constructor]holder" (func $new))
  (alias export $ops "[method]holder.take" (func $take))
  (core func $new' (canon lower (func $new)))
  (core func $take' (canon lower (func $take)))
  (core module $M
    (import "" "new" (func $new (result i32)))
    (import "" "take" (func $take (param i32) (result i32)))
    (func (export "run")
      (drop (call $take (call $new)))
      (drop (call $take (call $new)))
      unreachable))
  (core instance $m (instantiate $M (with "" (instance
    (export "new" (func $new'))
    (export "take" (func $take'))))))
  (func (export "run") (canon lift (core func $m "run"))))
(component instance $i $C)
(assert_trap (invoke "run") "unreachable")
(component instance $i $C)
(assert_trap (invoke "run") "unreachable")
