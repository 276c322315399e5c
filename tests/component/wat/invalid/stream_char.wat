;; section: type
;; expect: stream<char> is not allowed
(component
  (type (stream char))
)
