;; A guest importing test:kv/pool with a wrong result type for peek (u64
;; instead of u32): refused when linking, naming the function.
(component
  (import "test:kv/pool@0.1.0" (instance $p
    (export "tally" (type (sub resource)))
    (export "peek" (func (param "t" (borrow 0)) (result u64)))))
  (alias export $p "peek" (func $peek))
  (export "peek" (func $peek)))
