;; section: canon
;; expect: canon stream.read needs a realloc option
(component
  (core module $m (memory (export "mem") 1))
  (core instance $i (instantiate $m))
  (type $s (stream string))
  (core func (canon stream.read $s async (memory (core memory $i "mem"))))
)
