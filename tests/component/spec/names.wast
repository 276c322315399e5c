;; Annotated names (Explainer.md "Import and export names"): [constructor]r,
;; [method]r.m and [static]r.m belong to the resource imported or exported
;; under the name r, earlier in the same list (imports and exports are two
;; namespaces), and must have the shape of a constructor or method of it.

(component
  (import "blob" (type $b (sub resource)))
  (import "[constructor]blob" (func (param "size" u32) (result (own $b))))
  (import "[method]blob.size" (func (param "self" (borrow $b)) (result u32)))
  (import "[static]blob.empty" (func (result (own $b)))))

;; a constructor may return result<own<r>, E>
(component
  (import "blob" (type $b (sub resource)))
  (import "[constructor]blob" (func (result (result (own $b) (error string))))))

(assert_invalid
  (component
    (import "blob" (type $b (sub resource)))
    (import "[constructor]blob" (func (result u32))))
  "a constructor must return")
(assert_invalid
  (component
    (import "blob" (type $b (sub resource)))
    (import "[method]blob.size" (func (param "this" (borrow $b)) (result u32))))
  "a method's first parameter must be `self: borrow<blob>`")
(assert_invalid
  (component
    (import "blob" (type $b (sub resource)))
    (import "[static]clob.empty" (func (result (own $b)))))
  "static resource name is not known in this context")
(assert_invalid
  (component
    (import "blob" (type $b (sub resource)))
    (import "[static]blob.empty" (instance)))
  "is not a func")

;; the resource must be the one of that name, not another one
(assert_invalid
  (component
    (import "blob" (type $b (sub resource)))
    (import "clob" (type $c (sub resource)))
    (import "[method]clob.size" (func (param "self" (borrow $b)) (result u32))))
  "function does not match expected resource name `blob`")

;; an exported [method] needs the resource exported under that name: the
;; import of the same name does not count
(assert_invalid
  (component
    (import "blob" (type $b (sub resource)))
    (import "size" (func $size (param "self" (borrow $b)) (result u32)))
    (export "[method]blob.size" (func $size)))
  "resource used in function does not have a name in this context")
(component
  (import "blob" (type $b (sub resource)))
  (import "size" (func $size (param "self" (borrow $b)) (result u32)))
  (export $b2 "blob" (type $b))
  (export "[method]blob.size" (func $size) (func (param "self" (borrow $b2)) (result u32))))

;; a resource of an imported instance is no top-level name
(assert_invalid
  (component
    (import "io" (instance $io (export "blob" (type (sub resource)))))
    (alias export $io "blob" (type $b))
    (import "[method]blob.size" (func (param "self" (borrow $b)) (result u32))))
  "resource used in function does not have a name in this context")

;; the rules hold inside instance types and bags of exports too
(component
  (type (instance
    (export "blob" (type $b (sub resource)))
    (export "[method]blob.size" (func (param "self" (borrow $b)) (result u32))))))
(assert_invalid
  (component
    (type $b (resource (rep i32)))
    (core module $m (func (export "f") (result i32) unreachable))
    (core instance $i (instantiate $m))
    (func $new (result (own $b)) (canon lift (core func $i "f")))
    (instance
      (export "blob" (type $b))
      (export "[constructor]blob" (func $new))))
  "resource used in function does not have a name in this context")
