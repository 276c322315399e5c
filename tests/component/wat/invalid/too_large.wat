;; section: type
;; expect: type is too large: its Canonical ABI size (with 32- or 64-bit pointers) exceeds maximum byte size 2^28
(component
  (type $a (list u64 65536))
  (type (list $a 1024))
)
