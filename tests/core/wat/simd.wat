;; Uses v128: must be refused up front.
(module
  (func (export "f") (param v128) (result v128) local.get 0))
