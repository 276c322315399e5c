;; Imports xlate_mm.wat's 32-bit memory "a" as a 64-bit one: must not link.
(module (import "p" "a" (memory i64 1)))
