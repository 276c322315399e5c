;; Two initial pages: refused to instantiate under --max-memory 64K.
(module (memory (export "memory") 2) (func (export "run")))
