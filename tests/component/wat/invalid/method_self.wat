;; section: export
;; expect: export `[method]r.get`: a method's first parameter must be `self: borrow<r>`
(component
  (import "r" (type $r (sub resource)))
  (import "get" (func $g (param "x" u32)))
  (export "r2" (type $r))
  (export "[method]r.get" (func $g))
)
