;; A guest whose test:kv/counter import has the wrong type for bump
;; (string instead of u32): the link error shows expected and found.
(component
  (import "test:kv/counter@0.1.0" (instance $c (export "bump" (func (param "by" string) (result u32)))))
  (alias export $c "bump" (func $bump))
  (export "bump" (func $bump)))
