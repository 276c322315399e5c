;; section: type
;; expect: type index 0 is a value type, not a resource type
(component
  (type $r (record (field "a" u32)))
  (type (own $r))
)
