;; section: type
;; expect: type index 0 is a func type, not a value type
(component
  (type $f (func))
  (type (list $f))
)
