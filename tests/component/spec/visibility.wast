;; External visibility of types (Explainer.md): what a component imports or
;; exports may only refer to records, variants, enums, flags and resources
;; that it imported or exported by name before; structural types (tuples,
;; lists, options, results) need no name, only what they contain does.

;; named first, then used: fine
(component
  (core module $m (func (export "f") (param i32)))
  (core instance $i (instantiate $m))
  (type $mode (enum "read" "write"))
  (export $mode-e "mode" (type $mode))
  (func $set (param "m" $mode-e) (canon lift (core func $i "f")))
  (export "set" (func $set)))

;; the same function using the unexported definition
(assert_invalid
  (component
    (core module $m (func (export "f") (param i32)))
    (core instance $i (instantiate $m))
    (type $mode (enum "read" "write"))
    (export $mode-e "mode" (type $mode))
    (func $set (param "m" $mode) (canon lift (core func $i "f")))
    (export "set" (func $set)))
  "func not valid to be used as export")

;; ...unless the export ascribes the exported name
(component
  (core module $m (func (export "f") (param i32)))
  (core instance $i (instantiate $m))
  (type $mode (enum "read" "write"))
  (export $mode-e "mode" (type $mode))
  (func $set (param "m" $mode) (canon lift (core func $i "f")))
  (export "set" (func $set) (func (param "m" $mode-e))))

;; a type used before its name is exported
(assert_invalid
  (component
    (core module $m (func (export "f") (param i32)))
    (core instance $i (instantiate $m))
    (type $flags (flags "x" "y"))
    (func $set (param "m" $flags) (canon lift (core func $i "f")))
    (export "set" (func $set))
    (export "flags" (type $flags)))
  "func not valid to be used as export")

;; structural wrappers need no name; named types inside them do
(component
  (core module $m (func (export "f") (param i32 i32 i32 i32 i32)))
  (core instance $i (instantiate $m))
  (func $f (param "p" (tuple u32 (option u8) (result u16 (error s8))))
    (canon lift (core func $i "f")))
  (export "f" (func $f)))
(assert_invalid
  (component
    (core module $m (memory (export "m") 1) (func (export "f") (result i32) unreachable))
    (core instance $i (instantiate $m))
    (type $pt (record (field "x" u32)))
    (func $f (result (list $pt)) (canon lift (core func $i "f") (memory (core memory $i "m"))))
    (export "f" (func $f)))
  "func not valid to be used as export")
(assert_invalid
  (component
    (type $pt (record (field "x" u32)))
    (type $both (tuple $pt $pt))
    (export "both" (type $both)))
  "type not valid to be used as export")

;; records inside records: the inner one first
(component
  (type $pt (record (field "x" u32) (field "y" u32)))
  (export $pt-e "point" (type $pt))
  (type $line (record (field "a" $pt-e) (field "b" $pt-e)))
  (export "line" (type $line)))
(assert_invalid
  (component
    (type $pt (record (field "x" u32) (field "y" u32)))
    (export "point" (type $pt))
    (type $line (record (field "a" $pt) (field "b" $pt)))
    (export "line" (type $line)))
  "type not valid to be used as export")

;; resources too: the handle type must name an exported resource
(assert_invalid
  (component
    (core module $m (func (export "f") (result i32) unreachable))
    (core instance $i (instantiate $m))
    (type $file (resource (rep i32)))
    (func $open (result (own $file)) (canon lift (core func $i "f")))
    (export "open" (func $open)))
  "func not valid to be used as export")
(component
  (core module $m (func (export "f") (result i32) unreachable))
  (core instance $i (instantiate $m))
  (type $file (resource (rep i32)))
  (export $file-e "file" (type $file))
  (func $open (result (own $file-e)) (canon lift (core func $i "f")))
  (export "open" (func $open)))

;; imports: an import may refer only to what was imported before it
(component
  (import "file" (type $file (sub resource)))
  (import "open" (func (result (own $file)))))
(assert_invalid
  (component
    (type $file (resource (rep i32)))
    (import "open" (func (result (own $file)))))
  "func not valid to be used as import")
(assert_invalid
  (component
    (type $kind (variant (case "a") (case "b" u8)))
    (import "k" (type (eq $kind)))
    (import "get" (func (result $kind))))
  "func not valid to be used as import")
(component
  (type $kind (variant (case "a") (case "b" u8)))
  (import "k" (type $k (eq $kind)))
  (import "get" (func (result $k))))

;; an exported type is not an import's to use
(assert_invalid
  (component
    (type $kind (enum "a" "b"))
    (export $k "k" (type $kind))
    (import "get" (func (result $k))))
  "func not valid to be used as import")

;; instances: every export of an imported/exported instance is checked, and
;; its type exports name types for the exports after them
(component
  (import "fs" (instance $fs
    (export "file" (type $file (sub resource)))
    (export "open" (func (result (own $file))))))
  (alias export $fs "file" (type $file))
  (import "read" (func (param "f" (borrow $file)) (result u8))))
(assert_invalid
  (component
    (type $pt (record (field "x" u32)))
    (import "geo" (instance
      (export "origin" (func (result $pt))))))
  "instance not valid to be used as import")
(assert_invalid
  (component
    (core module $m (func (export "f") (result i32) unreachable))
    (core instance $i (instantiate $m))
    (type $file (resource (rep i32)))
    (func $open (result (own $file)) (canon lift (core func $i "f")))
    (instance $fs (export "open" (func $open)))
    (export "fs" (instance $fs)))
  "instance not valid to be used as export")
;; a bag of exports that names the type first is fine
(component
  (core module $m (func (export "f") (result i32) unreachable))
  (core instance $i (instantiate $m))
  (type $file (resource (rep i32)))
  (instance $types (export "file" (type $file)))
  (export $types-e "types" (instance $types))
  (alias export $types-e "file" (type $file-e))
  (func $open (result (own $file-e)) (canon lift (core func $i "f")))
  (export "open" (func $open)))
;; ...but a name from an instance that is not itself exported is no name
(assert_invalid
  (component
    (core module $m (func (export "f") (result i32) unreachable))
    (core instance $i (instantiate $m))
    (type $file (resource (rep i32)))
    (instance $types (export "file" (type $file)))
    (alias export $types "file" (type $file-e))
    (func $open (result (own $file-e)) (canon lift (core func $i "f")))
    (export "open" (func $open)))
  "func not valid to be used as export")

;; component types are checked when defined; instance types when used
(assert_invalid
  (component
    (type (component
      (type $pt (record (field "x" u32)))
      (export "origin" (func (result $pt))))))
  "func not valid to be used as export")
(component
  (type (instance
    (type $pt (record (field "x" u32)))
    (export "origin" (func (result $pt))))))
(assert_invalid
  (component
    (type (component
      (export "file" (type $file (sub resource)))
      (import "open" (func (result (own $file)))))))
  "func not valid to be used as import")

;; A bag of exports exports types as they are (it has no index space of
;; its own): a record it exports that refers to an enum it exported before
;; refers to that enum by name, so the bag may be exported (the Component
;; Model's async/big-interleaving-test.wast exports its types this way).
(component
  (component $Driver
    (type $kind (enum "none" "subtask"))
    (export $kind-e "event-kind" (type $kind))
    (type $poll (record (field "slot" u8) (field "event" $kind-e)))
    (export "poll-expect" (type $poll)))
  (instance $driver (instantiate $Driver))
  (instance $types
    (export "event-kind" (type $driver "event-kind"))
    (export "poll-expect" (type $driver "poll-expect")))
  (export "types" (instance $types)))

;; ...but the bag exporting only the record still may not be exported
(assert_invalid
  (component
    (component $Driver
      (type $kind (enum "none" "subtask"))
      (export $kind-e "event-kind" (type $kind))
      (type $poll (record (field "slot" u8) (field "event" $kind-e)))
      (export "poll-expect" (type $poll)))
    (instance $driver (instantiate $Driver))
    (instance $types
      (export "poll-expect" (type $driver "poll-expect")))
    (export "types" (instance $types)))
  "instance not valid to be used as export")
