;; section: alias
;; expect: export 'mem' of core instance 0 is not a core func
(component
  (core module $m (memory (export "mem") 1))
  (core instance $i (instantiate $m))
  (alias core export $i "mem" (core func))
)
