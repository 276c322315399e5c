;; section: core instance
;; expect: core module 0 needs an argument named 'env' (for its import 'env' 'f')
(component
  (core module $m (import "env" "f" (func)))
  (core instance (instantiate $m))
)
