/*
** internal.h — shared definitions of the core layer's files.  Nothing
** outside src/core includes this: other layers use include/wasmplug.h.
*/
#ifndef WP_CORE_INTERNAL_H
#define WP_CORE_INTERNAL_H

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasmplug.h"

/* ------------------------------------------------------------ small utils */

char *wp_strdup(const char *s);
char *wp_strndup(const char *s, size_t n);
/* Text (generated C, messages): the tree's one buffer, and wp_format /
** wp_vformat on it. */
#include "buf.h"
#include "image.h" /* wp_image_t: optimized code, loaded */

/* Appends frames (copied) to a trap's backtrace (util.c). */
void wp_trap_add_frames(wasmplug_trap_t *t, const wasmplug_frame_t *frames, size_t n, bool truncated);

/* ---------------------------------------------------------------- decoder */

typedef struct wp_functype {
  uint32_t nparams, nresults;
  wasmplug_valkind_t *params; /* nparams then nresults, one allocation */
  wasmplug_valkind_t *results;
} wp_functype_t;

/* A byte range of the module (offsets from its first byte). */
typedef struct wp_span {
  uint32_t off, len;
} wp_span_t;

/* Memory and table flags. */
#define WP_MEM_64 1     /* memory64 / table64: i64 addresses */
#define WP_MEM_SHARED 2 /* threads: a shared memory */

typedef struct wp_import {
  char *module, *name;
  wasmplug_externkind_t kind;
  uint32_t type_index;   /* functions and tags */
  wasmplug_limits_t limits;
  wasmplug_valkind_t elem; /* tables, and the global's type */
  bool mut;
  uint8_t flags;         /* memories and tables: WP_MEM_* */
} wp_import_t;

typedef struct wp_export {
  char *name;
  wasmplug_externkind_t kind;
  uint32_t index;
} wp_export_t;

typedef struct wp_global_def {
  wasmplug_valkind_t type;
  bool mut;
  wp_span_t init; /* the constant expression, its `end` included */
} wp_global_def_t;

/* Segment modes. */
enum { WP_SEG_ACTIVE, WP_SEG_PASSIVE, WP_SEG_DECLARATIVE };

typedef struct wp_elem {
  uint8_t mode;
  uint32_t table;
  wp_span_t offset;        /* active: the offset expression */
  wasmplug_valkind_t type; /* funcref or externref */
  uint32_t count;
  uint32_t *funcs;         /* function indices, or NULL when... */
  wp_span_t *exprs;        /* ...the items are expressions */
} wp_elem_t;

typedef struct wp_data {
  uint8_t mode;
  uint32_t mem;
  wp_span_t offset; /* active: the offset expression */
  wp_span_t bytes;
} wp_data_t;

/* Proposals a module uses beyond Wasm 2.0 (found by decoder and validator). */
enum {
  WP_FEAT_SIMD = 1u << 0,
  WP_FEAT_THREADS = 1u << 1,
  WP_FEAT_TAILCALL = 1u << 2,
  WP_FEAT_MEMORY64 = 1u << 3,
  WP_FEAT_MULTIMEM = 1u << 4,
  WP_FEAT_EH = 1u << 5,
  WP_FEAT_EH_LEGACY = 1u << 6,
  WP_FEAT_EXTCONST = 1u << 7,
  WP_FEAT_RELAXED_SIMD = 1u << 8,
  WP_FEAT_SHARED_MEM = 1u << 9,
};

/* The decoded module: what linking, validation and code generation need.
** Function bodies, constant expressions and segment contents stay in the
** module's bytes and are referred to by span. */
typedef struct wp_modinfo {
  uint32_t ntypes;
  wp_functype_t *types;
  uint32_t nimports;
  wp_import_t *imports;
  uint32_t nfuncs; /* defined functions */
  uint32_t *func_types;
  uint32_t nimported_funcs, nimported_tables, nimported_mems, nimported_globals,
      nimported_tags;
  uint32_t ntables;
  wasmplug_limits_t *tables;
  wasmplug_valkind_t *table_elems;
  uint8_t *table_flags;
  wp_span_t *table_inits; /* len 0: no initialiser (null) */
  uint32_t nmems;
  wasmplug_limits_t *mems;
  uint8_t *mem_flags;
  uint32_t ntags;
  uint32_t *tag_types;
  uint32_t nglobals;
  wp_global_def_t *globals;
  uint32_t nexports;
  wp_export_t *exports;
  bool has_start;
  uint32_t start;
  uint32_t nelems;
  wp_elem_t *elems;
  bool has_datacount;
  uint32_t datacount;
  uint32_t ndatas;
  wp_data_t *datas;
  wp_span_t *bodies; /* nfuncs function bodies (locals and code) */
  char **func_names; /* from the name section: nimported_funcs + nfuncs, or NULL */
  char *module_name; /* from the name section, or NULL */
  uint32_t features; /* WP_FEAT_* */
} wp_modinfo_t;

/* Decodes the module's sections.  On failure returns a message
** "NAME: invalid module at offset 0xOFF: what" (caller frees).  Malformed
** encodings are refused here; the typing rules are the validator's. */
char *wp_modinfo_decode(const uint8_t *bytes, size_t len, const char *name,
                        wp_modinfo_t *out);
/* Validates a decoded module: every typing rule of the spec, function bodies
** included (validate.c, validate_code.c).  Same message format. */
char *wp_modinfo_validate(const uint8_t *bytes, size_t len, const char *name,
                          wp_modinfo_t *info);
/* Counts and types by index space (imports first). */
static inline uint32_t wp_nfuncs(const wp_modinfo_t *m) { return m->nimported_funcs + m->nfuncs; }
static inline uint32_t wp_ntables(const wp_modinfo_t *m) { return m->nimported_tables + m->ntables; }
static inline uint32_t wp_nmems(const wp_modinfo_t *m) { return m->nimported_mems + m->nmems; }
static inline uint32_t wp_nglobals(const wp_modinfo_t *m) { return m->nimported_globals + m->nglobals; }
static inline uint32_t wp_ntags(const wp_modinfo_t *m) { return m->nimported_tags + m->ntags; }
/* The import that is entity `k` of `kind` (imports only), or NULL. */
const wp_import_t *wp_modinfo_nth_import(const wp_modinfo_t *m, wasmplug_externkind_t kind,
                                         uint32_t k);
/* Types of tables, memories, globals, tags by index (imports first). */
void wp_modinfo_table(const wp_modinfo_t *m, uint32_t i, wasmplug_limits_t *lim,
                      wasmplug_valkind_t *elem, uint8_t *flags);
void wp_modinfo_memory(const wp_modinfo_t *m, uint32_t i, wasmplug_limits_t *lim, uint8_t *flags);
void wp_modinfo_global(const wp_modinfo_t *m, uint32_t i, wasmplug_valkind_t *type, bool *mut);
uint32_t wp_modinfo_tag_type(const wp_modinfo_t *m, uint32_t i);
void wp_modinfo_free(wp_modinfo_t *info);
/* The type of function `index` (imports first), or NULL. */
const wp_functype_t *wp_modinfo_functype(const wp_modinfo_t *info,
                                         uint32_t index);
/* Two function types are the same (same params and results). */
bool wp_functype_eq(const wp_functype_t *a, const wp_functype_t *b);
/* Fills a public externtype describing import/export entities. */
void wp_modinfo_import_type(const wp_modinfo_t *info, uint32_t i,
                            wasmplug_externtype_t *t);
void wp_modinfo_export_type(const wp_modinfo_t *info, uint32_t i,
                            wasmplug_externtype_t *t);

/* ---------------------------------------------------------------- sha256 */

typedef struct wp_sha256 {
  uint32_t h[8];
  uint64_t len;
  uint8_t buf[64];
  size_t nbuf;
} wp_sha256_t;
void wp_sha256_init(wp_sha256_t *s);
void wp_sha256_update(wp_sha256_t *s, const void *data, size_t len);
void wp_sha256_final(wp_sha256_t *s, uint8_t out[32]);
void wp_sha256_hex(const uint8_t digest[32], char out[65]);
/* The SHA-256 of data, in hex. */
void wp_sha256_hex_of(const void *data, size_t len, char out[65]);
/* For tests: use the processor's SHA instructions (hw) or the portable
** code from now on; false if hw was asked and this processor lacks them.
** By default the first use picks the instructions when present. */
bool wp_sha256_select(bool hw);

/* Makes the pages of a large buffer about to be filled present at once
** (util.c): a page fault per 4 KiB costs more than the copy under a
** hypervisor.  Best effort. */
void wp_populate(void *p, size_t n);

/* A core module's identity (check.c): the SHA-256 of its bytes except the
** payloads of custom sections, whose lengths and places (and names) are
** kept, so every offset into the bytes is the same for equal digests.
** Neither validation nor the C the translators write reads a custom
** section's payload (the name section is decoded from the bytes of each
** load, for backtraces only; wasm2c gets the module without them), and
** debug info is most of many modules: hashing it was most of the digest's
** cost on every start.  The cache key, validation tickets, the glue's
** module_hash and this file's memory of validations all use it. */
void wp_module_digest(const uint8_t *bytes, size_t len, uint8_t out[32]);

/* True if wasmplug_module_validate passed bytes with this digest in this
** process, or a ticket vouched for them; *features is then what their
** validation found, *ticketed whether a ticket did (check.c). */
bool wp_validated_before(const uint8_t digest[32], uint32_t *features, bool *ticketed);
void wp_validated_note(const uint8_t digest[32], uint32_t features, bool ticketed);

/* ------------------------------------------------------- the glue contract */

/*
** Every compiled module is wasm2c's C plus a generated glue file (codegen.c)
** compiled together.  The glue exports one symbol, wasmplug_glue_v1, which
** returns this descriptor.  The compiled code has no undefined symbols but
** libc/libm: the wasm-rt functions wasm2c's output calls are defined in the
** glue and forward to the host's wp_rt_api table handed over by init_module.
** This is what lets the same artifact run from libtcc memory or a dlopen'ed
** shared object without symbol interposition games.
**
** The same struct layouts are written out as C text by codegen.c; keep the
** two in step (tests/core checks it by compiling a glue file).
*/
#define WP_GLUE_ABI 2

typedef struct wp_import_slot {
  /* Host function: called through rt->call_host. */
  void *host; /* wp_hostfunc_t* */
  void *caller; /* the importing wasmplug_instance_t */
  /* Wasm function from another instance: called directly. */
  void *wasm_fn;
  void *wasm_inst;
  /* Memory, table or global import: the object itself. */
  void *ptr;
} wp_import_slot_t;

typedef struct wp_glue_export {
  const char *name;
  uint32_t kind;  /* wasmplug_externkind_t */
  uint32_t index; /* entity index */
  /* Functions: uniform-signature entry and the direct C function. */
  void (*entry)(void *inst, wasmplug_val_raw_t *v);
  void *direct;
  /* Memories, tables, globals: pointer to the object inside the instance. */
  void *(*get)(void *inst);
} wp_glue_export_t;

/* An exported tag (instance.c): its identity (what a thrown exception
** carries, compared by address) and type; the public wasmplug_tag_t. */
typedef struct wasmplug_tag {
  void *id;
  const wp_functype_t *type;
} wp_tag_export_t;

/* The meter compiled code checks (translate_rt.c's wp_meter): one per
** thread, set by the outermost guarded call (rt.c). */
typedef struct wp_meter {
  int64_t fuel;                  /* units left; the check traps below 0 */
  const volatile uint64_t *epoch; /* the engine's epoch counter */
  uint64_t deadline;             /* trap once *epoch >= deadline */
} wp_meter_t;

typedef struct wp_rt_api {
  uint32_t size;
  void (*trap)(int wasm_rt_trap_code);
  uint32_t (*register_func_type)(uint32_t nparams, uint32_t nresults,
                                 const int *types);
  void (*allocate_memory)(void *mem, uint32_t initial, uint32_t max);
  uint32_t (*grow_memory)(void *mem, uint32_t delta);
  void (*free_memory)(void *mem);
  void (*allocate_funcref_table)(void *t, uint32_t elems, uint32_t max);
  void (*allocate_externref_table)(void *t, uint32_t elems, uint32_t max);
  void (*free_funcref_table)(void *t);
  void (*free_externref_table)(void *t);
  uint32_t (*grow_funcref_table)(void *t, uint32_t delta, const void *init);
  uint32_t (*grow_externref_table)(void *t, uint32_t delta, void *init);
  void (*call_host)(wp_import_slot_t *slot, wasmplug_val_raw_t *v);
  /* Exception handling (own translator): the head of the innermost guarded
  ** call's chain of wasm exception handlers (try_table frames); a throw
  ** with no handler there traps with "uncaught exception". */
  void **(*exn_handlers)(void);
  /* Fuel and epoch interruption (own translator): the running call's
  ** meter on this thread (wp_meter_t); compiled code with checks reads it
  ** once per function and traps when the fuel runs out or the engine's
  ** epoch reaches the deadline. */
  wp_meter_t *(*meter)(void);
  /* memory.atomic.wait's timeout on a shared memory (nobody can notify:
  ** no guest threads): sleeps `ns` nanoseconds. */
  void (*wait)(int64_t ns);
  /* The meter's offset from the thread pointer, the same on every thread:
  ** gcc's code on x86-64 reads and decrements the fuel in place through
  ** %fs instead of calling `meter` at every function entry. */
  int64_t (*meter_off)(void);
} wp_rt_api_t;

typedef struct wp_glue {
  uint32_t abi;
  uint32_t instance_size;
  uint8_t module_hash[32];
  void (*init_module)(const wp_rt_api_t *rt);
  /* `env` is passed for every import module (the glue defines every
  ** import-module struct as a wrapper of the same slot array). */
  void (*instantiate)(void *inst, void *env);
  void (*free)(void *inst);
  uint32_t nexports;
  const wp_glue_export_t *exports;
} wp_glue_t;

typedef const wp_glue_t *(*wp_glue_entry_t)(void);

/* ------------------------------------------------------------- runtime */

/* Trap codes compiled code raises through wp_rt_api.trap: wasm-rt.h's
** numbering (wasm2c's code uses it too), then wasmplug's own. */
enum {
  WP_TRAP_CODE_OOB = 1, WP_TRAP_CODE_INT_OVERFLOW, WP_TRAP_CODE_DIV_BY_ZERO,
  WP_TRAP_CODE_INVALID_CONVERSION, WP_TRAP_CODE_UNREACHABLE, WP_TRAP_CODE_CALL_INDIRECT,
  WP_TRAP_CODE_UNCAUGHT_EXCEPTION, WP_TRAP_CODE_EXHAUSTION,
  WP_TRAP_CODE_INTERRUPT = 100, WP_TRAP_CODE_TABLE_OOB, WP_TRAP_CODE_UNDEFINED_ELEMENT,
  WP_TRAP_CODE_UNINITIALIZED_ELEMENT, WP_TRAP_CODE_NULL_EXNREF, WP_TRAP_CODE_TOO_MANY_EXNS,
  WP_TRAP_CODE_OUT_OF_FUEL, WP_TRAP_CODE_EPOCH, WP_TRAP_CODE_UNALIGNED, WP_TRAP_CODE_UNSHARED_WAIT,
  WP_TRAP_CODE_WAIT_FOREVER
};

/* The host side of the wasm-rt contract (rt.c). */
const wp_rt_api_t *wp_rt_api(void);
/* Sets up the process-wide pieces once (signal handlers, type registry). */
void wp_rt_global_init(void);

/* Per-call guard: run fn(arg) on guest code with traps caught.  Returns NULL
** or the trap.  Nests: `engine`'s limits (fuel, epoch, time) apply only to
** the outermost call of a stack; a call made inside another, or on a
** fiber without limits of its own, does not read it. */
wasmplug_trap_t *wp_rt_call_guarded(void (*fn)(void *arg), void *arg,
                                    const wasmplug_engine_t *engine);
/* wp_rt_call_guarded of a compiled function's entry(inst, v), lighter
** when nested in another guarded call on this stack (rt.c). */
wasmplug_trap_t *wp_rt_call_entry(void (*entry)(void *inst, wasmplug_val_raw_t *v), void *inst,
                                  wasmplug_val_raw_t *v, const wasmplug_engine_t *engine);
/* The per-thread trap state that belongs to a stack (fiber.c): the
** innermost guarded call, whether host code runs, the stack's bounds (a
** fault near its low end, or anywhere in its guard, is a stack overflow).
** wp_rt_ctx_swap saves the thread's current state into *save and installs
** *load. */
typedef struct wp_rt_ctx {
  void *top;
  int in_host;
  uintptr_t stack_lo, stack_hi;
  size_t stack_guard; /* bytes below stack_lo that are the stack's own guard (0: unknown) */
  bool in_fiber;
  /* the stack is a fiber with limits of its own (wasmplug_fiber_new_limited):
  ** its outermost guarded call is an outermost call, like the thread's */
  bool own_limits;
} wp_rt_ctx_t;
void wp_rt_ctx_swap(wp_rt_ctx_t *save, const wp_rt_ctx_t *load);
/* The limits of the outermost call running on a stack: its deadline and
** whether it passed, its meter (fuel, epoch deadline), the number the
** thread's interrupt handle knows it by.  A fiber with limits of its own
** keeps its call's here while it is switched out; wp_rt_limits_swap saves
** the thread's into *save, installs *load and sets the thread's watchdog
** timer for them (fiber.c, at every switch into and out of such a fiber). */
typedef struct wp_rt_limits {
  uint64_t deadline_ns;
  int interrupted;
  bool fuel_limited;
  wp_meter_t meter;
  uint64_t running;
} wp_rt_limits_t;
void wp_rt_limits_swap(wp_rt_limits_t *save, const wp_rt_limits_t *load);
/* The fiber keeping `lim` is deleted with its call switched out. */
void wp_rt_limits_drop(const wp_rt_limits_t *lim);
/* True once the watchdog fired on this thread (cleared by the next
** outermost guarded call). */
bool wp_rt_interrupted(void);
/* The limits memories and tables made on this thread are held to (while
** an instantiation runs; see rt.c).  Push returns the previous ones, to
** pop back (instantiations nest: a start function may instantiate). */
const wasmplug_store_limits_t *wp_rt_limits_push(const wasmplug_store_limits_t *limits);
void wp_rt_limits_pop(const wasmplug_store_limits_t *previous);
/* Backtraces (backtrace.c).  A trap records at most WP_BT_MAX program
** counters; wp_backtrace_attach turns those that lie in a live module's
** compiled wasm functions into the trap's frames.  Modules register their
** code once it is loaded and unregister before it is freed. */
#define WP_BT_MAX 64
/* `leaf_ret` (0: none) is the top stack word of a fault, a return address
** into the faulting function's caller when that function keeps no frame. */
void wp_backtrace_attach(wasmplug_trap_t *t, const uintptr_t *pcs, uint32_t n, uintptr_t leaf_ret,
                         bool truncated);
void wp_backtrace_register(wasmplug_module_t *m);
void wp_backtrace_unregister(wasmplug_module_t *m);

/* The memories and tables an instance defines, as the instantiation on
** this thread allocates them (rt.c notes them into the recorder instance.c
** pushes): what a snapshot keeps and a reset restores (snapshot.c). */
typedef struct wp_rt_defined {
  void **mems;        /* wp_rt_memory_t *, inside the instance */
  size_t nmems;
  void **tables;      /* wp_rt_table_t *, inside the instance */
  size_t *elem_sizes; /* bytes per element of each table */
  size_t ntables;
  bool oom;
} wp_rt_defined_t;
wp_rt_defined_t *wp_rt_record_push(wp_rt_defined_t *r);
void wp_rt_record_pop(wp_rt_defined_t *previous);
void wp_rt_defined_free(wp_rt_defined_t *r);
struct wp_snapshot; /* snapshot.c */
void wp_snapshot_free(struct wp_snapshot *s);
/* Before the instance's memories are freed: memories mapped from a
** snapshot's image become anonymous zero pages again (the runtime pools
** freed reservations and clears them with MADV_DONTNEED, which would bring
** an image's contents back, not zeros). */
void wp_snapshot_drop_images(wasmplug_instance_t *in);
/* Raises a trap out of host code called from the guest (does not return). */
void wp_rt_raise(wasmplug_trap_t *trap) __attribute__((noreturn));

/* wasm_rt_memory_t helpers for the embedding API (same layout as wasm-rt.h). */
typedef struct wp_rt_memory {
  uint8_t *data;
  uint32_t pages, max_pages;
  uint32_t size;
} wp_rt_memory_t;
/* Grows a memory by `delta` pages; the old size, or UINT32_MAX on failure. */
uint32_t wp_rt_grow_memory(wp_rt_memory_t *m, uint32_t delta);
/* Unmaps a memory's reservation at once (not pooled); m->data becomes NULL. */
void wp_rt_memory_discard(wp_rt_memory_t *m);
typedef struct wp_rt_funcref {
  uint32_t func_type;
  void (*func)(void);
  void *module_instance;
} wp_rt_funcref_t;
typedef struct wp_rt_table {
  void *data;
  uint32_t max_size;
  uint32_t size;
} wp_rt_table_t;

/* A host function defined through a linker. */
typedef struct wp_hostfunc {
  wasmplug_func_callback_t cb;
  void *env;
  void (*finalizer)(void *);
  wp_functype_t type;
  uint32_t nslots; /* max(nparams, nresults) */
  /* wasmplug_linker_define_func_direct's entry (cb is NULL then): linked
  ** as the slot's wasm_fn with a wasmplug_direct_call_t as its wasm_inst. */
  void *direct;
} wp_hostfunc_t;

/* ---------------------------------------------------------------- engine */

struct wasmplug_config {
  wasmplug_tier_t tier;
  char *cache_dir;
  uint64_t timeout_ms;
  uint64_t fuel;         /* per outermost guest call; 0: no metering */
  uint64_t epoch_ticks;  /* epoch deadline of a call; 0: no epoch checks */
  wasmplug_store_limits_t limits;
  bool allow_precompiled;
  bool tier_up; /* wasmplug_config_tier_up_set */
  /* $WASMPLUG_NO_PIDFD=1 (read when the engine is made): builds wait for
  ** their compiler processes by 20 ms naps, as where pidfd_open is
  ** missing or refused (build.c; a test of that path) */
  bool no_pidfd;
  wasmplug_progress_t progress;
  void *progress_data;
};

/* Which Wasm -> C translator an engine uses ($WASMPLUG_TRANSLATOR). */
typedef enum wp_translator {
  WP_TRANSLATOR_WASM2C, /* wabt's wasm2c (codegen.c), if built in */
  WP_TRANSLATOR_OWN,    /* translate*.c */
} wp_translator_t;

struct wasmplug_engine {
  wasmplug_config_t config;
  char *cache_dir; /* resolved */
  struct {         /* the cache's MAC secret (trust.c), fetched once */
    pthread_mutex_t lock;
    bool have_key, sealed; /* sealed: from the kernel keyring */
    uint8_t key[32];
  } trust;
  char *tool_id;   /* translator and cc identity, part of cache keys */
  char *tcc_id;    /* the tcc program's identity (baseline units' keys):
                      wp_engine_tcc_id, made on first use under trust.lock */
  wp_translator_t translator;
  volatile uint64_t epoch; /* wasmplug_engine_increment_epoch (atomic) */
};

/* The tcc program's identity (engine.c), found on the first call: only a
** large module's baseline units need it, not every start.  NULL: out of
** memory. */
const char *wp_engine_tcc_id(wasmplug_engine_t *e);

/* The name of a WP_FEAT_* bit's proposal ("SIMD", "tail calls"...). */
const char *wp_feature_name(uint32_t feature);

/* Compiled code of one module: a libtcc state or a loaded image. */
typedef struct wp_code {
  wasmplug_tier_t tier;
  void *tcc;          /* TCCState*, baseline */
  wp_image_t *image;  /* optimized: the shared object, loaded by image.c */
  const wp_glue_t *glue;
  /* Hot-first tier-up (compile.c): baseline code with a hot object beside
  ** it, the optimized code of the functions that ran most on an earlier
  ** baseline run.  ftab: the function table the baseline's instances are
  ** given (the baseline's own with the hot functions' entries replaced);
  ** hot_idx: those functions (index space, ascending). */
  wp_image_t *hot_image;
  void **ftab;
  uint32_t nhot;
  uint32_t *hot_idx;
} wp_code_t;

struct wasmplug_module {
  wasmplug_engine_t *engine;
  char *name;
  uint8_t *bytes; /* the original wasm (owned) */
  size_t len;
  uint8_t hash[32];
  wp_modinfo_t info;
  wp_code_t code;
  char *cname; /* the -n name given to wasm2c */
  int tier_up_fd; /* read end of a background build's result pipe, or -1 */
  /* Hot-first tier-up's profile: the baseline's call counts (one u32 per
  ** defined function) in a shared mapping the builder reads once the
  ** write end prof_fd is closed (the module's end) or after a time budget. */
  uint32_t *hits;
  int prof_fd;
  char *hot_note; /* why hot code was refused or ignored, or NULL */
};

/* codegen.c: runs wasm2c into dir/module.c and writes dir/glue.c.
** Returns NULL or an error message (caller frees). */
char *wp_codegen(const wasmplug_module_t *m, const char *dir);
/* What wasm2c 1.0.32 cannot compile (WP_FEAT_*). */
uint32_t wp_codegen_unsupported(void);

/* The C files of a module for one tier, written into `dir` by the
** engine's translator; `files` receives their names (relative to dir,
** NULL-terminated, caller frees with wp_strv_free). */
char *wp_emit_c(const wasmplug_module_t *m, bool baseline, const char *dir, char ***files);
void wp_strv_free(char **v);
/* compile.c */
char *wp_compile_baseline(wasmplug_module_t *m, wp_code_t *out);
char *wp_compile_optimized(wasmplug_module_t *m, bool may_build,
                           wp_code_t *out);
void wp_code_free(wp_code_t *code);
/* Background tier-up: builds and caches the optimized tier of m in a
** detached process (compile.c; m->tier_up_fd reads its result). */
void wp_tier_up_start(wasmplug_module_t *m);
/* build.c: the optimized tier's shared object from the engine's
** translator, units compiled in parallel and cached one by one.  hot: a
** hot object of those defined functions only (translate.h), or NULL. */
char *wp_build_optimized(wasmplug_module_t *m, const char *dir, const char *so_out, const uint8_t *hot);
/* Hot-first tier-up (compile.c): loads the module's hot object from the
** cache beside its baseline code, if there is a verified one (else notes
** why not in m->hot_note). */
void wp_hot_load(wasmplug_module_t *m);
/* Whether hot-first tier-up can apply to the module (own translator, no
** tail calls or exceptions). */
bool wp_hot_possible(const wasmplug_module_t *m);
/* A large module's baseline tier: the objects (in dir; names in `files`,
** NULL-terminated) that libtcc links, built in parallel or from the cache. */
char *wp_build_baseline(wasmplug_module_t *m, const char *dir, char ***files);
/* How many compiler processes run at once ($WASMPLUG_JOBS, else the cores). */
unsigned wp_build_jobs(void);
/* Writes a file through a temporary name and a rename. */
char *wp_write_atomic(const char *path, const uint8_t *data, size_t len);

bool wp_read_all(const char *path, uint8_t **data, size_t *len);
/* mkdir -p (mode 0700); NULL or an error message naming the directory. */
char *wp_mkdir_p(const char *dir);

/* trust.c: the cache entries' MAC (hex) under the engine's secret, false
** when there is no secret to be had; a constant-time comparison; and the
** check every shared object from disk passes before dlopen (NULL, or why
** not, naming `name`). */
bool wp_trust_mac(wasmplug_engine_t *e, const char *entry_key, const char *so_sha256, char hex[65]);
bool wp_trust_mac_equal(const char *a, const char *b);
/* Validation tickets (trust.c): this build's validator passed the module
** whose bytes have SHA-256 `digest`, finding `features`.  Read: true only
** for a ticket whose MAC verifies (never creates the secret or the cache
** directory when there is no ticket).  Write: best effort. */
bool wp_ticket_read(wasmplug_engine_t *e, const uint8_t digest[32], uint32_t *features);
/* A large module's baseline goes through the cache (compile.c, build.c). */
bool wp_baseline_cached(const wasmplug_module_t *m);
void wp_ticket_write(wasmplug_engine_t *e, const uint8_t digest[32], uint32_t features);
char *wp_trust_check_elf(const char *name, const uint8_t *so, size_t len);

/* The C compiler of the optimized tier ($WASMPLUG_CC, default "cc"). */
const char *wp_cc_command(void);
/* The flags the optimized tier compiles with (the own translator's too
** when `own`), space-separated, for the engine's tool_id (so for every
** cache key).  Caller frees; NULL when out of memory. */
char *wp_cc_flags_text(bool own);
/* The instruction-set flag the optimized tier's C is compiled with for
** this CPU ("-msse4.1" on x86-64 CPUs that have it: SSSE3's pshufb and
** SSE4.1's packs, blends and roundings make SIMD code several times
** faster), or NULL.  Part of the engine's tool_id, so of every cache key. */
const char *wp_cc_isa_flag(void);

/* Artifacts written by `wasmplug compile -o` (compile.c): recognise, verify
** and split one into wasm and native code, load its code, write one. */
bool wp_artifact_is(const uint8_t *b, size_t len);
char *wp_artifact_split(const char *name, const uint8_t *b, size_t len, const uint8_t **wasm,
                        size_t *wlen, const uint8_t **so, size_t *slen);
char *wp_artifact_load(wasmplug_module_t *m, const uint8_t *so, size_t slen, wp_code_t *out);
char *wp_artifact_write(wasmplug_module_t *m, const char *path);
/* The artifact's bytes (malloc'ed), from verified cached optimized code. */
char *wp_artifact_bytes(wasmplug_module_t *m, uint8_t **out, size_t *len);

/* The baseline compiler: dir/glue.c into runnable code.  own_c: the C is
** the own translator's, which includes no system header and calls only
** the C functions tcc_mem.c's table resolves (wasm2c's C needs libc).  libwasmplug.a uses
** libtcc in memory (tcc_mem.c); libwasmplug.so cannot contain libtcc.a (it is
** not position-independent), so it runs the tcc program instead
** (tcc_exec.c).  Returns NULL or an error message. */
char *wp_tcc_build(const char *name, const char *dir, char *const *files, bool own_c, void **state,
                   void **glue_entry);
/* The same for C handed over in memory (libtcc's tcc_compile_string: no
** file written, read back and removed), each text one translation unit;
** own translator's C only, and only where wp_tcc_in_process(). */
char *wp_tcc_build_texts(const char *name, char *const *texts, void **state, void **glue_entry);
void wp_tcc_release(void *state);
/* Where the baseline code of `state` is, for backtraces: the shared
** object it was loaded from (its load bias and a descriptor of the file:
** true), or, compiled in memory, the address of a global symbol
** (wp_tcc_symbol). */
bool wp_tcc_image(void *state, uintptr_t *bias, int *memfd);
void *wp_tcc_symbol(void *state, const char *name);

/* ---------------------------------------------------------- instances */

struct wasmplug_memory {
  wp_rt_memory_t *rt;
  wasmplug_instance_t *owner;
  uint8_t flags; /* WP_MEM_64, WP_MEM_SHARED: must match an import's */
};
struct wasmplug_table {
  wp_rt_table_t *rt;
  wasmplug_valkind_t elem;
  wasmplug_instance_t *owner;
  uint8_t flags; /* WP_MEM_64 */
};
struct wasmplug_global {
  void *ptr;
  wasmplug_valkind_t kind;
  bool mut;
  wasmplug_instance_t *owner;
};
struct wasmplug_func {
  wasmplug_instance_t *owner;
  const wp_glue_export_t *exp;
  const wp_functype_t *type;
  wasmplug_functype_t pubtype;
};

struct wasmplug_caller {
  wasmplug_instance_t *instance;
};

struct wasmplug_instance {
  const wasmplug_module_t *module;
  void *data;
  void *inst; /* the wasm2c instance struct */
  wp_import_slot_t *slots;
  /* What the compiled code holds for every import module (the glue's
  ** struct { void *self; wp_slot *slots; }).  `self` points at `env`
  ** itself: wasm2c 1.0.32 hands an imported function placed in a table
  ** the address of the instance field holding this pointer instead of the
  ** pointer, and the trampolines read the env through e->self, which is
  ** right in both cases. */
  struct {
    void *self;
    wp_import_slot_t *slots;
    const uint8_t *wasm; /* the module's bytes (data segments; own translator) */
    void **ftab; /* the instance's function table (own translator), NULL: the code's own */
  } env;
  struct wasmplug_caller caller;
  /* Export objects, one per glue export (index-aligned). */
  uint32_t nexports;
  void **exports; /* wasmplug_func_t*, _memory_t* ... by kind */
  bool instantiated;
  wp_rt_defined_t defined;     /* its own memories and tables */
  struct wp_snapshot *snapshot; /* wasmplug_instance_snapshot */
  bool imaged;                 /* a memory was mapped from a snapshot's image */
};

#endif
