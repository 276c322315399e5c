;; section: type
;; expect: type is too large (its Canonical ABI size must be below 2^28 bytes)
(component
  (type $a (list u64 65536))
  (type (list $a 1024))
)
