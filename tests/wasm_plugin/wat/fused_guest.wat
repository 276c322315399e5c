;; A UTF-8 guest calling test:kv/counter through the fused adapter (the
;; values copied from its memory straight into the plugin's): a string,
;; integers, and arguments the adapter must refuse in the guest -- invalid
;; UTF-8, a string past the end of memory --
;; without touching the plugin; a trap in the plugin poisons the plugin;
;; a call made from a post-return (which may not leave the instance) traps;
;; a memory fault in the plugin (crash-oob), and a time limit ending a
;; plugin that computes forever (crash-loop), are traps like any other.
(component
  (import "test:kv/counter@0.1.0" (instance $c
    (export "text" (func (param "s" string) (result u32)))
    (export "bump" (func (param "by" u32) (result u32)))
    (export "crash" (func (param "how" u32) (result u32)))))
  (alias export $c "text" (func $text))
  (alias export $c "bump" (func $bump))
  (alias export $c "crash" (func $crash))
  (core module $mem
    (memory (export "mem") 1)
    (data (i32.const 16) "hello")
    (data (i32.const 32) "ok\ff"))
  (core instance $m (instantiate $mem))
  (alias core export $m "mem" (core memory $memory))
  (core func $text-low (canon lower (func $text) (memory $memory)))
  (core func $bump-low (canon lower (func $bump)))
  (core func $crash-low (canon lower (func $crash)))
  (core module $main
    (import "c" "text" (func $text (param i32 i32) (result i32)))
    (import "c" "bump" (func $bump (param i32) (result i32)))
    (import "c" "crash" (func $crash (param i32) (result i32)))
    (func (export "run") (result i32) (call $text (i32.const 16) (i32.const 5)))
    (func (export "bad-utf8") (result i32) (call $text (i32.const 32) (i32.const 3)))
    (func (export "oob") (result i32) (call $text (i32.const 65530) (i32.const 100)))
    (func (export "bump") (param i32) (result i32) (call $bump (local.get 0)))
    (func (export "crash") (result i32) (call $crash (i32.const 1)))
    (func (export "crash-oob") (result i32) (call $crash (i32.const 2)))
    (func (export "crash-loop") (result i32) (call $crash (i32.const 3)))
    (func (export "post-bump") (param i32) (drop (call $bump (i32.const 1)))))
  (core instance $ci (export "text" (func $text-low)) (export "bump" (func $bump-low))
    (export "crash" (func $crash-low)))
  (core instance $i (instantiate $main (with "c" (instance $ci))))
  (func $run (result u32) (canon lift (core func $i "run")))
  (func $bad-utf8 (result u32) (canon lift (core func $i "bad-utf8")))
  (func $oob (result u32) (canon lift (core func $i "oob")))
  (func $bumpx (param "by" u32) (result u32) (canon lift (core func $i "bump")))
  (func $crashx (result u32) (canon lift (core func $i "crash")))
  (func $crash-oobx (result u32) (canon lift (core func $i "crash-oob")))
  (func $crash-loopx (result u32) (canon lift (core func $i "crash-loop")))
  (func $bump-post (param "by" u32) (result u32)
    (canon lift (core func $i "bump") (post-return (core func $i "post-bump"))))
  (export "run" (func $run))
  (export "bad-utf8" (func $bad-utf8))
  (export "oob" (func $oob))
  (export "bump" (func $bumpx))
  (export "crash" (func $crashx))
  (export "crash-oob" (func $crash-oobx))
  (export "crash-loop" (func $crash-loopx))
  (export "bump-then-post" (func $bump-post)))
