;; section: canon
;; expect: canon lower of `async func() -> u32` needs a memory option
(component
  (import "f" (func $f async (result u32)))
  (core func (canon lower (func $f) async))
)
