;; section: canon
;; expect: canon lift of `func()`: the `async` canonical option requires an async function type
(component
  (core module $m (func (export "f") (result i32) i32.const 0) (func (export "cb") (param i32 i32 i32) (result i32) i32.const 0))
  (core instance $i (instantiate $m))
  (func (canon lift (core func $i "f") async (callback (core func $i "cb"))))
)
