;; section: alias
;; expect: outer alias of type 0 crosses a component boundary but transitively refers to resources not defined in the current component
(component
  (type $r (resource (rep i32)))
  (component
    (alias outer 1 $r (type))
  )
)
