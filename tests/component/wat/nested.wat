;; Nested components instantiated with arguments, outer aliases, instance
;; export aliases, inline-export instances, export ascriptions, core module
;; types, and a core module instantiated against an inline core instance.
(component $outer
  (type $greet-t (func (param "name" string) (result string)))
  (import "wasi:cli/environment@0.2.3" (instance $env
    (export "get-arguments" (func (result (list string))))
  ))
  (import "greet" (func $greet (type $greet-t)))
  (core type $mt (module
    (import "host" "log" (func (param i32 i32)))
    (export "run" (func))
  ))
  (import "plugin" (core module $plugin (type $mt)))

  (component $inner
    (alias outer $outer $greet-t (type $g))
    (import "greet" (func $f (type $g)))
    (import "args" (func $a (result (list string))))
    (export "greet2" (func $f))
    (export "args2" (func $a))
  )
  (alias export $env "get-arguments" (func $get-args))
  (instance $inst (instantiate $inner
    (with "greet" (func $greet))
    (with "args" (func $get-args))
  ))
  (alias export $inst "greet2" (func $greet2))
  (instance $bundle
    (export "hello" (func $greet2))
    (export "args" (func $get-args))
  )
  (export "bundle" (instance $bundle)
    (instance (export "hello" (func (type $greet-t)))))

  (core module $host
    (memory (export "memory") 1)
    (func (export "log") (param i32 i32))
  )
  (core instance $h (instantiate $host))
  (core instance $hi (export "log" (func $h "log")))
  (core instance $p (instantiate $plugin (with "host" (instance $hi))))
  (export "plugin-module" (core module $plugin))
)
