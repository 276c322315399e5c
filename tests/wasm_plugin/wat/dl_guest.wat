;; A guest importing wasi:dl directly: refused at link time.
(component
  (import "wasi:dl/dll@0.2.0-draft" (instance $dl (export "version" (func (result u32)))))
  (alias export $dl "version" (func $v))
  (export "v" (func $v)))
