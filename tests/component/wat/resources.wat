;; Abstract resources shared between imports through outer aliases: the
;; type checker must bind each placeholder once and hold later imports to it.
(component
  (import "a:b/res" (instance $res
    (export "x" (type (sub resource)))
    (export "y" (type (sub resource)))
  ))
  (alias export $res "x" (type $x))
  (alias export $res "y" (type $y))
  (import "a:b/use" (instance
    (alias outer 1 $x (type $tx))
    (export "x" (type (eq $tx)))
    (type $o (own 0))
    (export "f" (func (result $o)))
  ))
  (import "a:b/use-wrong" (instance
    (alias outer 1 $y (type $ty))
    (export "x" (type (eq $ty)))
    (type $o (own 0))
    (export "f" (func (result $o)))
  ))
)
