;; section: export
;; expect: exported type `b` may not contain a borrow
(component
  (import "r" (type $r (sub resource)))
  (type $b (borrow $r))
  (type $rec (record (field "h" $b)))
  (export "b" (type $rec))
)
