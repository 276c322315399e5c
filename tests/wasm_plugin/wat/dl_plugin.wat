;; A trusted plugin importing wasi:dl (only its `library` resource) and
;; re-exporting the instance unchanged: it needs allow-dl=, and even then
;; a guest importing wasi:dl through it is refused.
(component
  (import "wasi:dl/dll@0.2.0-draft" (instance $dl (export "library" (type (sub resource)))))
  (export "wasi:dl/dll@0.2.0-draft" (instance $dl)))
