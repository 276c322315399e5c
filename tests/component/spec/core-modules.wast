;; Core modules inside a component: their imports are module/name pairs
;; that must be distinct (each becomes one component-level name), memories
;; have at most 2^16 pages, and the core validator checks everything else
;; (function bodies included) when the component is loaded.

(component
  (core module
    (import "env" "log" (func (param i32)))
    (import "env" "mem" (memory 1 65536))
    (import "other" "log" (func (param i32)))))

(assert_invalid
  (component
    (core module
      (import "env" "log" (func (param i32)))
      (import "env" "log" (func (param i64)))))
  "duplicate import name `env:log`")
(assert_invalid
  (component
    (core module
      (import "" "" (memory 1))
      (import "" "" (memory 1))))
  "duplicate import name `:`")

;; the same rules for module types (imports, exports, limits)
(component
  (core type (module
    (import "env" "f" (func))
    (export "g" (func)))))
(assert_invalid
  (component
    (core type (module
      (import "env" "f" (func))
      (import "env" "f" (func)))))
  "duplicate import name `env:f`")
(assert_invalid
  (component
    (core type (module
      (export "g" (func))
      (export "g" (func)))))
  "duplicate")
(assert_invalid
  (component
    (type (instance
      (core type (module
        (import "a" "b" (memory 65537)))))))
  "memory size must be at most 65536")

;; memory limits of a module's own memories
(assert_invalid
  (component (core module (memory 65537)))
  "memory size must be at most 65536")
(assert_invalid
  (component (core module (memory 1 70000)))
  "memory size must be at most 65536")
(assert_invalid
  (component (core module (memory 2 1)))
  "limits maximum below minimum")

;; the core validator: function bodies, section order
(assert_invalid
  (component
    (core module (func (result i32) (i64.const 1))))
  "type mismatch")
(assert_invalid
  (component
    (core module (func (export "f") (param i32) (local.get 1))))
  "core module 0")
;; ...even in a module that is never instantiated
(assert_invalid
  (component
    (core module $ok (func (export "f") (param i32) (result i32) (local.get 0)))
    (core module $bad (func (export "g") (i32.add)))
    (core instance (instantiate $ok)))
  "core module 1")
