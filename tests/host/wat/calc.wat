;; Exported interfaces for --invoke by a bare name: `add` only in
;; example:calc/api (found by its unique suffix), `mul` in both (ambiguous).
(component
  (core module $m
    (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
    (func (export "mul") (param i32 i32) (result i32) (i32.mul (local.get 0) (local.get 1))))
  (core instance $i (instantiate $m))
  (func $add (param "a" s32) (param "b" s32) (result s32) (canon lift (core func $i "add")))
  (func $mul (param "a" s32) (param "b" s32) (result s32) (canon lift (core func $i "mul")))
  (instance $api (export "add" (func $add)) (export "mul" (func $mul)))
  (instance $other (export "mul" (func $mul)))
  (export "example:calc/api@1.0.0" (instance $api))
  (export "example:calc/other@1.0.0" (instance $other)))
