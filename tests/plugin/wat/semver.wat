;; semver.wat — built against case:abi/ping@1.1.0; the plugin provides
;; 1.2.0, which is semver-compatible (same major, newer minor).
(module
  (import "case:abi/ping@1.1.0" "ping" (func $ping (result i32)))
  (memory (export "memory") 1)
  (func (export "run") (result i32) (call $ping)))
