;; A trusted plugin importing wasi:dl (only its `library` resource) and
;; re-exporting the instance unchanged: it needs allow-dl=, and even then
;; a guest importing wasi:dl through it is refused.  It also exports
;; test:dl/probe (ok() -> 1) for dl_user.wat, so `wasmplug compose` embeds
;; it and the result keeps wasi:dl as an import.
(component
  (import "wasi:dl/dll@0.2.0-draft" (instance $dl (export "library" (type (sub resource)))))
  (core module $m (func (export "ok") (result i32) (i32.const 1)))
  (core instance $i (instantiate $m))
  (func $ok (result u32) (canon lift (core func $i "ok")))
  (instance $probe (export "ok" (func $ok)))
  (export "wasi:dl/dll@0.2.0-draft" (instance $dl))
  (export "test:dl/probe" (instance $probe)))
