;; Names of imports and exports: plain kebab names or `ns:pkg/iface@ver`,
;; with one namespace and one interface (nested namespaces and nested
;; interfaces are future syntax).

(component
  (import "wasi:io/streams@0.2.6" (instance))
  (import "local-thing" (func))
  (import "my-ns:my-pkg/my-iface" (instance)))

(assert_invalid
  (component (import "a:b:c/d" (instance)))
  "expected `/` after package name")
(assert_invalid
  (component (import "a:b/c/d" (instance)))
  "trailing characters found: `/d`")
(assert_invalid
  (component (import "a:b/c/d@1.0.0" (instance)))
  "trailing characters found: `/d`")
(assert_invalid
  (component (import "Not-Kebab_name" (func)))
  "is not a valid plain name or interface name")
(assert_invalid
  (component (import "a:b/c@1.0" (instance)))
  "is not a valid plain name or interface name")
