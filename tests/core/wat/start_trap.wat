;; Its start function traps: instantiation must fail with the trap.
(module
  (func $s unreachable)
  (start $s))
