/*
** rt.h — the component runtime (issue 5): instantiation and calls.  Internal
** to src/component/rt_*.c; the public face is the component section of
** include/wasmplug.h.
**
** Model.  Instantiating a component replays its definitions in order inside
** a *frame* (one per component instance, nested components get their own):
** each index space of the frame holds runtime values —
**   core func    rt_corefunc   (an export of a core instance, or a host
**                               function made by canon lower/resource.*)
**   core table/memory/global   the core engine's objects, borrowed
**   core module  wasmplug_module_t (compiled once per component)
**   core instance rt_coreinst  (an instantiated module, or a bag of exports)
**   func         rt_func       (host function, lifted core export, or a
**                               trap for an unknown import)
**   type         const wp_cabi_resource_t * for resource types, else NULL
**   component    rt_compval    (definition + the frame it closes over)
**   instance     rt_bag        (named items)
** Every allocation belongs to the store of the top-level instance and is
** freed with it; nothing is freed earlier, so pointers between frames never
** dangle.
*/
#ifndef WASMPLUG_COMPONENT_RT_H
#define WASMPLUG_COMPONENT_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cabi/cabi.h"
#include "component/component.h"
#include "wasmplug.h"
#include "wasmplug/plugin.h"

typedef struct rt_store rt_store;
typedef struct rt_frame rt_frame;
typedef struct rt_func rt_func;
typedef struct rt_bag rt_bag;

/* ------------------------------------------------------------ the store */

/* Owns everything one top-level component instance allocates. */
struct rt_store {
  wasmplug_engine_t *engine;
  struct wasmplug_component *component;
  struct wasmplug_component_linker *linker; /* top-level imports come from it */
  wp_cabi_types_t *types;        /* every converted type and guest resource type */
  struct rt_shared_types *shared; /* the component's resource-free types, or NULL */
  void **allocs;                 /* rt_alloc's chunks */
  size_t nallocs, capallocs;
  char *bump;                    /* the free end of the current chunk */
  size_t bump_left, bump_chunk;  /* its bytes left, its size */
  size_t bump_used;              /* bytes bumped out of chunks in all */
  size_t first_chunk;            /* the first chunk's size (0: RT_CHUNK_MIN) */
  wasmplug_instance_t **cores;   /* core instances, in creation order */
  size_t ncores, capcores;
  rt_frame **frames;             /* every frame, in creation order */
  size_t nframes, capframes;
  char err[1024];                /* the last error message */
  wasmplug_error_kind_t err_kind; /* its kind when not a link error (0) */
  /* A trap raised by core code that a canonical ABI callback (realloc,
  ** post-return, a destructor, a nested call) could only report as a cabi
  ** error: whoever turns that error into a trap takes this one instead, so
  ** the original kind and message survive. */
  wasmplug_trap_t *pending;
  bool dead;                     /* torn down: calls trap */
  wasmplug_store_limits_t limits; /* the linker's, when instantiated */
  /* async (rt/async.h) */
  wasmplug_trap_t *poison;       /* a trap that ended the store's async work */
  struct rt_thread **threads;    /* threads with a fiber, alive (for teardown) */
  size_t nthreads, capthreads;
  struct wasmplug_plugin_instance *natives; /* plugin instances (rt/native.c) */
  struct rt_ncall *ncalls;       /* native calls still pending */
  wp_cabi_arena_t *spare_arena;  /* a native call's arena, kept for the next */
};

/* A per-call arena for a native call (the store's spare one when it is
** free: a 64 KiB block malloc'ed and freed on every call costs more than
** the call), and back (reset, kept as the spare, or freed). */
wp_cabi_arena_t *rt_arena_take(rt_store *s, size_t budget);
void rt_arena_give(rt_store *s, wp_cabi_arena_t *a);

/* Zeroed memory owned by the store; NULL when out of memory. */
void *rt_alloc(rt_store *s, size_t size);
char *rt_strndup(rt_store *s, const char *p, size_t n);
/* Formats into s->err and returns -1 (so `return rt_fail(...)` reads well). */
int rt_fail(rt_store *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ------------------------------------------------------------ values */

/* The canonical options of a lift or lower, resolved to runtime objects. */
typedef struct rt_opts {
  wasmplug_memory_t *memory;     /* NULL when absent */
  struct rt_corefunc *realloc;   /* NULL when absent */
  struct rt_corefunc *post_return;
  wp_cabi_string_encoding_t encoding;
  bool is_async;                 /* the `async` option */
  struct rt_corefunc *callback;  /* NULL: none (stackful when async) */
} rt_opts;

typedef struct rt_corefunc {
  wasmplug_func_t *func;         /* an export of a core instance, or NULL: */
  wasmplug_func_callback_t cb;   /* a host function */
  void *env;
  void *direct;                  /* or NULL: cb as a direct host function
                                    (wasmplug_linker_define_func_direct) */
  wasmplug_functype_t type;      /* host function type (arrays in the store) */
} rt_corefunc;

typedef struct rt_item {
  uint8_t sort;                  /* wp_comp_sort */
  void *p;                       /* rt_func *, rt_bag *, rt_compval *, wasmplug_module_t *,
                                    const wp_cabi_resource_t * (TYPE) */
} rt_item;

struct rt_bag {
  uint32_t n, cap;
  char **names;
  uint32_t *lens;                /* strlen(names[i]): lookups test it first */
  rt_item *items;
  /* name hash index (open addressing, entries are item index + 1), built
  ** on lookup when the bag is big; stale when indexed != n */
  uint32_t *index;
  uint32_t index_cap, indexed;
};

typedef struct rt_coreitem {
  uint8_t kind;                  /* wp_comp_core_kind */
  void *p;                       /* rt_corefunc *, wasmplug_table_t *, ... */
} rt_coreitem;

typedef struct rt_coreinst {
  wasmplug_instance_t *inst;     /* instantiated, or NULL: a bag */
  uint32_t n;
  char **names;
  rt_coreitem *items;
} rt_coreinst;

typedef struct rt_compval {
  const wp_comp *def;
  rt_frame *parent;              /* the frame it was defined in */
} rt_compval;

enum { RT_FUNC_HOST, RT_FUNC_NATIVE, RT_FUNC_LIFTED, RT_FUNC_UNKNOWN };

typedef struct rt_host_def rt_host_def;

struct rt_func {
  int kind;
  const char *name;              /* for messages */
  const wp_cabi_func_t *type;    /* as the defining side sees it */
  bool is_async;                 /* an `async func`: may block before returning */
  /* UNKNOWN: returns its result type's default value instead of trapping */
  bool default_result;
  /* HOST and NATIVE */
  const rt_host_def *host;
  /* LIFTED */
  rt_frame *owner;
  rt_corefunc *core;
  rt_opts opts;
  wp_cabi_opts_t guest;         /* built once from owner + opts */
};

/* ------------------------------------------------------------ frames */

/* A pointer -> pointer hash map in store memory (open addressing). */
typedef struct rt_ptrmap {
  const void **keys, **vals;
  size_t n, cap; /* cap: 0 or a power of two */
} rt_ptrmap;

struct rt_frame {
  rt_store *store;
  const wp_comp *comp;
  rt_frame *parent;              /* lexical parent (outer aliases) */
  const char *path;              /* "" or "inner-name", for messages */
  void **space[WP_COMP_SORT_COUNT];
  uint32_t len[WP_COMP_SORT_COUNT];
  rt_bag *args;                  /* what the imports are taken from (while resolving them) */
  rt_bag exports;
  wp_cabi_handles_t *handles;    /* this component instance's table */
  bool busy;                     /* a lifted export of this instance is running
                                    (the reference's `not may_enter`) */
  /* async state of the component instance (CanonicalABI.md
  ** ComponentInstance; rt/async.h) */
  uint32_t no_leave;             /* >0: `not may_leave` (realloc, post-return running) */
  uint32_t backpressure;
  uint32_t num_waiting_to_enter;
  struct rt_thread *exclusive;   /* exclusive_thread */
  struct rt_thread **thread_tab; /* threads: the thread.index table (slot 0 unused) */
  uint32_t thread_len, thread_cap;
  rt_ptrmap res;                  /* resource type nodes bound in this frame */
  rt_ptrmap memo;                 /* wp_comp_type -> cabi type conversions */
};

/* rt/instance.c: the runtime objects a canon definition's options name. */
int rt_resolve_opts(rt_frame *f, const wp_comp_canon_opts *o, rt_opts *out);
/* rt/instance.c: instantiates `comp` inside `store`, taking its imports from
** `args` (names are the component's import names).  Errors (store->err) and
** traps (*trap) are values. */
int rt_instantiate(rt_store *store, const wp_comp *comp, rt_frame *parent, rt_bag *args,
                   rt_frame **out, wasmplug_trap_t **trap);
/* The compiled core module `idx` of component `def` (compiled at _new). */
wasmplug_module_t *rt_component_module(struct wasmplug_component *c, const wp_comp *def, uint32_t idx);
/* Item `name` of a bag, or NULL. */
const rt_item *rt_bag_get(rt_store *s, rt_bag *b, const char *name, size_t len);
int rt_bag_add(rt_store *s, rt_bag *b, const char *name, size_t len, uint8_t sort, void *p);

/* rt/api.c: validates a component's core modules as it is decoded, with
** the validation tickets of `engine` (a wasmplug_engine_t *) where its
** cache has them: wp_comp_load_with's hook for whoever has an engine. */
wasmplug_error_t *rt_validate_core(void *engine, const uint8_t *bytes, size_t len, const char *name,
                                   uint8_t digest[32], bool *digested);
/* rt/api.c: wasmplug_component_new in two steps, so that a program checks
** the decoded component's imports against its plugins before anything is
** compiled, without decoding it twice: decode (and validate), then
** compile.  `inplace`: `bytes` are the program's own copy, unchanged while
** the component lives, so its core modules are used in place with the
** digests their validation computed (core/load.h), not copied and
** hashed again.  A component decoded but not compiled is only deleted. */
wasmplug_error_t *rt_component_decode(wasmplug_engine_t *engine, const uint8_t *bytes, size_t len, const char *name,
                                      bool inplace, struct wasmplug_component **out);
wasmplug_error_t *rt_component_compile(struct wasmplug_component *c);
/* rt/api.c: the decoded component behind a wasmplug_component_t (for the
** CLI and the plugin loader, which walk its imports), and the WIT world of
** a decoded component named after `name` (a file name; malloc'ed). */
const wp_comp *rt_component_def(const struct wasmplug_component *c);
char *rt_world_wit(const wp_comp *c, const char *name);

/* rt/types.c: a component's cache of the canonical ABI types that do not
** depend on an instance (no own/borrow anywhere in them), shared by every
** instance of the component and by every thread (lookups take no lock);
** the component must outlive its instances, and so it does the cache. */
typedef struct rt_shared_types rt_shared_types;
rt_shared_types *rt_shared_types_new(void);
void rt_shared_types_delete(rt_shared_types *sh);

/* rt/types.c: the canonical ABI type of a component value/function type,
** seen from frame f (its resource bindings).  NULL with store->err set. */
const wp_cabi_type_t *rt_type(rt_frame *f, const wp_comp_type *t);
const wp_cabi_func_t *rt_functype(rt_frame *f, const wp_comp_type *t);
int rt_bind_resource(rt_frame *f, const wp_comp_type *node, const wp_cabi_resource_t *res);
const wp_cabi_resource_t *rt_lookup_resource(rt_frame *f, const wp_comp_type *node);
/* Core value kinds: binary encoding -> wasmplug_valkind_t. */
/* A core function type of the component's binary as the embedding API's
** (kinds allocated in the store); -1 (the store's error set) when out of memory. */
int rt_core_functype(rt_store *s, const wp_comp_core_functype *ct, wasmplug_functype_t *out);

/* rt/canon.c */
/* Makes the core host function of `canon lower` of F with options o in
** frame f; `ctype` is the core function type expected. */
int rt_canon_lower(rt_frame *f, rt_func *F, const wp_cabi_func_t *type, const rt_opts *o,
                   const wp_comp_core_functype *ctype, rt_corefunc **out);
/* canon resource.new/rep/drop on frame f's handle table. */
int rt_canon_resource(rt_frame *f, uint8_t op, const wp_cabi_resource_t *r,
                      const wp_comp_core_functype *ctype, rt_corefunc **out);
/* Fills F->guest from F->owner and F->opts. */
void rt_lifted_init(rt_func *F);
/* A guest view (memory, realloc, encoding, handle table) of frame f with
** options o; calls to realloc count as "may not leave". */
void rt_make_opts(rt_frame *f, const rt_opts *o, wp_cabi_opts_t *g);

/* One `canon lower`: the lowered function as the calling instance sees it. */
typedef struct rt_lower {
  rt_frame *f;                   /* the calling instance */
  rt_func *F;                    /* the callee */
  const wp_cabi_func_t *type;    /* the lowering side's view */
  wp_cabi_opts_t guest;         /* the calling instance, with the options */
  wasmplug_functype_t ctype;
  bool is_async;
  bool async_values;             /* its type has streams, futures or error contexts */
  rt_func *fuse_to;              /* non-NULL: called through the fused adapter */
  wp_cabi_fuse_t *fuse;
  bool fuse_raw;                 /* ... whose core values pass unchanged */
  bool fuse_alone;               /* ... into an instance with no parent that is not the
                                    caller's ancestor: entering it is its own busy flag */
  struct rt_caller *fuse_caller; /* the fused calls' caller (the same for every call) */
} rt_lower;
/* Whether the calling instance may call out now (not torn down, not in a
** realloc or post-return), and the trap when not (rt/canon.c). */
static inline bool rt_lower_may_call(const rt_lower *L) { return !L->f->store->dead && !L->f->no_leave; }
wasmplug_trap_t *rt_lower_refused(const rt_lower *L);
/* The direct host-function parameters and their value-array stores for
** N i32 params (rt/canon.c's lowerings, rt/fused.c's raw fused entries). */
#define LD_PARAMS0
#define LD_PARAMS1 , int32_t a0
#define LD_PARAMS2 LD_PARAMS1, int32_t a1
#define LD_PARAMS3 LD_PARAMS2, int32_t a2
#define LD_PARAMS4 LD_PARAMS3, int32_t a3
#define LD_SET0
#define LD_SET1 v[0].i64 = 0; v[0].i32 = a0;
#define LD_SET2 LD_SET1 v[1].i64 = 0; v[1].i32 = a1;
#define LD_SET3 LD_SET2 v[2].i64 = 0; v[2].i32 = a2;
#define LD_SET4 LD_SET3 v[3].i64 = 0; v[3].i32 = a3;
/* rt/fused.c: sets L->fuse_to when F (a lifted export, or a host function
** forwarding to one) can be called by L through a fused adapter. */
int rt_fuse_prepare(rt_lower *L, const rt_opts *o);
/* Whether the two sides' memories are distinct right now (a call that
** touches memory is fused only then: the copy reads the caller's memory
** while the callee's realloc runs). */
bool rt_fuse_distinct(rt_lower *L);
/* The call: the caller's flat params -> the callee's memory and back. */
wasmplug_trap_t *rt_fused_call(rt_lower *L, const wp_cabi_flat_t *flat, size_t nflat, wp_cabi_flat_t *out,
                               size_t *nout);
/* The call when L->fuse_raw: the caller's core values handed over in
** place (raw holds the params on entry, the results on return). */
wasmplug_trap_t *rt_fused_call_raw(rt_lower *L, wasmplug_val_raw_t *raw);
/* The direct entry (wasmplug_linker_define_func_direct) of a lowering
** with L->fuse_raw of core type t (up to 4 i32 params, none or one i32
** result: the caller checked), rt_lower_may_call's checks and
** rt_fused_call_raw in one function. */
void *rt_fused_direct(const wasmplug_functype_t *t);
/* rt/task.c: a host function's trap as the guest sees it ("host function
** `F`: why"); exits pass through.  Takes t. */
wasmplug_trap_t *rt_host_trap(const rt_func *F, wasmplug_trap_t *t);
/* rt/subtask.c: the core function of an async lower, with raw flat args. */
wasmplug_trap_t *rt_lower_async(rt_lower *L, wasmplug_val_raw_t *raw);
/* Calls a component function with a value tree.  *result is set only on
** success.  Returns NULL or a trap. */
wasmplug_trap_t *rt_func_call(rt_func *F, const wp_cabi_val_t *args, size_t nargs, wp_cabi_val_t *result);
/* The same, made by a guest instance (`from`: a synchronous canon lower of
** another instance's function) rather than by the host.  An async callee
** that blocks makes the calling thread wait. */
wasmplug_trap_t *rt_func_call_from(rt_func *F, rt_frame *from, const wp_cabi_val_t *args, size_t nargs,
                                   wp_cabi_val_t *result);
/* Calls a core function with flat values (types from its signature). */
wasmplug_trap_t *rt_core_call(rt_corefunc *cf, const wp_cabi_flat_t *params, size_t np, wp_cabi_flat_t *results,
                              size_t nr);
/* A trap from a cabi error (consumed). */
wasmplug_trap_t *rt_trap_from_cabi(wp_cabi_error_t *e, const char *where);
/* The same, preferring the store's parked core trap when there is one (the
** error is deleted then). */
wasmplug_trap_t *rt_take_trap(rt_store *s, wp_cabi_error_t *e, const char *where);

/* ------------------------------------------------------------ host side */

/* A host definition of the component linker. */
struct rt_host_def {
  char *name;                    /* "iface#func" or "func" / "iface#res" */
  bool is_resource;
  const wp_cabi_resource_t *resource;
  const wp_cabi_func_t *type;
  /* value-tree flavour */
  wasmplug_component_host_fn_t cb;
  /* composition: an export of another component instance */
  rt_func *ref;
  /* native flavour (the plugin ABI's function shape): native.fn set */
  wp_cabi_native_fn_t native;    /* native.who points at `who` */
  char *who;                     /* NULL: the import's name names it */
  wp_cabi_native_args_t native_args;
  void *env;
  void (*finalizer)(void *);
  /* value-tree flavour that forwards to another instance's lifted export
  ** (a wasm plugin's): a guest's sync lower calls `fuse` directly through
  ** a fused adapter when the type allows (rt/fused.c), and a trap there
  ** goes through fuse_trap(env, t) as cb would have made it */
  rt_func *fuse;
  wasmplug_trap_t *(*fuse_trap)(void *env, wasmplug_trap_t *t);
};

/* rt/linker.c: defines a native-flavour function; `fn->who` (copied; NULL:
** the guest's import name) names it in trap messages, `fn->func` is what
** host->call_func reports. */
/* The limits a linker gives the instances it makes. */
const wasmplug_store_limits_t *rt_linker_limits(const struct wasmplug_component_linker *l);
/* A value-tree host function (cb) that forwards to `target`, another
** instance's lifted export; fuse_trap wraps a trap of the fused call. */
wasmplug_error_t *rt_linker_define_forward(struct wasmplug_component_linker *l, const char *name,
                                           wasmplug_component_host_fn_t cb, void *env, void (*finalizer)(void *),
                                           wasmplug_component_func_t *target,
                                           wasmplug_trap_t *(*fuse_trap)(void *env, wasmplug_trap_t *t));
wasmplug_error_t *rt_linker_define_native(struct wasmplug_component_linker *l, const char *name,
                                          const wp_cabi_func_t *type, const wp_cabi_native_fn_t *fn,
                                          void (*finalizer)(void *));

/* ------------------------------------------------------------ plugin ABI 1.3 (rt/native.c) */

/* The services of include/wasmplug/plugin.h's 1.3 host table (see
** wp_native_async_ops_t in cabi.h): every async native call the runtime
** makes carries them. */
extern const wp_native_async_ops_t rt_native_ops;

/* The call handle a native-flavour function receives is the canonical ABI
** layer's `struct wasmplug_plugin_call` (src/cabi/cabi.h), the one the
** plugin loader's host API table (alloc, trap, call_state) reads. */

#endif
