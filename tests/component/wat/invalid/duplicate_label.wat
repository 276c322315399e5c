;; section: type
;; expect: duplicate record field name 'A'
(component
  (type (record (field "a" u32) (field "A" u32)))
)
