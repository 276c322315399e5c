;; section: import
;; expect: duplicate import name `wasi:io/poll@0.2.0`
(component
  (import "wasi:io/poll@0.2.0" (instance))
  (import "wasi:io/poll@0.2.0" (instance))
)
