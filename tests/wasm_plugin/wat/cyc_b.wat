;; The other half of the cycle of cyc_a.wat.
(component
  (import "test:cyc/a" (instance $a (export "f" (func (result u32)))))
  (alias export $a "f" (func $f))
  (instance $b (export "f" (func $f)))
  (export "test:cyc/b" (instance $b)))
