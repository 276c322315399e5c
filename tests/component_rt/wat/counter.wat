;; State across repeated `wasmplug run --invoke` calls: every call runs on
;; the same instance, so `bump` counts.
(component
  (core module $m
    (global $n (mut i32) (i32.const 0))
    (func (export "bump") (result i32)
      (global.set $n (i32.add (global.get $n) (i32.const 1)))
      (global.get $n))
    (func (export "set") (param i32) (global.set $n (local.get 0)))
    (func (export "boom") unreachable))
  (core instance $i (instantiate $m))
  (func (export "bump") (result u32) (canon lift (core func $i "bump")))
  (func (export "set") (param "n" u32) (canon lift (core func $i "set")))
  (func (export "boom") (canon lift (core func $i "boom")))
)
