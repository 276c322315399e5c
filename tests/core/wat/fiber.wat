;; Guest code on fibers: blocking host calls in the middle of guest frames,
;; traps and stack overflow on a fiber's stack.
(module
  (import "env" "block" (func $block (param i32) (result i32)))
  (memory (export "memory") 1)
  ;; calls block(i) for i in 0..n and sums what it returns
  (func (export "count") (param $n i32) (result i32)
    (local $i i32) (local $sum i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $sum (i32.add (local.get $sum) (call $block (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $sum))
  (func $rec (export "rec") (param i32) (result i32)
    local.get 0 i32.eqz
    if (result i32) i32.const 0
    else local.get 0 i32.const 1 i32.sub call $rec
         local.get 0 i32.const 1 i32.sub call $rec i32.add
    end)
  (func (export "unreach") unreachable)
  (func (export "oob") (result i32) i32.const 0x7fffff00 i32.load)
)
