;; Every value type's Canonical ABI size must stay below 2^28 bytes, with
;; 32-bit and with 64-bit pointers (Binary.md, CanonicalABI.md elem_size).

(component
  (type (list u8 268435455))
  (type (list u32 67108863))
  (type (tuple (list u8 268435000) (list u8 400)))
  ;; 8-byte strings with 32-bit pointers, 16 with 64-bit ones
  (type (list string 16777215))
  (type (variant (case "a" (list u8 268435400)) (case "b" (list u16 134217726)))))

(assert_invalid
  (component (type (list u8 268435456)))
  "exceeds maximum byte size")
(assert_invalid
  (component (type (list u32 67108864)))
  "exceeds maximum byte size")
;; a size that would wrap a 32-bit multiplication
(assert_invalid
  (component (type (list u64 536870912)))
  "exceeds maximum byte size")
(assert_invalid
  (component (type (tuple (list u8 268435000) (list u8 456))))
  "exceeds maximum byte size")
(assert_invalid
  (component (type (list (list u8 16384) 16384)))
  "exceeds maximum byte size")
;; fine with 32-bit pointers, too large with 64-bit ones
(assert_invalid
  (component (type (list string 16777216)))
  "exceeds maximum byte size")
(assert_invalid
  (component (type (list (option (list u8)) 16777216)))
  "exceeds maximum byte size")
