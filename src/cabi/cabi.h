/*
 * cabi.h -- the canonical ABI layer of wasmplug (the layer's one public header).
 *
 * The canonical ABI (Component Model, CanonicalABI.md) is the contract between
 * a guest's linear memory plus its flat core values and everything outside
 * the guest.  The guest is hostile: every lift validates bounds, alignment,
 * UTF-8/UTF-16, chars, discriminants and handles, copies the bytes out of
 * guest memory before anything reads them, and reports a precise one-line
 * trap message.  Nothing here reads or writes outside [base, base+size).
 *
 * Pieces, in the order a user meets them:
 *   1. Errors           wp_cabi_error_t: traps and host errors as values.
 *   2. Types            wp_cabi_types_t builds immutable type descriptors
 *                       (primitives, list, record, tuple, variant, enum,
 *                       option, result, flags, own, borrow) and computes, at
 *                       construction, the guest layout (wasm32), the native C
 *                       layout (LP64) and the flattening.
 *   3. Functions        wp_cabi_func_t: params/result, flat core signatures
 *                       (MAX_FLAT_PARAMS 16, MAX_FLAT_RESULTS 1, retptr).
 *   4. Guest + call     wp_cabi_opts_t (memory view, realloc, post-return,
 *                       string encoding, handle table) and wp_cabi_cx_t (the
 *                       per-call context: arena, budget, borrow scope).
 *   5. Value tree       wp_cabi_val_t: lift/lower to an owned dynamic tree.
 *   6. Native layout    lift guest -> C structs in a per-call arena, lower C
 *                       structs -> guest via cabi_realloc, no value tree.
 *   7. Resources        wp_cabi_handles_t: per-instance handle tables.
 *   8. WAVE             text encoding of values (parse + print).
 *
 * Ownership: every _new has a _delete; a type descriptor lives as long as
 * the wp_cabi_types_t that made it; a wp_cabi_val_t owns its children
 * (wp_cabi_val_drop frees them); native-layout results live in the arena
 * until wp_cabi_arena_reset/_delete.  There is no global mutable state.
 */
#ifndef WASMPLUG_CABI_H
#define WASMPLUG_CABI_H

#include "wasmplug.h" /* traps (wp_cabi_native_run) */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h> /* the inline call head (wp_cabi_native_call_head) */

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* 1. Errors                                                           */
/* ------------------------------------------------------------------ */

typedef enum wp_cabi_error_kind {
  WP_CABI_TRAP = 1,   /* the guest broke the ABI contract: trap the instance */
  WP_CABI_LIMIT = 2,  /* a host limit (allocation budget) was hit */
  WP_CABI_INVALID = 3, /* the host misused the API (bad type, bad value, parse error) */
  WP_CABI_EXIT = 4     /* not a failure: a host function asks the guest to exit */
} wp_cabi_error_kind_t;

typedef struct wp_cabi_error wp_cabi_error_t;

/* Makes an error; the message is printf-formatted and truncated at 512 bytes.
 * Returns NULL only if malloc fails (callers treat NULL as success, so a
 * static out-of-memory error object is never needed: see wp_cabi_error_oom). */
wp_cabi_error_t *wp_cabi_error_new(wp_cabi_error_kind_t kind, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
const char *wp_cabi_error_message(const wp_cabi_error_t *e);
wp_cabi_error_kind_t wp_cabi_error_kind(const wp_cabi_error_t *e);
/* A WP_CABI_EXIT error carrying the guest's exit status, and its status
 * (true only for such an error). */
wp_cabi_error_t *wp_cabi_error_exit(int status);
bool wp_cabi_error_exit_status(const wp_cabi_error_t *e, int *status);
void wp_cabi_error_delete(wp_cabi_error_t *e);

/* ------------------------------------------------------------------ */
/* 2. Types                                                            */
/* ------------------------------------------------------------------ */

/* The kinds are the public enumeration (wasmplug_ckind_t, wasmplug.h), the
 * one list of value type kinds; WP_CABI_<KIND> is this layer's spelling of
 * WASMPLUG_C_<KIND>. */
typedef wasmplug_ckind_t wp_cabi_kind_t;
#define WP_CABI_BOOL WASMPLUG_C_BOOL
#define WP_CABI_S8 WASMPLUG_C_S8
#define WP_CABI_U8 WASMPLUG_C_U8
#define WP_CABI_S16 WASMPLUG_C_S16
#define WP_CABI_U16 WASMPLUG_C_U16
#define WP_CABI_S32 WASMPLUG_C_S32
#define WP_CABI_U32 WASMPLUG_C_U32
#define WP_CABI_S64 WASMPLUG_C_S64
#define WP_CABI_U64 WASMPLUG_C_U64
#define WP_CABI_F32 WASMPLUG_C_F32
#define WP_CABI_F64 WASMPLUG_C_F64
#define WP_CABI_CHAR WASMPLUG_C_CHAR
#define WP_CABI_STRING WASMPLUG_C_STRING
#define WP_CABI_LIST WASMPLUG_C_LIST
#define WP_CABI_RECORD WASMPLUG_C_RECORD
#define WP_CABI_TUPLE WASMPLUG_C_TUPLE
#define WP_CABI_VARIANT WASMPLUG_C_VARIANT
#define WP_CABI_ENUM WASMPLUG_C_ENUM
#define WP_CABI_OPTION WASMPLUG_C_OPTION
#define WP_CABI_RESULT WASMPLUG_C_RESULT
#define WP_CABI_FLAGS WASMPLUG_C_FLAGS
#define WP_CABI_OWN WASMPLUG_C_OWN
#define WP_CABI_BORROW WASMPLUG_C_BORROW
#define WP_CABI_STREAM WASMPLUG_C_STREAM
#define WP_CABI_FUTURE WASMPLUG_C_FUTURE
#define WP_CABI_ERROR_CONTEXT WASMPLUG_C_ERROR_CONTEXT
#define WP_CABI_FIXED_LIST WASMPLUG_C_FIXED_LIST

/* Core value types of the flattening (wp_cabi_core_t) and the layout and
 * flattening rules: cabi/layout.h. */
#include "cabi/layout.h"

/* One flat core value (as passed to / returned from a core wasm function). */
typedef union wp_cabi_flat {
  uint32_t i32;
  uint64_t i64;
  float f32;
  double f64;
} wp_cabi_flat_t;

typedef struct wasmplug_ctypes wp_cabi_types_t;
typedef struct wasmplug_cresource wp_cabi_resource_t;
typedef struct wp_cabi_handles wp_cabi_handles_t;

/* Limits of a descriptor (the Component Model's own limits). */
#define WP_CABI_MAX_FLAGS 32
#define WP_CABI_MAX_FLAT_PARAMS 16
#define WP_CABI_MAX_FLAT_RESULTS 1

/* A layout: size and alignment in bytes, for one side. */
typedef struct wp_cabi_layout {
  uint32_t size;
  uint32_t align;
} wp_cabi_layout_t;

/* A field of a record/tuple or a case of a variant (payload may be NULL). */
typedef struct wp_cabi_field {
  const char *name;              /* owned by the types arena; tuples: "0","1".. */
  const struct wasmplug_ctype *type; /* NULL for a case without payload */
  uint32_t guest_offset;         /* record/tuple: byte offset in guest layout */
  uint32_t native_offset;        /* record/tuple: byte offset in native layout */
} wp_cabi_field_t;

/* A type descriptor: immutable once built, read freely by later layers. */
typedef struct wasmplug_ctype {
  wp_cabi_kind_t kind;
  wp_cabi_layout_t guest;   /* wasm32 canonical ABI layout */
  wp_cabi_layout_t native;  /* native C layout (see "Native layout" below) */
  /* list: element; option: payload; result: ok (may be NULL) */
  const struct wasmplug_ctype *elem;
  /* result: err (may be NULL) */
  const struct wasmplug_ctype *err;
  /* record/tuple: fields; variant: cases; enum/flags: labels (type NULL) */
  const wp_cabi_field_t *fields;
  uint32_t nfields;
  /* variant/enum/option/result: discriminant byte size (1, 2 or 4) */
  uint32_t disc_size;
  /* variant/option/result: payload offset in each layout */
  uint32_t guest_payload_offset, native_payload_offset;
  /* own/borrow: the resource type */
  const wp_cabi_resource_t *resource;
  /* Flattening: nflat core values (capped: if > 16 only the first 17 are
   * stored, which is all any caller can use). */
  uint32_t nflat;
  wp_cabi_core_t flat[WP_CABI_FLAT_CAP];
  /* True when guest and native layouts are byte-identical and every bit
   * pattern is valid (integers and records/tuples of them): copies are memcpy. */
  bool plain;
  /* True when the type contains a string, list, own or borrow. */
  bool has_pointers;
  bool has_borrow;
  /* Nesting depth (a primitive is 1); builders refuse more than
   * WP_CABI_MAX_DEPTH so recursive lift/lower stay within the C stack. */
  uint32_t depth;
  /* fixed list: the number of elements */
  uint32_t length;
  /* list: true for map<K, V>, which is list<tuple<K, V>> in every layout
   * and value (CanonicalABI.md despecialize); only printing differs */
  bool map;
  /* The types arena that built it (NULL for a descriptor made by hand), and
   * -- for a record, tuple or fixed list that is not plain -- its compiled
   * plan for the native layout (native.c: flat steps with precomputed
   * offsets), built on first use and read atomically; NULL until then. */
  wp_cabi_types_t *owner;
  void *plan;
} wp_cabi_type_t;

#define WP_CABI_MAX_DEPTH 100

/* A types arena: every descriptor and resource type built through it is
 * freed by wp_cabi_types_delete.  Builders return NULL on error (empty
 * record/variant/flags, more than 32 flags, duplicate or invalid label, NULL
 * child, out of memory); wp_cabi_types_error then says why.  Labels are
 * copied. */
wp_cabi_types_t *wp_cabi_types_new(void);
void wp_cabi_types_delete(wp_cabi_types_t *t);
const char *wp_cabi_types_error(const wp_cabi_types_t *t);
/* Memory that lives (zeroed, max-aligned) as long as the types. */
void *wp_cabi_types_alloc(wp_cabi_types_t *t, size_t n);

const wp_cabi_type_t *wp_cabi_type_prim(wp_cabi_types_t *t, wp_cabi_kind_t kind); /* bool..string */
const wp_cabi_type_t *wp_cabi_type_list(wp_cabi_types_t *t, const wp_cabi_type_t *elem);
/* list<T, N>, N >= 1, at most 2^28 bytes in the guest. */
const wp_cabi_type_t *wp_cabi_type_fixed_list(wp_cabi_types_t *t, const wp_cabi_type_t *elem, uint32_t length);
/* map<K, V>: a list of tuple<K, V> pairs; K is a primitive other than a
 * float (or a string). */
const wp_cabi_type_t *wp_cabi_type_map(wp_cabi_types_t *t, const wp_cabi_type_t *key, const wp_cabi_type_t *value);
const wp_cabi_type_t *wp_cabi_type_record(wp_cabi_types_t *t, size_t n, const char *const *names,
                                          const wp_cabi_type_t *const *types);
const wp_cabi_type_t *wp_cabi_type_tuple(wp_cabi_types_t *t, size_t n, const wp_cabi_type_t *const *types);
/* Cases with no payload have types[i] == NULL (types itself may be NULL). */
const wp_cabi_type_t *wp_cabi_type_variant(wp_cabi_types_t *t, size_t n, const char *const *names,
                                           const wp_cabi_type_t *const *types);
const wp_cabi_type_t *wp_cabi_type_enum(wp_cabi_types_t *t, size_t n, const char *const *names);
const wp_cabi_type_t *wp_cabi_type_option(wp_cabi_types_t *t, const wp_cabi_type_t *some);
const wp_cabi_type_t *wp_cabi_type_result(wp_cabi_types_t *t, const wp_cabi_type_t *ok,
                                          const wp_cabi_type_t *err); /* either may be NULL */
const wp_cabi_type_t *wp_cabi_type_flags(wp_cabi_types_t *t, size_t n, const char *const *names);
const wp_cabi_type_t *wp_cabi_type_own(wp_cabi_types_t *t, const wp_cabi_resource_t *r);
const wp_cabi_type_t *wp_cabi_type_borrow(wp_cabi_types_t *t, const wp_cabi_resource_t *r);
/* stream<T>, future<T> (elem may be NULL: `stream`, `future`) and
 * error-context; all three are i32 handles in the guest. */
const wp_cabi_type_t *wp_cabi_type_stream(wp_cabi_types_t *t, const wp_cabi_type_t *elem);
const wp_cabi_type_t *wp_cabi_type_future(wp_cabi_types_t *t, const wp_cabi_type_t *elem);
const wp_cabi_type_t *wp_cabi_type_error_context(wp_cabi_types_t *t);
/* Structural type equality (resources by identity), NULL equal to NULL:
 * what "the same type" means across instances (stream element types). */
bool wp_cabi_type_equal(const wp_cabi_type_t *a, const wp_cabi_type_t *b);
/* The same with resources compared by name: types of one WIT seen from two
 * sides (a guest's import and the plugin providing it) whose resource
 * types are distinct objects. */
bool wp_cabi_type_equal_named(const wp_cabi_type_t *a, const wp_cabi_type_t *b);

/* A resource type.  `impl` identifies the implementing instance: its handle
 * table, or NULL for a host-implemented resource.  The destructor (may be
 * NULL) runs when an own handle is dropped. */
typedef wp_cabi_error_t *(*wp_cabi_dtor_fn)(void *ctx, uint32_t rep);
const wp_cabi_resource_t *wp_cabi_resource_type(wp_cabi_types_t *t, const char *name,
                                                const wp_cabi_handles_t *impl,
                                                wp_cabi_dtor_fn dtor, void *dtor_ctx);
const char *wp_cabi_resource_name(const wp_cabi_resource_t *r);

/* Variant-like types (variant, enum, option, result) all have cases:
 * option = [none, some(T)], result = [ok(T?), error(E?)].  Returns the
 * number of cases and the payload type of case i (NULL if none). */
uint32_t wp_cabi_type_ncases(const wp_cabi_type_t *ty);
const wp_cabi_type_t *wp_cabi_type_case(const wp_cabi_type_t *ty, uint32_t i);
const char *wp_cabi_type_case_name(const wp_cabi_type_t *ty, uint32_t i);

/* Writes the WIT spelling of a type ("list<record{a: u8}>"-ish; records,
 * variants, enums and flags are spelled structurally).  Returns the length
 * that the full text needs (snprintf semantics). */
size_t wp_cabi_type_print(const wp_cabi_type_t *ty, char *buf, size_t cap);

/*
 * Native layout (what native plugins see; matches wit-bindgen's C generator
 * on LP64 targets; natural C alignment, structs padded to their alignment):
 *   bool                 bool (1 byte, always 0 or 1)
 *   s8..u64              int8_t..uint64_t
 *   f32, f64             float, double
 *   char                 uint32_t (Unicode scalar value)
 *   string               struct { uint8_t *ptr; size_t len; }   UTF-8, len in
 *                        bytes; lifted strings also have a NUL after len.
 *   list<T>              struct { T *ptr; size_t len; }          len in elements
 *   list<T, N>           T[N], inline (an array member of the parent)
 *   map<K, V>            list<tuple<K, V>>: struct { struct { K k; V v; } *ptr; size_t len; }
 *   record, tuple        struct { fields in order }  (tuple fields f0, f1..)
 *   variant              struct { uintN_t tag; union { payloads } val; }
 *                        N = 8/16/32 for <=256 / <=65536 / more cases;
 *                        cases without payload have no union member; no
 *                        union at all if no case has a payload.
 *   enum                 uint8_t / uint16_t / uint32_t (smallest fitting)
 *   option<T>            struct { bool is_some; T val; }
 *   result<T, E>         struct { bool is_err; union { T ok; E err; } val; }
 *                        (absent sides omitted; no union if both absent)
 *   flags                uint8_t / uint16_t / uint32_t (1..8/9..16/17..32 labels)
 *   own<R>, borrow<R>    int32_t handle in a struct { int32_t __handle; }:
 *                        in this layer it carries the resource's rep (the
 *                        host-side value) for own and borrow alike.
 *   stream<T>, future<T>,
 *   error-context        uint32_t: a handle in the host side's own table
 *                        (cx->native_handles; section 9).
 * Lifting zeroes the padding of non-plain structs and unused payload bytes.  Lowering checks what a
 * buggy plugin could get wrong cheaply (tags in range, bool tags 0/1, chars
 * in range, NULL with non-zero length) and returns WP_CABI_INVALID.  A
 * wasm32 guest and the native side agree byte-for-byte on "plain" types
 * (ty->plain), which are copied with memcpy.
 *
 * Guest layout (CanonicalABI.md, wasm32): the same rules with 4-byte
 * pointers and lengths ({i32 ptr, i32 len}, align 4); option/result are
 * despecialised to variants (u8 discriminant), tuples to records, enums to
 * payload-less variants; flags are 1/2/4 bytes.
 * Sizes/offsets: ty->native, fields[i].native_offset, native_payload_offset.
 */

/* ------------------------------------------------------------------ */
/* 3. Functions and flat signatures                                    */
/* ------------------------------------------------------------------ */

/* the public function type (wasmplug.h) */
typedef wasmplug_cfunctype_t wp_cabi_func_t;

/* Same parameters and result (wp_cabi_type_equal; resources by name when
 * asked, as wp_cabi_type_equal_named). */
bool wp_cabi_func_equal(const wp_cabi_func_t *a, const wp_cabi_func_t *b, bool resources_by_name);

typedef enum wp_cabi_context {
  WP_CABI_LIFT = 0,  /* the core function is a guest export called from outside */
  WP_CABI_LOWER = 1  /* the core function is a guest import provided from outside */
} wp_cabi_context_t;

typedef struct wp_cabi_core_sig {
  uint32_t nparams, nresults;
  wp_cabi_core_t params[WP_CABI_MAX_FLAT_PARAMS + 1];
  wp_cabi_core_t results[WP_CABI_MAX_FLAT_RESULTS];
  bool params_indirect;  /* params spilled to memory: one i32 pointer */
  bool results_indirect; /* lift: result is an i32 pointer; lower: retptr param */
} wp_cabi_core_sig_t;

void wp_cabi_func_flatten(const wp_cabi_func_t *f, wp_cabi_context_t ctx, wp_cabi_core_sig_t *out);

/* ------------------------------------------------------------------ */
/* 4. Guest, arena and call context                                    */
/* ------------------------------------------------------------------ */

typedef struct wp_cabi_memory {
  uint8_t *base;
  uint64_t size;
} wp_cabi_memory_t;

typedef enum wp_cabi_string_encoding {
  WP_CABI_UTF8 = 0, WP_CABI_UTF16 = 1, WP_CABI_LATIN1_UTF16 = 2
} wp_cabi_string_encoding_t;

/* Re-reads the guest's memory view (it moves when memory grows). */
typedef void (*wp_cabi_memory_fn)(void *ctx, wp_cabi_memory_t *out);
/* The guest's cabi_realloc.  Returning an error traps; out_ptr is checked
 * (alignment and bounds) by the caller, never trusted. */
typedef wp_cabi_error_t *(*wp_cabi_realloc_fn)(void *ctx, uint32_t old_ptr, uint32_t old_size,
                                               uint32_t align, uint32_t new_size, uint32_t *out_ptr);
/* The export's post-return function, given the export's flat results. */
typedef wp_cabi_error_t *(*wp_cabi_post_return_fn)(void *ctx, const wp_cabi_flat_t *results,
                                                   size_t nresults);

/* The canonical options of a lifted or lowered function (memory, realloc,
 * post-return, string encoding) plus the instance's handle table.  Usually
 * one per instance, with post_return set per export. */
typedef struct wp_cabi_opts {
  void *ctx;                          /* passed to every callback */
  wp_cabi_memory_fn memory;           /* required */
  wp_cabi_realloc_fn realloc;         /* required to lower strings/lists */
  wp_cabi_post_return_fn post_return; /* optional */
  wp_cabi_string_encoding_t encoding;
  wp_cabi_handles_t *handles;         /* required for own/borrow */
  /* The host allocation budget of one call without an arena (value trees
   * lifted out of the guest); 0: WP_CABI_DEFAULT_BUDGET.  The runtime sets
   * the instance's limit (wasmplug_store_limits_t.host_memory_bytes). */
  size_t budget;
} wp_cabi_opts_t;

/* A per-call arena for native-layout values, and the host allocation
 * budget.  Every host allocation a guest can cause (arena blocks, value
 * tree nodes and strings, transcoding buffers) is charged to the arena; past
 * the budget the call fails with WP_CABI_LIMIT. */
typedef struct wp_cabi_arena wp_cabi_arena_t;
#define WP_CABI_DEFAULT_BUDGET ((size_t)128 << 20)
wp_cabi_arena_t *wp_cabi_arena_new(size_t budget); /* 0: WP_CABI_DEFAULT_BUDGET */
void wp_cabi_arena_delete(wp_cabi_arena_t *a);
static inline void wp_cabi_arena_reset(wp_cabi_arena_t *a); /* frees all, budget back to full */
void wp_cabi_arena_budget_set(wp_cabi_arena_t *a, uint64_t budget); /* 0: the default */
/* Bytes charged since the last reset: inline, it is asked after every call
** (the struct's members are arena.c's alone to change). */
struct wp_cabi_arena {
  struct wp_cabi_block *head; /* current block (newest) */
  size_t budget;
  size_t charged; /* bytes charged against the budget */
};
/* A block's header (its data follows, 16-byte aligned).  `cap` is where
** the budget or the block ends for the newest block (the head), whichever
** comes first: min(size, used + budget - charged).  Within a block every
** allocation adds the same bytes to `used` and to the arena's `charged`,
** so the head's cap stays put between allocations and one compare checks
** both the room and the budget; arena.c sets it again wherever the budget,
** the charge or the head changes any other way. */
struct wp_cabi_block {
  struct wp_cabi_block *next;
  size_t size, used;
  size_t cap;
};
static inline size_t wp_cabi_arena_used(const wp_cabi_arena_t *a) { return a ? a->charged : 0; }
/* wp_cabi_arena_reset: inline when the arena has one block (the warm
** state of a call loop) or none yet (nothing was ever allocated: a
** caller whose calls allocate nothing resets it after each all the same);
** the out-of-line part frees the others. */
void wp_cabi_arena_reset_blocks(wp_cabi_arena_t *a);
static inline void wp_cabi_arena_reset(wp_cabi_arena_t *a) {
  if (a && (!a->head || !a->head->next)) {
    struct wp_cabi_block *b = a->head;
    if (b) {
      b->used = 0;
      b->cap = b->size < a->budget ? b->size : a->budget;
    }
    a->charged = 0;
    return;
  }
  wp_cabi_arena_reset_blocks(a);
}
/* Allocates from the arena (NULL when over budget or out of memory).
** Inline: a call's args, results and strings are a few of these each;
** the out-of-line part makes new blocks, and says NULL when the budget
** is what stopped the inline part. */
void *wp_cabi_arena_alloc_block(wp_cabi_arena_t *a, size_t size, size_t align);
static inline void *wp_cabi_arena_alloc(wp_cabi_arena_t *a, size_t size, size_t align) {
  struct wp_cabi_block *b = a->head;
  if (align < 1) align = 1;
  if (__builtin_expect(b != NULL && align <= 16, 1)) {
    /* a block's data is 16-byte aligned: aligning the offset aligns the address */
    size_t used = b->used, off = (used + align - 1) & ~(size_t)(align - 1), end;
    if (__builtin_expect(!__builtin_add_overflow(off, size, &end) && end <= b->cap, 1)) {
      a->charged += end - used;
      b->used = end;
      return (void *)((uintptr_t)(b + 1) + off);
    }
  }
  return wp_cabi_arena_alloc_block(a, size, align);
}

/* Per-call context.  Initialise with wp_cabi_cx_init, end with
 * wp_cabi_cx_finish (always: it frees the lend list), which releases
 * borrow lends and traps if a borrow handle lent to the guest by this call
 * was not dropped.  The arena may be NULL when only value trees are lifted;
 * the budget is then the guest's (`budget`), counted in the cx itself.
 * A cx lives on the caller's stack; it is not shared between threads. */
typedef struct wp_cabi_cx {
  const wp_cabi_opts_t *guest;
  wp_cabi_arena_t *arena;
  wp_cabi_memory_t mem;     /* current view; refreshed after each realloc */
  uint32_t num_borrows;     /* borrow handles lent to the guest, not yet dropped */
  uint32_t nlends, caplends;
  uint32_t *lends;          /* guest handles lent to the host for this call */
  size_t charged;           /* host bytes charged when there is no arena */
  size_t budget;            /* ... against this (the guest's, or the default) */
  /* The native side's handle table: where stream/future ends and error
   * contexts lifted to the native layout are put (and lowered ones taken
   * from).  NULL: such values cannot cross to the native layout. */
  wp_cabi_handles_t *native_handles;
  /* Tests only: lift and lower by walking the type tree, never through a
   * record's compiled plan (the reference the plans are held to). */
  bool interpret;
} wp_cabi_cx_t;

/* wp_cabi_cx_init for a caller that has the guest's memory view at hand
** (what guest->memory would give; base NULL: no memory): the plugin
** loader's calls read it directly instead of through the callback.
** Inline (every call makes one or two; gcc made the memset that used to
** start it a `rep stos`): each member set. */
static inline void wp_cabi_cx_init_view(wp_cabi_cx_t *cx, const wp_cabi_opts_t *guest, wp_cabi_arena_t *arena,
                                        wp_cabi_memory_t view) {
  cx->guest = guest;
  cx->arena = arena;
  cx->mem.base = view.base;
  cx->mem.size = view.base ? view.size : 0;
  cx->num_borrows = 0;
  cx->nlends = cx->caplends = 0;
  cx->lends = NULL;
  cx->charged = 0;
  cx->budget = guest && guest->budget ? guest->budget : WP_CABI_DEFAULT_BUDGET;
  cx->native_handles = NULL;
  cx->interpret = false;
}
/* The members, then the guest's memory view from its callback. */
static inline void wp_cabi_cx_init(wp_cabi_cx_t *cx, const wp_cabi_opts_t *guest, wp_cabi_arena_t *arena) {
  wp_cabi_cx_init_view(cx, guest, arena, (wp_cabi_memory_t){NULL, 0});
  if (guest && guest->memory) guest->memory(guest->ctx, &cx->mem);
  if (!cx->mem.base) cx->mem.size = 0;
}
/* Re-reads the guest's memory view into cx->mem.  Done after every realloc
 * and post-return, and on entry to the result functions (the guest ran in
 * between); call it yourself after running guest code by other means. */
void wp_cabi_cx_refresh(wp_cabi_cx_t *cx);
wp_cabi_error_t *wp_cabi_cx_finish_lends(wp_cabi_cx_t *cx);
/* Whether wp_cabi_cx_finish has anything to do (lends or borrows). */
static inline bool wp_cabi_cx_lent(const wp_cabi_cx_t *cx) { return cx->lends || cx->num_borrows; }
static inline wp_cabi_error_t *wp_cabi_cx_finish(wp_cabi_cx_t *cx) {
  return wp_cabi_cx_lent(cx) ? wp_cabi_cx_finish_lends(cx) : NULL; /* nothing lent: nothing to do */
}

/* Checks that [ptr, ptr+len) is inside guest memory and ptr is aligned;
 * `what` names the thing in the trap message ("string", "return"...). */
wp_cabi_error_t *wp_cabi_check_range(wp_cabi_cx_t *cx, const char *what, uint64_t ptr, uint64_t len,
                                     uint32_t align);
/* Calls the guest's realloc and validates its answer (alignment and
 * bounds: a misaligned or out-of-bounds pointer traps); refreshes cx->mem. */
wp_cabi_error_t *wp_cabi_opts_realloc(wp_cabi_cx_t *cx, const char *what, uint32_t old_ptr, uint32_t old_size,
                                       uint32_t align, uint32_t new_size, uint32_t *out);

/* Calls the guest's post-return with the export's flat results (no-op if
 * the guest has none). */
wp_cabi_error_t *wp_cabi_post_return(wp_cabi_cx_t *cx, const wp_cabi_flat_t *results, size_t n);

/* ------------------------------------------------------------------ */
/* 5. Value tree                                                       */
/* ------------------------------------------------------------------ */

/* A dynamic value.  The type travels separately (the descriptor it was
 * lifted with or is lowered with).  Strings are UTF-8, NUL-terminated,
 * owned.  Records, tuples and lists own an array of values; variant-likes
 * own an optional payload.  Cases: option none=0/some=1, result ok=0/err=1,
 * enum/variant: case index.  Own/borrow values carry the resource rep. */
/* The public value tree (wasmplug_cval_t, wasmplug.h): stream, future:
 * `obj` is the shared stream/future, whose readable end the value owns
 * (dropping the value drops that end); error-context: a counted reference
 * (section 9). */
typedef wasmplug_cval_t wp_cabi_val_t;

/* Frees what v owns (not v itself) and zeroes it. */
void wp_cabi_val_drop(wp_cabi_val_t *v);
/* Deep copy. */
wp_cabi_error_t *wp_cabi_val_clone(const wp_cabi_val_t *v, wp_cabi_val_t *out);
/* Structural equality (floats compare bit-wise). */
bool wp_cabi_val_equal(const wp_cabi_val_t *a, const wp_cabi_val_t *b);
/* Checks that v is a well-formed value of type ty (shape, discriminants,
 * UTF-8, char range). */
wp_cabi_error_t *wp_cabi_val_check(const wp_cabi_type_t *ty, const wp_cabi_val_t *v);
/* The default value of ty (Wasmtime's for unknown imports): false, 0, '\0',
 * "", empty lists, records and tuples of defaults, the first case of a
 * variant or enum (its payload a default), none, ok(default), no flags.
 * own/borrow, streams and futures have none: an error naming the type. */
wp_cabi_error_t *wp_cabi_val_default(const wp_cabi_type_t *ty, wp_cabi_val_t *out);

/* Guest memory at ptr -> value (load) and value -> guest memory (store).
 * On error *out is left empty (nothing to drop). */
wp_cabi_error_t *wp_cabi_load(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, uint32_t ptr, wp_cabi_val_t *out);
wp_cabi_error_t *wp_cabi_store(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, const wp_cabi_val_t *v, uint32_t ptr);
/* Flat core values -> value; *used receives how many flat values were read. */
wp_cabi_error_t *wp_cabi_lift_flat(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, const wp_cabi_flat_t *flat,
                                   size_t nflat, wp_cabi_val_t *out);
/* Value -> ty->nflat flat values (the caller provides ty->nflat slots). */
wp_cabi_error_t *wp_cabi_lower_flat(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, const wp_cabi_val_t *v,
                                    wp_cabi_flat_t *flat);

/* Function-level, following the flat signature of wp_cabi_func_flatten:
 *  host calls a guest export ("lift" context):
 *    wp_cabi_lower_args   -> core params (spills to a realloc'd tuple if > 16)
 *    wp_cabi_lift_results <- core results (loads through the pointer if > 1)
 *    then wp_cabi_post_return, wp_cabi_cx_finish.
 *  guest calls a host import ("lower" context):
 *    wp_cabi_lift_args     <- core params (loads through the pointer if > 16)
 *    wp_cabi_lower_results -> core results, or stores at the retptr, which is
 *                             the last core param when results are indirect.
 * params has f->nparams entries; flat arrays are sized by the core sig. */
wp_cabi_error_t *wp_cabi_lower_args(wp_cabi_cx_t *cx, const wp_cabi_func_t *f, const wp_cabi_val_t *params,
                                    wp_cabi_flat_t *flat, size_t *nflat);
wp_cabi_error_t *wp_cabi_lift_results(wp_cabi_cx_t *cx, const wp_cabi_func_t *f, const wp_cabi_flat_t *flat,
                                      size_t nflat, wp_cabi_val_t *result);
wp_cabi_error_t *wp_cabi_lift_args(wp_cabi_cx_t *cx, const wp_cabi_func_t *f, const wp_cabi_flat_t *flat,
                                   size_t nflat, wp_cabi_val_t *params);
wp_cabi_error_t *wp_cabi_lower_results(wp_cabi_cx_t *cx, const wp_cabi_func_t *f, const wp_cabi_val_t *result,
                                       const wp_cabi_flat_t *core_params, size_t ncore_params,
                                       wp_cabi_flat_t *flat, size_t *nflat);

/* lift_flat_values / lower_flat_values (CanonicalABI.md), for any limit:
 * the values of types ts[n] from flat values, or -- when they flatten to
 * more than max_flat values -- from the tuple in guest memory that flat[0]
 * points to; lowering writes flat values, or stores the tuple at *out_ptr
 * (checked) or, when out_ptr is NULL, in memory from realloc whose address
 * becomes the one flat value.  `native`: the values are one C struct in
 * the native layout of the tuple (a params struct) instead of a
 * wp_cabi_val_t array.  The async ABI uses these with its own limits
 * (MAX_FLAT_ASYNC_PARAMS = 4 for async lowered params, 0 for their
 * results, MAX_FLAT_PARAMS for task.return). */
wp_cabi_error_t *wp_cabi_lift_values(wp_cabi_cx_t *cx, size_t n, const wp_cabi_type_t *const *ts, uint32_t max_flat,
                                     const wp_cabi_flat_t *flat, size_t nflat, bool native, void *out);
wp_cabi_error_t *wp_cabi_lower_values(wp_cabi_cx_t *cx, size_t n, const wp_cabi_type_t *const *ts, uint32_t max_flat,
                                      bool native, const void *in, const uint32_t *out_ptr, wp_cabi_flat_t *flat,
                                      size_t *nflat);
#define WP_CABI_MAX_FLAT_ASYNC_PARAMS 4

/* Whole calls, in the order the canonical ABI prescribes (results are
 * copied out before post-return frees them; borrow scopes are checked at
 * the end).  `core` calls the guest's core function. */
typedef wp_cabi_error_t *(*wp_cabi_core_fn)(void *ctx, const wp_cabi_flat_t *params, size_t nparams,
                                            wp_cabi_flat_t *results, size_t nresults);
/* Host -> guest export: lower params, call, lift the result, post-return,
 * finish.  *result is set only on success (nothing to drop otherwise). */
wp_cabi_error_t *wp_cabi_call_export(const wp_cabi_opts_t *guest, wp_cabi_arena_t *arena, const wp_cabi_func_t *f,
                                     wp_cabi_core_fn core, void *core_ctx, const wp_cabi_val_t *params,
                                     wp_cabi_val_t *result);
/* Guest -> host import: lift params, call `host` with them, lower its
 * result (flat, or at the retptr).  Returns the number of flat results in
 * *nresults.  The host function gets owned params (it must not free them:
 * they are dropped after it returns) and fills *result, which is dropped
 * after lowering. */
typedef wp_cabi_error_t *(*wp_cabi_host_fn)(void *ctx, const wp_cabi_val_t *params, size_t nparams,
                                            wp_cabi_val_t *result);
wp_cabi_error_t *wp_cabi_call_import(const wp_cabi_opts_t *guest, wp_cabi_arena_t *arena, const wp_cabi_func_t *f,
                                     wp_cabi_host_fn host, void *host_ctx, const wp_cabi_flat_t *core_params,
                                     size_t ncore_params, wp_cabi_flat_t *results, size_t *nresults);

/* A fused adapter (fuse.c): a call's values copied from one guest's core
 * values and memory straight into another's, as lifting them out of the
 * first and lowering them into the second would, without a value tree:
 * the same checks, messages, realloc calls and bytes written.  Prepared
 * once per function type; false when the type has handles, streams,
 * futures, error contexts or maps (those calls take the value-tree path).  The two guests must use UTF-8
 * and distinct memories (the copy reads one while the other's realloc
 * runs): the caller checks. */
#define WP_CABI_FUSE_MAXP 64
typedef struct wp_cabi_fuse {
  const wp_cabi_func_t *f;
  wp_cabi_core_sig_t lift, lower; /* the callee's and the caller's flattening */
  uint32_t psize, palign, poff[WP_CABI_FUSE_MAXP]; /* spilled params' block */
  bool checks;                                     /* lifting a param can fail */
  bool pmem, rmem; /* the params / the result touch memory (pointers or spilled) */
  bool trivial;    /* 32/64-bit integers only: the core values pass unchanged */
} wp_cabi_fuse_t;
bool wp_cabi_fuse_prepare(const wp_cabi_func_t *f, wp_cabi_fuse_t *out);
/* The caller's (from) flat params in[nin] (the lowering's, retptr
 * included) -> the callee's (to) out[*nout] (the lifting's).  Called twice:
 * copy false only checks the source (the lift's errors, before anything
 * runs in `to`); copy true reallocs in `to` and copies (the lower's errors;
 * the source is read again, checked again). */
wp_cabi_error_t *wp_cabi_fuse_args(const wp_cabi_fuse_t *fu, wp_cabi_cx_t *from, wp_cabi_cx_t *to, bool copy,
                                   const wp_cabi_flat_t *in, size_t nin, wp_cabi_flat_t *out, size_t *nout);
/* The callee's (from) flat results res[nres] -> the caller's (to): flat
 * out[*nout], or stored at the retptr among core_params[ncore].  Checked
 * (copy false: the callee's errors), then copied (copy true: the caller's
 * errors), both before the callee's post-return, which may free them.
 * Refreshes both memory views when the result touches memory. */
wp_cabi_error_t *wp_cabi_fuse_results(const wp_cabi_fuse_t *fu, wp_cabi_cx_t *from, wp_cabi_cx_t *to, bool copy,
                                      const wp_cabi_flat_t *res, size_t nres, const wp_cabi_flat_t *core_params,
                                      size_t ncore, wp_cabi_flat_t *out, size_t *nout);

/* ------------------------------------------------------------------ */
/* 6. Native layout                                                    */
/* ------------------------------------------------------------------ */

/* Guest memory at ptr -> native C value at out (ty->native.size bytes,
 * aligned to ty->native.align).  Strings/lists are copied into cx->arena. */
wp_cabi_error_t *wp_cabi_load_native(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, uint32_t ptr, void *out);
/* Native C value -> guest memory at ptr; strings/lists through realloc.
 * Native strings are trusted to be valid UTF-8 (plugins are trusted) when
 * the guest encoding is UTF-8; transcoding validates anyway. */
wp_cabi_error_t *wp_cabi_store_native(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, const void *in, uint32_t ptr);
wp_cabi_error_t *wp_cabi_lift_flat_native(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, const wp_cabi_flat_t *flat,
                                          size_t nflat, void *out);
wp_cabi_error_t *wp_cabi_lower_flat_native(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, const void *in,
                                           wp_cabi_flat_t *flat);
/* wp_cabi_lift_flat_native of a string's two flat values (ptr, len) to its
** native {ptr, len} at out: the same code, without the dispatch on the type
** (the plugin loader's per-param loop knows it is a string). */
wp_cabi_error_t *wp_cabi_lift_string_native(wp_cabi_cx_t *cx, uint32_t ptr, uint32_t len, void *out);

/* The native layout of a function's parameters as one C struct (the layout
 * of the tuple of params): size/align and per-param offsets. */
typedef struct wp_cabi_native_args {
  uint32_t size, align;
  uint32_t offsets[64];
} wp_cabi_native_args_t;
wp_cabi_error_t *wp_cabi_func_native_args(const wp_cabi_func_t *f, wp_cabi_native_args_t *out);
/* Native function-level variants of section 5: args is the params struct,
 * result is a native value of f->result. */
wp_cabi_error_t *wp_cabi_lift_args_native(wp_cabi_cx_t *cx, const wp_cabi_func_t *f, const wp_cabi_flat_t *flat,
                                          size_t nflat, void *args);
wp_cabi_error_t *wp_cabi_lower_results_native(wp_cabi_cx_t *cx, const wp_cabi_func_t *f, const void *result,
                                              const wp_cabi_flat_t *core_params, size_t ncore_params,
                                              wp_cabi_flat_t *flat, size_t *nflat);
wp_cabi_error_t *wp_cabi_lower_args_native(wp_cabi_cx_t *cx, const wp_cabi_func_t *f, const void *args,
                                           wp_cabi_flat_t *flat, size_t *nflat);
wp_cabi_error_t *wp_cabi_lift_results_native(wp_cabi_cx_t *cx, const wp_cabi_func_t *f, const wp_cabi_flat_t *flat,
                                             size_t nflat, void *result);

/* The host side of the native plugin ABI's opaque call handle
 * (`wasmplug_plugin_call_t`, include/wasmplug/plugin.h): one call of a
 * function in the native layout.  Defined here, once, for every layer that
 * makes such calls (the component runtime, the plugin loader): a call made
 * by one is read by the host functions (alloc, trap, call_state) of the
 * other. */
struct wasmplug_plugin_call {
  wp_cabi_arena_t *arena; /* host->alloc allocates here (freed after the call) */
  void *state;            /* the function's instance state */
  uint32_t func;          /* host->call_func: the index in the descriptor's funcs[] */
  bool trapped;           /* host->trap or host->exit was called */
  bool exited;            /* host->exit: the guest is to exit with exit_status */
  int exit_status;
  /* Plugin ABI 1.3: the caller's record of a call that may complete later
  ** (an async function returning WASMPLUG_PENDING), and the services the
  ** caller offers for it; both NULL when the caller cannot wait for one. */
  void *async;
  const struct wp_native_async_ops *ops;
  const struct wp_cabi_stop *stop; /* the fn's (wp_cabi_native_fn_t) */
  /* Last: what comes before it is a fresh call's whole state but for
  ** msg[0], so a caller making many calls of one function copies it from a
  ** head prepared once (wp_cabi_call_head_t) instead of storing each field. */
  char msg[512]; /* host->trap's message */
};

/* Where a call run away from its guest's thread learns that the guest
** call must end and when (a plugin server or an isolated plugin's helper:
** the host writes the request's id into the ring's notice word, a server's
** watcher writes its own number for the call; the deadline came with the
** request).  host->interrupted is true once *word == id or the deadline
** has passed, besides the thread's own deadline and interrupt;
** host->deadline is this deadline when there is one. */
typedef struct wp_cabi_stop {
  const _Atomic uint32_t *word; /* NULL: no notice */
  uint32_t id;
  uint64_t deadline;            /* CLOCK_MONOTONIC ns in this process; 0: none */
} wp_cabi_stop_t;

/* Plugin ABI 1.3's services (the host table's call_complete, stream_*,
** error_context_*, watch_*, waker_*), provided by whoever runs async native
** calls -- the component runtime -- and reached through the call, or
** through the plugin instance and waker objects, whose first member is a
** pointer to them.  The plugin loader's host table forwards here. */
typedef struct wp_native_async_ops {
  struct wasmplug_plugin_instance *(*call_instance)(struct wasmplug_plugin_call *call);
  void (*call_complete)(struct wasmplug_plugin_call *call, int status);
  int (*stream_new)(struct wasmplug_plugin_call *call, uint32_t which, uint32_t *readable, uint32_t *writable);
  int (*stream_copy)(struct wasmplug_plugin_instance *in, uint32_t end, bool write, void *buf, uint32_t n,
                     void (*done)(void *arg, int result, uint32_t count), void *arg);
  int (*stream_cancel)(struct wasmplug_plugin_instance *in, uint32_t end);
  int (*stream_drop)(struct wasmplug_plugin_instance *in, uint32_t end);
  uint32_t (*errctx_new)(struct wasmplug_plugin_instance *in, const char *msg, size_t len);
  const char *(*errctx_message)(struct wasmplug_plugin_instance *in, uint32_t h, size_t *len);
  void (*errctx_drop)(struct wasmplug_plugin_instance *in, uint32_t h);
  uint64_t (*watch_fd)(struct wasmplug_plugin_instance *in, int fd, int events, void (*cb)(void *arg, int revents),
                       void *arg);
  uint64_t (*watch_time)(struct wasmplug_plugin_instance *in, uint64_t deadline_ns, void (*cb)(void *arg),
                         void *arg);
  void (*unwatch)(struct wasmplug_plugin_instance *in, uint64_t id);
  struct wasmplug_plugin_waker *(*waker_new)(struct wasmplug_plugin_instance *in, void (*cb)(void *arg), void *arg);
  void (*wake)(struct wasmplug_plugin_waker *w);
  void (*waker_delete)(struct wasmplug_plugin_waker *w);
} wp_native_async_ops_t;

/* The first member of the provider's plugin instance and waker objects. */
typedef struct wp_native_async_base {
  const wp_native_async_ops_t *ops;
} wp_native_async_base_t;

/* One function of the plugin ABI's shape (a native plugin's, a native
** host function's): what wp_cabi_native_run calls. */
typedef struct wp_cabi_native_fn {
  int (*fn)(void *state, struct wasmplug_plugin_call *call, const void *params, void *result);
  void *state;
  uint32_t func;          /* its index in the plugin's funcs[] (0 when none) */
  const char *who;        /* names it in trap messages: "plugin NAME: IFACE#FUNC" */
  /* Plugin ABI 1.3: asks a pending call to finish (the descriptor's
  ** `cancel`); NULL when the plugin has none. */
  void (*cancel)(void *state, struct wasmplug_plugin_call *call);
  const wp_cabi_stop_t *stop; /* NULL: only the thread's deadline and interrupt */
} wp_cabi_native_fn_t;

/* THE way a function of the plugin ABI's shape is run, whoever calls it
** (a core-module guest, a component guest, an isolated plugin's server):
** a fresh call handle on `arena`, the call (args is never NULL for the
** function), then its outcome as NULL (it returned WASMPLUG_OK) or a trap:
** an exit (host->exit) becomes wasmplug_trap_new_exit(status); host->trap
** a WASMPLUG_TRAP_HOST trap "WHO: MESSAGE"; any other return
** "WHO: failed with code N".  When `call` is not NULL it receives the
** call handle as it ended, its msg saying why it failed (a server
** forwards that bare message). */
wasmplug_trap_t *wp_cabi_native_run(const wp_cabi_native_fn_t *f, wp_cabi_arena_t *arena, const void *args,
                                    void *result, struct wasmplug_plugin_call *call);
/* wp_cabi_native_run in two halves, for callers that inline the call (the
** plugin loader's direct paths): the fresh call handle, then -- only when
** the function did not return WASMPLUG_OK or trapped -- its trap. */
static inline void wp_cabi_native_call_init(struct wasmplug_plugin_call *call, const wp_cabi_native_fn_t *f,
                                            wp_cabi_arena_t *arena) {
  call->arena = arena;
  call->state = f->state;
  call->func = f->func;
  call->trapped = false;
  call->exited = false;
  call->exit_status = 0;
  call->msg[0] = 0;
  call->async = NULL;
  call->ops = NULL;
  call->stop = f->stop;
}
wasmplug_trap_t *wp_cabi_native_outcome(const wp_cabi_native_fn_t *f, struct wasmplug_plugin_call *call, int rc);
/* wp_cabi_native_call_init made once, for a caller that calls one function
** on one arena many times (the plugin loader's bindings): the fresh call
** but its message, which wp_cabi_native_call_start copies in one block
** (a few wide moves against ten stores, each of a field loaded first). */
typedef union wp_cabi_call_head {
  uint64_t align;
  unsigned char bytes[offsetof(struct wasmplug_plugin_call, msg)];
} wp_cabi_call_head_t;
static inline void wp_cabi_native_call_head(wp_cabi_call_head_t *head, const wp_cabi_native_fn_t *f,
                                            wp_cabi_arena_t *arena) {
  struct wasmplug_plugin_call call;
  memset(&call, 0, sizeof head->bytes); /* the padding too: the head is copied whole */
  wp_cabi_native_call_init(&call, f, arena);
  memcpy(head->bytes, &call, sizeof head->bytes);
}
static inline void wp_cabi_native_call_start(struct wasmplug_plugin_call *call, const wp_cabi_call_head_t *head) {
  memcpy(call, head->bytes, sizeof head->bytes);
  call->msg[0] = 0;
}

/* ------------------------------------------------------------------ */
/* 7. Resources                                                        */
/* ------------------------------------------------------------------ */

/* A per-instance handle table.  Handle 0 is never valid; freed slots are
 * reused (most recently freed first).  Own handles carry a lend count;
 * borrow handles belong to the call (cx) that lent them. */
wp_cabi_handles_t *wp_cabi_handles_new(void);
/* At most `max` live handles (default: wasmplug_store_limits_default's
 * `handles`; at most 2^28 - 1 whatever is asked): adding one more traps
 * naming the limit. */
void wp_cabi_handles_limit_set(wp_cabi_handles_t *h, uint64_t max);
/* Drops every remaining own handle, running destructors; borrow handles
 * are simply forgotten. */
void wp_cabi_handles_delete(wp_cabi_handles_t *h);
uint32_t wp_cabi_handles_count(const wp_cabi_handles_t *h);
/* Drops everything in the table as wp_cabi_handles_delete does (each own
** handle's destructor once, objects freed) and leaves it empty, as a new
** table: what an instance reused for a new request needs. */
void wp_cabi_handles_clear(wp_cabi_handles_t *h);
/* The table as it is now, to come back to (an instance reused for a new
** request keeps the handles it made while instantiating: its preopens,
** its stdio).  NULL (and *why) when it holds what cannot be kept that way:
** async objects, handles lent out. */
typedef struct wp_cabi_handles_mark wp_cabi_handles_mark_t;
wp_cabi_handles_mark_t *wp_cabi_handles_mark(const wp_cabi_handles_t *h, const char **why);
void wp_cabi_handles_mark_free(wp_cabi_handles_mark_t *m);
/* Back to the mark: every handle made since is dropped (destructors once),
** the marked ones kept.  False when a marked handle is gone or changed
** (nothing can bring its resource back): the table must not be reused. */
bool wp_cabi_handles_restore(wp_cabi_handles_t *h, const wp_cabi_handles_mark_t *m);

/* canon resource.new / .rep / .drop, as called by the guest. */
wp_cabi_error_t *wp_cabi_resource_new(wp_cabi_handles_t *h, const wp_cabi_resource_t *r, uint32_t rep,
                                      uint32_t *handle);
wp_cabi_error_t *wp_cabi_resource_rep(wp_cabi_handles_t *h, const wp_cabi_resource_t *r, uint32_t handle,
                                      uint32_t *rep);
wp_cabi_error_t *wp_cabi_resource_drop(wp_cabi_handles_t *h, const wp_cabi_resource_t *r, uint32_t handle);

/* Lifting and lowering of handle values (also used inside lift/lower):
 *  lift_own: removes the guest's own handle (traps if lent out, a borrow,
 *            the wrong type or dangling) and returns its rep.
 *  lower_own: adds an own handle for rep to the guest's table.
 *  lift_borrow: validates the handle, lends it for the rest of the call.
 *  lower_borrow: passes rep directly if the guest implements the resource,
 *            else adds a borrow handle scoped to this call. */
wp_cabi_error_t *wp_cabi_lift_own(wp_cabi_cx_t *cx, const wp_cabi_resource_t *r, uint32_t handle, uint32_t *rep);
wp_cabi_error_t *wp_cabi_lower_own(wp_cabi_cx_t *cx, const wp_cabi_resource_t *r, uint32_t rep, uint32_t *handle);
wp_cabi_error_t *wp_cabi_lift_borrow(wp_cabi_cx_t *cx, const wp_cabi_resource_t *r, uint32_t handle, uint32_t *rep);
wp_cabi_error_t *wp_cabi_lower_borrow(wp_cabi_cx_t *cx, const wp_cabi_resource_t *r, uint32_t rep, uint32_t *handle);

/* ------------------------------------------------------------------ */
/* 9. Async values                                                     */
/* ------------------------------------------------------------------ */

/*
 * The Component Model's async values, after CanonicalABI.md's objects
 * ("Waitable State", "Buffer State", "Stream State", "Future State",
 * error-context) and definitions.py's classes of the same names:
 *
 *   wp_cabi_waitable_t   Waitable: a pending event, its waitable set, and
 *                        whether a synchronous waiter waits on it.
 *   wp_cabi_wset_t       WaitableSet.
 *   wp_cabi_buffer_t     BufferGuestImpl (a range of guest memory) or a
 *                        host buffer (native layout).
 *   wp_cabi_shared_t     SharedStreamImpl / SharedFutureImpl: the rendezvous
 *                        of one reader and one writer.
 *   wp_cabi_end_t        CopyEnd: ReadableStreamEnd, WritableStreamEnd,
 *                        ReadableFutureEnd, WritableFutureEnd.
 *   wp_cabi_errctx_t     ErrorContext.
 *
 * They live in the same per-instance handle table as resources (section 7),
 * as objects with a kind; subtasks (the component runtime's) are waitables
 * too.  This layer copies values between buffers with the same validation
 * as lifting and lowering; tasks, threads and waiting are the component
 * runtime's (src/component/rt).
 */

typedef enum wp_cabi_obj_kind {
  WP_CABI_OBJ_WAITABLE_SET = 1,
  WP_CABI_OBJ_SUBTASK,
  WP_CABI_OBJ_STREAM_READABLE,
  WP_CABI_OBJ_STREAM_WRITABLE,
  WP_CABI_OBJ_FUTURE_READABLE,
  WP_CABI_OBJ_FUTURE_WRITABLE,
  WP_CABI_OBJ_ERROR_CONTEXT
} wp_cabi_obj_kind_t;

/* The header of every object a handle table holds besides resources. */
typedef struct wp_cabi_obj {
  wp_cabi_obj_kind_t kind;
} wp_cabi_obj_t;

/* "waitable set", "stream read end", ... */
const char *wp_cabi_obj_kind_name(wp_cabi_obj_kind_t kind);

/* Table.add / get / remove for objects.  get and remove trap naming the
 * index when it holds nothing, a resource, or an object of another kind
 * than `kind` (0: any object; WP_CABI_OBJ_SUBTASK also accepts no other). */
wp_cabi_error_t *wp_cabi_handles_add_obj(wp_cabi_handles_t *h, wp_cabi_obj_t *o, uint32_t *index);
wp_cabi_error_t *wp_cabi_handles_get_obj(wp_cabi_handles_t *h, uint32_t index, wp_cabi_obj_kind_t kind,
                                         const char *what, wp_cabi_obj_t **out);
wp_cabi_error_t *wp_cabi_handles_remove_obj(wp_cabi_handles_t *h, uint32_t index, wp_cabi_obj_kind_t kind,
                                            const char *what, wp_cabi_obj_t **out);
/* What wp_cabi_handles_delete does with the subtasks left in a table at
 * teardown (they belong to the runtime); the other objects are dropped as
 * if the guest dropped them (ends, sets, error contexts). */
typedef void (*wp_cabi_obj_reaper_fn)(void *ctx, wp_cabi_obj_t *o);
void wp_cabi_handles_set_reaper(wp_cabi_handles_t *h, wp_cabi_obj_reaper_fn fn, void *ctx);

/* The table's layout: handles.c owns it; it is here only for the inline
 * lookup below (nothing else reads or writes these fields). */
typedef struct wp_cabi_handle_entry {
  const wp_cabi_resource_t *rt; /* a resource handle, or NULL: */
  wp_cabi_obj_t *obj;           /* an object, or NULL too: a free slot */
  uint32_t rep;
  uint32_t num_lends;
  bool own;
  wp_cabi_cx_t *scope; /* borrow handles: the call that lent it */
  uint32_t next_free;
} wp_cabi_handle_entry_t;
struct wp_cabi_handles {
  wp_cabi_handle_entry_t *v;
  uint32_t len, cap;
  uint32_t free_head; /* 0: none */
  uint32_t count;
  uint32_t max; /* the limit (max-handles): at most this many live entries */
  wp_cabi_obj_reaper_fn reaper;
  void *reaper_ctx;
};
/* True, with its rep, when `handle` is a live handle of resource r: the
 * success of every lookup of a resource handle (wp_cabi_resource_rep,
 * lifts, drops), inline for the plugin loader's direct calls.  False for
 * anything else; the caller then asks wp_cabi_resource_rep for the error.
 * wp_cabi_handles_rep_live is the same for a caller that knows h and r are
 * not NULL (checked once, when it was bound).  Handle 0 needs no test of
 * its own: slot 0 is reserved (handles.c: no handle is ever made there, so
 * its entry stays zero) and its rt NULL, which no resource r is. */
static inline bool wp_cabi_handles_rep_live(const wp_cabi_handles_t *h, const wp_cabi_resource_t *r,
                                            uint32_t handle, uint32_t *rep) {
  /* (unlikely: a guest's handles are good but for bugs and attacks) */
  if (__builtin_expect(handle >= h->len, 0)) return false;
  const wp_cabi_handle_entry_t *e = &h->v[handle];
  if (__builtin_expect(e->rt != r, 0)) return false;
  *rep = e->rep;
  return true;
}
static inline bool wp_cabi_resource_rep_live(const wp_cabi_handles_t *h, const wp_cabi_resource_t *r,
                                             uint32_t handle, uint32_t *rep) {
  return h && r && wp_cabi_handles_rep_live(h, r, handle, rep);
}

/* --- events and waitables --- */

enum {
  WP_CABI_EVENT_NONE = 0,
  WP_CABI_EVENT_SUBTASK = 1,
  WP_CABI_EVENT_STREAM_READ = 2,
  WP_CABI_EVENT_STREAM_WRITE = 3,
  WP_CABI_EVENT_FUTURE_READ = 4,
  WP_CABI_EVENT_FUTURE_WRITE = 5,
  WP_CABI_EVENT_TASK_CANCELLED = 6
};

typedef struct wp_cabi_event {
  uint32_t code, p1, p2;
} wp_cabi_event_t;

typedef struct wp_cabi_waitable wp_cabi_waitable_t;
typedef struct wp_cabi_wset wp_cabi_wset_t;
/* Computes the pending event when it is delivered (the reference's
 * pending_event closure): may update the waitable's state. */
typedef void (*wp_cabi_deliver_fn)(wp_cabi_waitable_t *w, wp_cabi_event_t *out);

struct wp_cabi_waitable {
  wp_cabi_obj_t obj;
  wp_cabi_deliver_fn pending; /* NULL: no pending event */
  wp_cabi_wset_t *wset;
  bool has_sync_waiter;
  uint32_t index;             /* its handle in the owner's table (events carry it) */
};

void wp_cabi_waitable_init(wp_cabi_waitable_t *w, wp_cabi_obj_kind_t kind);
static inline bool wp_cabi_waitable_has_event(const wp_cabi_waitable_t *w) { return w->pending != NULL; }
/* Takes the pending event (there must be one). */
void wp_cabi_waitable_take_event(wp_cabi_waitable_t *w, wp_cabi_event_t *out);
/* waitable.join: moves w to wset (NULL: out of any set). */
wp_cabi_error_t *wp_cabi_waitable_join(wp_cabi_waitable_t *w, wp_cabi_wset_t *wset);

struct wp_cabi_wset {
  wp_cabi_obj_t obj;
  wp_cabi_waitable_t **elems;
  uint32_t n, cap;
  uint32_t num_waiting; /* threads waiting on it */
  uint32_t next;        /* where the next event search starts (fairness) */
};

wp_cabi_wset_t *wp_cabi_wset_new(void);
bool wp_cabi_wset_has_event(const wp_cabi_wset_t *s);
/* Takes one pending event of a member (there must be one). */
void wp_cabi_wset_take_event(wp_cabi_wset_t *s, wp_cabi_event_t *out);
/* waitable-set.drop's checks, then frees it. */
wp_cabi_error_t *wp_cabi_wset_drop(wp_cabi_wset_t *s);

/* --- buffers --- */

#define WP_CABI_MAX_BUFFER_LENGTH ((1u << 28) - 1)

/* A range of elements being read or written: in guest memory (guest !=
 * NULL: BufferGuestImpl; memory, realloc, encoding and handle table from
 * the guest) or in host memory in the native layout (native_handles for
 * the handles in elements; elements read into a host buffer allocate their
 * strings and lists in `arena`). */
typedef struct wp_cabi_buffer {
  const wp_cabi_type_t *t; /* element type, NULL for stream<> / future<> */
  uint32_t length, progress;
  const wp_cabi_opts_t *guest;
  uint32_t ptr;            /* guest: where the next element goes */
  uint8_t *native;         /* host: the element array (t->native.size each) */
  wp_cabi_arena_t *arena;
  wp_cabi_handles_t *native_handles;
} wp_cabi_buffer_t;

/* BufferGuestImpl.__init__: traps for a length past the maximum, a
 * misaligned or out-of-bounds range (checked now, against the memory's
 * current size: memory never shrinks). */
wp_cabi_error_t *wp_cabi_buffer_guest(wp_cabi_buffer_t *b, const wp_cabi_type_t *t, const wp_cabi_opts_t *guest,
                                      uint32_t ptr, uint32_t length);
void wp_cabi_buffer_host(wp_cabi_buffer_t *b, const wp_cabi_type_t *t, void *native, uint32_t length,
                         wp_cabi_arena_t *arena, wp_cabi_handles_t *native_handles);
static inline uint32_t wp_cabi_buffer_remain(const wp_cabi_buffer_t *b) { return b->length - b->progress; }
/* Moves n elements from src (read) to dst (written), lifting each from its
 * source and lowering it into its destination with the usual validation
 * (own handles move between tables; plain types are one memcpy). */
wp_cabi_error_t *wp_cabi_buffer_copy(wp_cabi_buffer_t *dst, wp_cabi_buffer_t *src, uint32_t n);

/* --- streams and futures --- */

typedef enum wp_cabi_copy_result {
  WP_CABI_COPY_COMPLETED = 0,
  WP_CABI_COPY_DROPPED = 1,
  WP_CABI_COPY_CANCELLED = 2
} wp_cabi_copy_result_t;

typedef enum wp_cabi_copy_state {
  WP_CABI_COPY_IDLE = 1,
  WP_CABI_COPY_COPYING,
  WP_CABI_COPY_CANCELLING,
  WP_CABI_COPY_DONE
} wp_cabi_copy_state_t;

#define WP_CABI_BLOCKED 0xffffffffu

typedef struct wp_cabi_end wp_cabi_end_t;
typedef struct wp_cabi_shared wp_cabi_shared_t;

/* A stream or future end (CopyEnd).  An end in a guest's table is a
 * waitable whose events the guest receives; an end held by the host
 * (native plugins) is the same object with `notify` set, called whenever
 * an event becomes pending (from inside the copy: it should only record). */
struct wp_cabi_end {
  wp_cabi_waitable_t w;          /* w.obj.kind: which end */
  wp_cabi_copy_state_t state;
  wp_cabi_shared_t *shared;
  const void *inst;              /* the owning instance (its handle table), NULL: host */
  wp_cabi_buffer_t buf;          /* the copy in progress */
  /* the pending event's parameters (stream_event / future_event) */
  wp_cabi_copy_result_t result;
  bool reclaim;
  void (*notify)(void *ctx, wp_cabi_end_t *e);
  void *notify_ctx;
};

/* stream.new / future.new: a shared stream or future of element type t
 * and its two ends (not yet in any table). */
wp_cabi_error_t *wp_cabi_stream_new(const wp_cabi_type_t *t, bool future, wp_cabi_end_t **readable,
                                    wp_cabi_end_t **writable);
/* The end's shared stream's element type, and whether it is a future. */
const wp_cabi_type_t *wp_cabi_end_elem(const wp_cabi_end_t *e);
/* stream.read / stream.write / future.read / future.write on an end whose
 * buffer was set up in e->buf (state must be IDLE): starts the copy.  The
 * result is an event pending on e (take it with wp_cabi_waitable_take_event)
 * or, when the other side has not arrived yet, nothing pending (BLOCKED).
 * A copy error (bad element in the writer's memory...) is returned. */
wp_cabi_error_t *wp_cabi_end_copy(wp_cabi_end_t *e);
/* cancel-read / cancel-write: asks the shared stream to give the buffer
 * back (the CANCELLED event becomes pending unless the copy finished). */
void wp_cabi_end_cancel(wp_cabi_end_t *e);
/* drop-readable / drop-writable's checks (a busy end, a future writer that
 * never wrote); then wp_cabi_end_free drops it. */
wp_cabi_error_t *wp_cabi_end_drop_check(const wp_cabi_end_t *e);
/* Frees an end without the checks (teardown). */
void wp_cabi_end_free(wp_cabi_end_t *e);

/* The value side of stream<T>, future<T> and error-context (what the
 * `obj` of a value tree holds), moved in and out of a handle table:
 *   take: lift_stream/lift_future (the readable end leaves the table and
 *         must be idle and in no waitable set) or lift_error_context (the
 *         handle stays; the value is a new reference);
 *   put:  lower_*: a new readable end (host: a host-held end, no
 *         same-instance rule) or the error context's handle; the value
 *         keeps its reference until it is dropped, as every value does;
 *   drop: releases a value's reference; when no readable end and no value
 *         is left, the readable side counts as dropped (the writer is
 *         told). */
wp_cabi_error_t *wp_cabi_async_take(wp_cabi_handles_t *h, const wp_cabi_type_t *ty, uint32_t handle, void **out);
wp_cabi_error_t *wp_cabi_async_put(wp_cabi_handles_t *h, bool host, const wp_cabi_type_t *ty, void *obj,
                                   uint32_t *handle);
void wp_cabi_async_drop(wp_cabi_kind_t kind, void *obj);
/* One more value for the same object (wp_cabi_val_clone). */
void wp_cabi_async_clone(wp_cabi_kind_t kind, void *obj);
/* Adds an end made by wp_cabi_stream_new to a table (stream.new). */
wp_cabi_error_t *wp_cabi_async_put_end(wp_cabi_handles_t *h, bool host, wp_cabi_end_t *e, uint32_t *handle);

/* --- error contexts --- */

typedef struct wp_cabi_errctx {
  wp_cabi_obj_t obj;
  uint32_t refs;
  size_t len;
  char msg[]; /* UTF-8, NUL-terminated */
} wp_cabi_errctx_t;

/* A new error context with a copy of msg (one reference). */
wp_cabi_errctx_t *wp_cabi_errctx_new(const char *msg, size_t len);
void wp_cabi_errctx_ref(wp_cabi_errctx_t *e);
void wp_cabi_errctx_unref(wp_cabi_errctx_t *e);

/* ------------------------------------------------------------------ */
/* 8. WAVE                                                             */
/* ------------------------------------------------------------------ */

/* Parses one WAVE value of type ty from text[0..len) (surrounding
 * whitespace and // comments allowed).  Errors are WP_CABI_INVALID with
 * the byte offset, e.g. "wave: at offset 4: expected ',' or ']'". */
wp_cabi_error_t *wp_cabi_wave_parse(const wp_cabi_type_t *ty, const char *text, size_t len, wp_cabi_val_t *out);
/* Prints v (of type ty) into a malloc'ed NUL-terminated string. */
wp_cabi_error_t *wp_cabi_wave_print(const wp_cabi_type_t *ty, const wp_cabi_val_t *v, char **out);
/* Splits "name(args...)" into the function name span (which may contain
 * ':', '/', '#', '.', '@' and '%' as in "wasi:cli/run#run") and the args. */
wp_cabi_error_t *wp_cabi_wave_split_call(const char *text, size_t len, size_t *name_len, const char **args,
                                         size_t *args_len);
/* Parses "a, b, c" (the inside of a call's parentheses) as f's params;
 * base is where text starts in the call, so that error offsets count from
 * the start of what the user wrote, like split_call's. */
wp_cabi_error_t *wp_cabi_wave_parse_args(const wp_cabi_func_t *f, const char *text, size_t len, size_t base,
                                         wp_cabi_val_t *params);
/* text for an error message: bytes that are not printable UTF-8 become
 * \xNN (a terminal never sees them raw).  malloc'ed; NULL when out of
 * memory. */
char *wp_cabi_wave_quote(const char *text);

/* ------------------------------------------------------------------ */
/* Strings (exposed for the benchmark and other layers)                */
/* ------------------------------------------------------------------ */

/* True if s[0..n) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool wp_cabi_utf8_valid(const uint8_t *s, size_t n);
/* memcpy(d, s, n), then wp_cabi_utf8_valid(d, n), in one pass (the copy is
 * what is validated). */
bool wp_cabi_utf8_copy_valid(uint8_t *d, const uint8_t *s, size_t n);
/* Tests only: whether the two above may use AVX2 (when the processor has
** it; the default), or SSE2 alone; returns whether AVX2 is now used. */
bool wp_cabi_utf8_avx2_set(bool on);

#ifdef __cplusplus
}
#endif
#endif /* WASMPLUG_CABI_H */
