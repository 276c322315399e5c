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
/* printf into a new heap string (NULL only when out of memory). */
char *wp_vformat(const char *fmt, va_list ap);
char *wp_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---------------------------------------------------------------- decoder */

typedef struct wp_functype {
  uint32_t nparams, nresults;
  wasmplug_valkind_t *params; /* nparams then nresults, one allocation */
  wasmplug_valkind_t *results;
} wp_functype_t;

typedef struct wp_import {
  char *module, *name;
  wasmplug_externkind_t kind;
  uint32_t type_index;   /* functions */
  wasmplug_limits_t limits;
  wasmplug_valkind_t elem; /* tables, and the global's type */
  bool mut;
} wp_import_t;

typedef struct wp_export {
  char *name;
  wasmplug_externkind_t kind;
  uint32_t index;
} wp_export_t;

typedef struct wp_global_def {
  wasmplug_valkind_t type;
  bool mut;
} wp_global_def_t;

/* The metadata of a core module: what linking and code generation need. */
typedef struct wp_modinfo {
  uint32_t ntypes;
  wp_functype_t *types;
  uint32_t nimports;
  wp_import_t *imports;
  uint32_t nfuncs; /* defined functions */
  uint32_t *func_types;
  uint32_t nimported_funcs, nimported_tables, nimported_mems, nimported_globals;
  uint32_t ntables;
  wasmplug_limits_t *tables;
  wasmplug_valkind_t *table_elems;
  uint32_t nmems;
  wasmplug_limits_t *mems;
  uint32_t nglobals;
  wp_global_def_t *globals;
  uint32_t nexports;
  wp_export_t *exports;
  bool has_start;
  uint32_t start;
} wp_modinfo_t;

/* Decodes the module's sections.  On failure returns a message
** "NAME: invalid module at offset 0xOFF: what" (caller frees). */
char *wp_modinfo_decode(const uint8_t *bytes, size_t len, const char *name,
                        wp_modinfo_t *out);
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

/* The host side of the wasm-rt contract (rt.c). */
const wp_rt_api_t *wp_rt_api(void);
/* Sets up the process-wide pieces once (signal handlers, type registry). */
void wp_rt_global_init(void);

/* Per-call guard: run fn(arg) on guest code with traps caught.  Returns NULL
** or the trap.  Nests. */
wasmplug_trap_t *wp_rt_call_guarded(void (*fn)(void *arg), void *arg,
                                    uint64_t timeout_ms);
/* The per-thread trap state that belongs to a stack (fiber.c): the
** innermost guarded call, whether host code runs, the stack's bounds (a
** fault near its low end is a stack overflow).  wp_rt_ctx_swap saves the
** thread's current state into *save and installs *load. */
typedef struct wp_rt_ctx {
  void *top;
  int in_host;
  uintptr_t stack_lo, stack_hi;
  bool in_fiber;
} wp_rt_ctx_t;
void wp_rt_ctx_swap(wp_rt_ctx_t *save, const wp_rt_ctx_t *load);
/* True once the watchdog fired on this thread (cleared by the next
** outermost guarded call). */
bool wp_rt_interrupted(void);
/* The limits memories and tables made on this thread are held to (while
** an instantiation runs; see rt.c).  Push returns the previous ones, to
** pop back (instantiations nest: a start function may instantiate). */
const wasmplug_store_limits_t *wp_rt_limits_push(const wasmplug_store_limits_t *limits);
void wp_rt_limits_pop(const wasmplug_store_limits_t *previous);
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
} wp_hostfunc_t;

/* ---------------------------------------------------------------- engine */

struct wasmplug_config {
  wasmplug_tier_t tier;
  char *cache_dir;
  uint64_t timeout_ms;
  wasmplug_store_limits_t limits;
  bool allow_precompiled;
  wasmplug_progress_t progress;
  void *progress_data;
};

struct wasmplug_engine {
  wasmplug_config_t config;
  char *cache_dir; /* resolved */
  struct {         /* the cache's MAC secret (trust.c), fetched once */
    pthread_mutex_t lock;
    bool have_key, sealed; /* sealed: from the kernel keyring */
    uint8_t key[32];
  } trust;
  char *tool_id;   /* wasm2c and cc versions, part of cache keys */
};

/* Compiled code of one module: a libtcc state or a dlopen handle. */
typedef struct wp_code {
  wasmplug_tier_t tier;
  void *tcc;    /* TCCState*, baseline */
  void *dl;     /* dlopen handle, optimized */
  int memfd;    /* the verified image dl was loaded from (kept open: glibc
                ** identifies objects by path, so /proc/self/fd/N must not be
                ** reused while loaded) */
  const wp_glue_t *glue;
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
};

/* codegen.c: runs wasm2c into dir/module.c and writes dir/glue.c.
** Returns NULL or an error message (caller frees). */
char *wp_codegen(const wasmplug_module_t *m, const char *dir);
/* compile.c */
char *wp_compile_baseline(wasmplug_module_t *m, wp_code_t *out);
char *wp_compile_optimized(wasmplug_module_t *m, bool may_build,
                           wp_code_t *out);
void wp_code_free(wp_code_t *code);
/* Loads a shared object image (already verified) through a memfd. */
void *wp_dlopen_bytes(const uint8_t *data, size_t len, int *memfd);
bool wp_read_all(const char *path, uint8_t **data, size_t *len);
/* mkdir -p (mode 0700); NULL or an error message naming the directory. */
char *wp_mkdir_p(const char *dir);

/* trust.c: the cache entries' MAC (hex) under the engine's secret, false
** when there is no secret to be had; a constant-time comparison; and the
** check every shared object from disk passes before dlopen (NULL, or why
** not, naming `name`). */
bool wp_trust_mac(wasmplug_engine_t *e, const char *entry_key, const char *so_sha256, char hex[65]);
bool wp_trust_mac_equal(const char *a, const char *b);
char *wp_trust_check_elf(const char *name, const uint8_t *so, size_t len);

/* The C compiler of the optimized tier ($WASMPLUG_CC, default "cc"). */
const char *wp_cc_command(void);

/* Artifacts written by `wasmplug compile -o` (compile.c): recognise, verify
** and split one into wasm and native code, load its code, write one. */
bool wp_artifact_is(const uint8_t *b, size_t len);
char *wp_artifact_split(const char *name, const uint8_t *b, size_t len, const uint8_t **wasm,
                        size_t *wlen, const uint8_t **so, size_t *slen);
char *wp_artifact_load(wasmplug_module_t *m, const uint8_t *so, size_t slen, wp_code_t *out);
char *wp_artifact_write(wasmplug_module_t *m, const char *path);

/* The baseline compiler: dir/glue.c into runnable code.  libwasmplug.a uses
** libtcc in memory (tcc_mem.c); libwasmplug.so cannot contain libtcc.a (it is
** not position-independent), so it runs the tcc program instead
** (tcc_exec.c).  Returns NULL or an error message. */
char *wp_tcc_build(const char *name, const char *dir, void **state, void **glue_entry);
void wp_tcc_release(void *state);

/* ---------------------------------------------------------- instances */

struct wasmplug_memory {
  wp_rt_memory_t *rt;
  wasmplug_instance_t *owner;
};
struct wasmplug_table {
  wp_rt_table_t *rt;
  wasmplug_valkind_t elem;
  wasmplug_instance_t *owner;
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
  } env;
  struct wasmplug_caller caller;
  uint64_t timeout_ms;
  /* Export objects, one per glue export (index-aligned). */
  uint32_t nexports;
  void **exports; /* wasmplug_func_t*, _memory_t* ... by kind */
  bool instantiated;
};

#endif
