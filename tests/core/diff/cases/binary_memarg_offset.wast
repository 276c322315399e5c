;; known-failure baseline/own
;; known-failure optimized/own
;;
;; A memarg offset of a 32-bit memory is a u32: a LEB128 longer than 5
;; bytes is malformed ("integer representation too long"), as are the
;; limits of a 32-bit memory.  (The spec suite's binary.wast and
;; binary-leb128.wast.)  Only memory64 memories take u64 offsets.
;;
;; The validator reads a 32-bit memory's memarg offset as a u64 and accepts
;; the first module (the others are refused); with WASMPLUG_TRANSLATOR=wasm2c
;; wasm2c refuses it afterwards, so only the own translator runs it.
(assert_malformed
  (module binary
    "\00asm" "\01\00\00\00"
    "\01\04\01\60\00\00"       ;; type section
    "\03\02\01\00"             ;; function section
    "\05\03\01\00\01"          ;; memory section
    "\0a\11\01"                ;; code section
    "\0f\01\01\7f"             ;; function 0, one i32 local
    "\41\00"                   ;; i32.const 0
    "\28\02"                   ;; i32.load align=2
    "\82\80\80\80\80\00"       ;; offset 2 in 6 bytes
    "\1a\0b")                  ;; drop end
  "integer representation too long")
(assert_malformed
  (module binary
    "\00asm" "\01\00\00\00"
    "\05\07\01"                ;; memory section
    "\00\82\80\80\80\80\00")   ;; no max, minimum 2 in 6 bytes
  "integer representation too long")
(assert_malformed
  (module binary
    "\00asm" "\01\00\00\00"
    "\01\04\01\60\00\00"       ;; type section
    "\03\02\01\00"             ;; function section
    "\05\03\01\00\01"          ;; memory section
    "\0a\10\01"                ;; code section
    "\0e\00"                   ;; function 0
    "\41\00"                   ;; i32.const 0
    "\28\02"                   ;; i32.load align=2
    "\80\80\80\80\10"          ;; offset 2^32: too large for a u32
    "\1a\0b")                  ;; drop end
  "integer too large")
