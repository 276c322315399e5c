;; section: canon
;; expect: canon lift: core func 0 has type [i32] -> [i32], but lifting `async func(x: u32) -> u32` needs [i32] -> []
(component
  (core module $m (func (export "f") (param i32) (result i32) i32.const 0))
  (core instance $i (instantiate $m))
  (func async (param "x" u32) (result u32) (canon lift (core func $i "f") async))
)
