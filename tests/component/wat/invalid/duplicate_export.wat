;; section: export
;; expect: export name `RUN` conflicts with `run` (names must be strongly unique)
(component
  (import "f" (func $f))
  (export "run" (func $f))
  (export "RUN" (func $f))
)
