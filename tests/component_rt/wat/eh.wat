;; A core module using exception handling (tags, throw, try_table) inside a
;; component.  The engine may not run it yet: then `run` must refuse it
;; naming the proposal, never fail with some other message; `wit` must
;; accept it either way (it is a valid component).
(component
  (core module $m
    (tag $t (param i32))
    (func (export "run") (param i32) (result i32)
      (block $h (result i32)
        (try_table (catch $t $h)
          (throw $t (i32.add (local.get 0) (i32.const 1))))
        (i32.const -1))))
  (core instance $i (instantiate $m))
  (func (export "run") (param "x" u32) (result u32) (canon lift (core func $i "run"))))
