;; section: canon
;; expect: canon lift: core func 0 has type [i32] -> [i32], but lifting `func(a: s32, b: s32) -> s32` needs [i32 i32] -> [i32]
(component
  (core module $m (func (export "add") (param i32) (result i32) local.get 0))
  (core instance $i (instantiate $m))
  (func (param "a" s32) (param "b" s32) (result s32) (canon lift (core func $i "add")))
)
