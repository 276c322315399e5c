;; A wasm component plugin providing test:sv/api@1.2.0: answer() = 7.
(component
  (core module $m (func (export "answer") (result i32) (i32.const 7)))
  (core instance $i (instantiate $m))
  (func $answer (result u32) (canon lift (core func $i "answer")))
  (instance $api (export "answer" (func $answer)))
  (export "test:sv/api@1.2.0" (instance $api)))
