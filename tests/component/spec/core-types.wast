;; Core types in a component (Binary.md, core:type).  A func type may be
;; written as a core:subtype without supertypes: in a core type section a
;; non-final `sub` takes a 0x00 prefix (0x00 0x50, since a bare 0x50 is a
;; module type there), inside a module type it is a bare 0x50 (module types
;; do not nest); `sub final` is 0x4f or, with no supertypes, plain 0x60.
;; Supertypes, rec groups, structs and arrays are GC, which wasmplug does
;; not run: refused, naming GC.

(component
  (core type (sub (func)))
  (core type (sub final (func (param i32) (result i64))))
  (core type (func (param f32))))

;; the same forms inside a module type, used by its imports and exports
(component
  (core type (module
    (type (sub (func)))
    (import "a" "b" (func (type 0)))
    (type (sub final (func (result i32))))
    (export "c" (func (type 1))))))

;; a module imported with such a type, instantiated and called
(component
  (component $C
    (import "m" (core module $M
      (type (sub (func (result i32))))
      (export "f" (func (type 0)))))
    (core instance $i (instantiate $M))
    (func (export "f") (result u32) (canon lift (core func $i "f"))))
  (core module $m (func (export "f") (result i32) (i32.const 7)))
  (instance $c (instantiate $C (with "m" (core module $m))))
  (export "f" (func $c "f")))
(assert_return (invoke "f") (u32.const 7))

(assert_invalid
  (component
    (core type $a (sub (func)))
    (core type (sub $a (func))))
  "core subtypes with a supertype are not supported (GC types are not supported)")

(assert_invalid
  (component (core type (struct)))
  "unsupported core type form 0x5f (GC types are not supported)")

(assert_invalid
  (component (core type (sub (array i8))))
  "unsupported core type form 0x5e in a subtype (GC types are not supported)")

;; stream.write and future.write may name a realloc they do not use
;; (CanonicalABI.md restricts the options of task.return only); read needs
;; one for strings
(component
  (core module $m
    (memory (export "mem") 1)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 0)))
  (core instance $i (instantiate $m))
  (alias core export $i "mem" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (type $s (stream string))
  (type $f (future string))
  (core func (canon stream.write $s async (memory $mem) (realloc $realloc)))
  (core func (canon future.write $f async (memory $mem) (realloc $realloc)))
  (core func (canon stream.read $s async (memory $mem) (realloc $realloc))))

(assert_invalid
  (component
    (core module $m (memory (export "mem") 1))
    (core instance $i (instantiate $m))
    (alias core export $i "mem" (core memory $mem))
    (type $s (stream string))
    (core func (canon stream.read $s async (memory $mem))))
  "canon stream.read needs a realloc option")
