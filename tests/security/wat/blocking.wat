;; Guests that block in WASI preview1 host calls (issue 12, item 6): each
;; must be stopped by --timeout, although no guest code runs while it waits.
;; If a host call returns without the time limit being reported, the guest
;; exits with status 7, which the test reports as a swallowed timeout.
(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 512) "fifo")
  ;; poll_oneoff with one relative monotonic clock subscription of 100 s
  (func (export "sleep")
    (i64.store (i32.const 0) (i64.const 42))        ;; userdata
    (i32.store8 (i32.const 8) (i32.const 0))        ;; tag: clock
    (i32.store (i32.const 16) (i32.const 1))        ;; monotonic
    (i64.store (i32.const 24) (i64.const 100000000000)) ;; 100 s
    (i64.store (i32.const 32) (i64.const 0))
    (i32.store16 (i32.const 40) (i32.const 0))      ;; relative
    (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))
    (call $exit (i32.const 7)))
  ;; fd_read from stdin (a pipe nobody writes to)
  (func (export "read-stdin")
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 100))
    (drop (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
    (call $exit (i32.const 7)))
  ;; path_open of a FIFO nobody opens for writing, beneath preopen fd 3
  (func (export "open-fifo")
    (drop (call $open (i32.const 3) (i32.const 0) (i32.const 512) (i32.const 4) (i32.const 0)
                      (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 16)))
    (call $exit (i32.const 7)))
  ;; a busy loop (the case --timeout always handled)
  (func (export "spin") (loop $l (br $l))))
