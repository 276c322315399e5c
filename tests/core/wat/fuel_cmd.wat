;; `wasmplug run --fuel N` on a command that never ends (core.fuel.cli).
(module
  (memory (export "memory") 1)
  (func (export "_start") (loop $l (br $l))))
