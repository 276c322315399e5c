;; A component guest of dx_ver.c's plugin (the reload test).
(component
  (import "test:ver/api@1.0.0" (instance $v (export "get" (func (result u32)))))
  (alias export $v "get" (func $get))
  (core func $g (canon lower (func $get)))
  (core module $m
    (import "v" "get" (func $get (result i32)))
    (func (export "get") (result i32) (call $get)))
  (core instance $vc (export "get" (func $g)))
  (core instance $i (instantiate $m (with "v" (instance $vc))))
  (func (export "get") (result u32) (canon lift (core func $i "get"))))
