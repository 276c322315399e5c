;; A guest using test:dl/probe of dl_plugin.wat (never wasi:dl itself).
(component
  (import "test:dl/probe" (instance $p (export "ok" (func (result u32)))))
  (alias export $p "ok" (func $ok))
  (export "run" (func $ok)))
