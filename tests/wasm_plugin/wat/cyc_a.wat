;; Half of a cycle: exports test:cyc/a, imports test:cyc/b (cyc_b.wat
;; exports b and imports a).  Composition must refuse the pair.
(component
  (import "test:cyc/b" (instance $b (export "f" (func (result u32)))))
  (alias export $b "f" (func $f))
  (instance $a (export "f" (func $f)))
  (export "test:cyc/a" (instance $a)))
