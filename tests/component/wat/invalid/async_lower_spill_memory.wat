;; section: canon
;; expect: canon lower of `async func(a: u32, b: u32, c: u32, d: u32, e: u32)` needs a memory option
(component
  (import "f" (func $f async (param "a" u32) (param "b" u32) (param "c" u32) (param "d" u32) (param "e" u32)))
  (core func (canon lower (func $f) async))
)
