;; A wasm plugin exporting wasmplug:plugin/lifecycle (issue 19, item 1) and
;; test:life/probe, which tells what the hooks saw.  @BIND@ is bind's
;; parameter type (u64, or u32 for a plugin with the wrong type).
;; @TRAPU@ and @TRAPS@: empty, or `unreachable` to make unbind or shutdown
;; trap.
(component
  (core module $m
    (global $binds (mut i64) (i64.const 0))
    (global $unbinds (mut i64) (i64.const 0))
    (global $last-bind (mut i64) (i64.const 0))
    (global $last-unbind (mut i64) (i64.const 0))
    (func (export "bind") (param $g @BINDCORE@)
      (global.set $binds (i64.add (global.get $binds) (i64.const 1)))
      (global.set $last-bind @BINDEXT@))
    (func (export "unbind") (param $g i64)
      @TRAPU@
      (global.set $unbinds (i64.add (global.get $unbinds) (i64.const 1)))
      (global.set $last-unbind (local.get $g)))
    (func (export "shutdown") @TRAPS@)
    (func (export "binds") (result i64) (global.get $binds))
    (func (export "unbinds") (result i64) (global.get $unbinds))
    (func (export "last-bind") (result i64) (global.get $last-bind))
    (func (export "last-unbind") (result i64) (global.get $last-unbind)))
  (core instance $i (instantiate $m))
  (func $bind (param "guest" @BIND@) (canon lift (core func $i "bind")))
  (func $unbind (param "guest" u64) (canon lift (core func $i "unbind")))
  (func $shutdown (canon lift (core func $i "shutdown")))
  (func $binds (result u64) (canon lift (core func $i "binds")))
  (func $unbinds (result u64) (canon lift (core func $i "unbinds")))
  (func $last-bind (result u64) (canon lift (core func $i "last-bind")))
  (func $last-unbind (result u64) (canon lift (core func $i "last-unbind")))
  (instance $life (export "bind" (func $bind)) (export "unbind" (func $unbind)) (export "shutdown" (func $shutdown)))
  (instance $probe (export "binds" (func $binds)) (export "unbinds" (func $unbinds))
    (export "last-bind" (func $last-bind)) (export "last-unbind" (func $last-unbind)))
  (export "wasmplug:plugin/lifecycle@0.1.0" (instance $life))
  (export "test:life/probe@0.1.0" (instance $probe)))
