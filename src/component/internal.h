/*
** internal.h — shared by the component decoder's files; not a public header.
**
** Errors unwind with longjmp (as Lua does): a decoder that must check every
** byte of hostile input would otherwise be mostly error plumbing.  This is
** safe because every allocation made while decoding comes from one arena that
** the caller frees whether decoding succeeded or not, so unwinding never
** leaks.
*/
#ifndef WASMPLUG_COMPONENT_INTERNAL_H
#define WASMPLUG_COMPONENT_INTERNAL_H

#include "component/component.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Limits that keep hostile input from exhausting the stack or the CPU. */
#define WP_COMP_MAX_DEPTH 64          /* nesting of components and types */
#define WP_COMP_MAX_FLAT 17           /* flat_count saturates here */
#define WP_COMP_MAX_FLAT_PARAMS 16
#define WP_COMP_MAX_FLAT_RESULTS 1
#define WP_COMP_MAX_FLAT_ASYNC_PARAMS 4
#define WP_COMP_MAX_ABI_SIZE (1u << 28)  /* Binary.md: elem_size < 2^28 */

/* ---------------------------------------------------------------- arena */

typedef struct wp_comp_arena wp_comp_arena;
wp_comp_arena *wp_arena_new(void);
void wp_arena_delete(wp_comp_arena *a);
/* Zeroed memory, 16-aligned; NULL when out of memory. */
void *wp_arena_alloc(wp_comp_arena *a, size_t size);

/* --------------------------------------------------------------- context */

typedef struct wp_cx {
  const uint8_t *base;     /* the whole input */
  size_t base_len;
  const char *filename;
  const char *section;     /* name of the section being decoded, for messages */
  char *err;
  size_t errlen;
  jmp_buf jb;
  wp_comp_arena *arena;
  unsigned depth;
  uint32_t serial;         /* the last scope serial handed out (resources.c) */
  wp_comp_validate_fn *validate; /* validates core modules (NULL: wasmplug_module_validate) */
  void *validate_ctx;
} wp_cx;

/* A cursor over [p, end) within cx->base. */
typedef struct wp_rd {
  const uint8_t *p, *end;
} wp_rd;

/* Formats "<file>: component section '<section>' at offset 0x<at>: <msg>"
** and unwinds. `at` points into the input (or NULL for no offset). */
#if defined(__GNUC__)
__attribute__((noreturn, format(printf, 3, 4)))
#endif
void wp_fail(wp_cx *cx, const uint8_t *at, const char *fmt, ...);
/* Same with an offset instead of a pointer. */
#if defined(__GNUC__)
__attribute__((noreturn, format(printf, 3, 4)))
#endif
void wp_fail_at(wp_cx *cx, uint32_t offset, const char *fmt, ...);

void *wp_alloc(wp_cx *cx, size_t size);
/* n elements of size bytes, where each element needs at least one byte of
** remaining input: refuses counts the input cannot hold before allocating. */
void *wp_alloc_n(wp_cx *cx, wp_rd *r, const uint8_t *at, uint32_t n, size_t size,
                 const char *what);
uint32_t wp_off(const wp_cx *cx, const uint8_t *p);

uint8_t wp_u8(wp_cx *cx, wp_rd *r);
uint8_t wp_peek(wp_cx *cx, wp_rd *r);
uint32_t wp_u32(wp_cx *cx, wp_rd *r);
uint64_t wp_u64(wp_cx *cx, wp_rd *r);
int64_t wp_s33(wp_cx *cx, wp_rd *r);
int64_t wp_s64(wp_cx *cx, wp_rd *r);
/* A length-prefixed UTF-8 string (`core:name`). */
wp_comp_str wp_name(wp_cx *cx, wp_rd *r);
const uint8_t *wp_bytes(wp_cx *cx, wp_rd *r, uint32_t n);
/* A vec count, checked against the bytes left (each element >= 1 byte). */
uint32_t wp_count(wp_cx *cx, wp_rd *r, const char *what);
int wp_utf8_valid(const uint8_t *p, size_t n);

int wp_str_eq(wp_comp_str a, wp_comp_str b);
int wp_str_eqz(wp_comp_str a, const char *z);

/* ------------------------------------------------------------ index spaces */

/* A scope is a component definition, a component type or an instance type
** (outer aliases count scopes outward). */
typedef enum wp_scope_kind {
  WP_SCOPE_COMPONENT,
  WP_SCOPE_COMPONENT_TYPE,
  WP_SCOPE_INSTANCE_TYPE
} wp_scope_kind;

typedef struct wp_scope wp_scope;
/* A pointer -> pointer map in arena memory (resources.c). */
typedef struct wp_ptrmap {
  const void **keys, **vals;
  size_t n, cap;
} wp_ptrmap;
const void *wp_ptrmap_get(const wp_ptrmap *m, const void *key);
void wp_ptrmap_put(wp_cx *cx, wp_ptrmap *m, const void *key, const void *val);

struct wp_scope {
  wp_scope *outer;
  uint8_t kind;
  uint32_t serial;        /* resources this scope's declarations make carry it */
  wp_comp_space *space;   /* [WP_COMP_SORT_COUNT] */
  wp_comp_space own_space[WP_COMP_SORT_COUNT];
  wp_comp *comp;          /* WP_SCOPE_COMPONENT */
  /* imports/exports declared so far (types) */
  uint32_t nimports, nexports, capimports, capexports;
  wp_comp_extern *imports, *exports;
  /* External visibility (Explainer.md): the type nodes imported/exported so
  ** far, the only ones an import/export may refer to (component and
  ** component-type scopes; the values are unused). */
  wp_ptrmap imported, exported;
};

/* Opens scope s: its serial, numbered after every scope before it. */
void wp_scope_open(wp_cx *cx, wp_scope *s);

uint32_t wp_space_push(wp_cx *cx, wp_scope *s, uint8_t sort, uint8_t origin,
                       uint32_t item, const void *type, const uint8_t *at);
/* The entry at idx, or fail naming the sort and bound. */
const wp_comp_def *wp_space_get(wp_cx *cx, wp_scope *s, uint8_t sort,
                                uint32_t idx, const uint8_t *at);
/* Grows an arena array of elem-size items to hold one more. */
void *wp_grow(wp_cx *cx, void *items, uint32_t len, uint32_t *cap, size_t elem);

/* ------------------------------------------------------------ decoders */

/* sort (component sort, possibly core) as in Binary.md `sort`. */
uint8_t wp_read_sort(wp_cx *cx, wp_rd *r);
uint8_t wp_read_core_sort(wp_cx *cx, wp_rd *r);

const wp_comp_type *wp_read_valtype(wp_cx *cx, wp_rd *r, wp_scope *s);
/* One `type` (deftype); returns the new type (added to the scope by caller). */
const wp_comp_type *wp_read_deftype(wp_cx *cx, wp_rd *r, wp_scope *s);
const wp_comp_core_type *wp_read_core_type(wp_cx *cx, wp_rd *r, wp_scope *s);
uint8_t wp_read_core_valtype(wp_cx *cx, wp_rd *r);
/* externtype of an import/export declaration; fills ext->sort/type/module. */
void wp_read_externtype(wp_cx *cx, wp_rd *r, wp_scope *s, wp_comp_extern *ext);
/* nameattributes */
void wp_read_extern_name(wp_cx *cx, wp_rd *r, wp_comp_extern *ext);
/* Validates import/export name syntax (plainname or interfacename). */
void wp_check_extern_name(wp_cx *cx, const wp_comp_extern *ext, const char *what);
/* Adds the extern to the scope's index spaces (import or export decl). */
void wp_declare_extern(wp_cx *cx, wp_scope *s, wp_comp_extern *ext, uint8_t origin,
                       uint32_t item, const uint8_t *at);
/* An alias (definition or declarator); pushes to the scope's space. */
void wp_read_alias(wp_cx *cx, wp_rd *r, wp_scope *s, wp_comp_alias *out,
                   uint32_t item);
void wp_read_canon(wp_cx *cx, wp_rd *r, wp_scope *s, wp_comp_canon *c);

/* Scans a core module's type/import/function/table/memory/global/tag/export
** sections into its interface (the code is left to the core layer). */
void wp_core_module_iface(wp_cx *cx, const uint8_t *p, uint32_t size,
                          wp_comp_core_iface *iface);
/* Core table/memory limits (flags, min, max), checked against the core
** spec's bounds. */
void wp_read_core_limits(wp_cx *cx, wp_rd *r, wp_comp_core_extern *e, int memory);
/* A core module (type)'s imports must be distinct module/name pairs (they
** become distinct names in the component). */
void wp_check_core_imports_unique(wp_cx *cx, const wp_comp_core_iface *m, const uint8_t *at);
/* Compares core extern types: found may be used where expected is required. */
int wp_core_extern_matches(const wp_comp_core_extern *found,
                           const wp_comp_core_extern *expected);
int wp_core_functype_eq(const wp_comp_core_functype *a,
                        const wp_comp_core_functype *b);

/* Decodes a component starting at r (after nothing: preamble included). */
wp_comp *wp_decode_component(wp_cx *cx, wp_rd *r, wp_scope *outer);

/* Canonical ABI facts (abi.c): fills abi_size/align/flat_count/has_* of a
** newly built value type, failing if it is too large. */
void wp_abi_compute(wp_cx *cx, wp_comp_type *t, const uint8_t *at);
/* Core signature of lifting/lowering func type ft (CanonicalABI.md
** flatten_functype): sync, or with the async option (with or without a
** callback when lifting). */
const wp_comp_core_functype *wp_abi_core_sig(wp_cx *cx, const wp_comp_type *ft,
                                             int lower, int is_async, int callback);

/* The core func type a canon definition other than lift produces (NULL for
** the shared-everything thread built-ins, not modelled). */
const wp_comp_core_functype *wp_abi_canon_core_sig(wp_cx *cx, const wp_comp_canon *c);

/* Semantic checks after a component is decoded (validate.c). */
void wp_validate_component(wp_cx *cx, wp_comp *c, wp_scope *s);
/* Duplicate (not strongly-unique) names among n externs. */
void wp_check_unique_externs(wp_cx *cx, const wp_comp_extern *e, uint32_t n,
                             const char *what);

/* [constructor]/[method]/[static] rules of a component or instance type. */
void wp_check_type_annotations(wp_cx *cx, const wp_comp_type *t);
/* The same for a bag of exports, which names no resource (constructors and
** methods are refused). */
void wp_check_bag_annotations(wp_cx *cx, const wp_comp_type *t);

/* Subtyping with an explicit buffer for the reason (typecheck.c). */
int wp_type_sub(const wp_comp_type *found, const wp_comp_type *expected,
                char *why, size_t whylen);

/* A type checker for one instantiation (typecheck.c), in arena memory: the
** abstract resources of serial `serial` (the instantiated component's
** imports) are bound, in order, to what the arguments provide; any other
** resource must be the very same. */
typedef struct wp_tc wp_tc;
wp_tc *wp_tc_new(wp_cx *cx, uint32_t serial);
int wp_tc_extern(wp_tc *tc, const wp_comp_extern *found, const wp_comp_extern *expected,
                 const char *what, char *err, size_t errlen);
/* What resource `r` (a base) was bound to, or NULL. */
const wp_comp_type *wp_tc_binding(const wp_tc *tc, const wp_comp_type *r);

/* ------------------------------------------------------------ resources.c */

/* Fills res_min/res_max of a newly built type from its children. */
void wp_res_facts(wp_comp_type *t);
/* Whether t refers to a resource made outside it (the outer-alias rule). */
int wp_type_has_free_resources(const wp_comp_type *t);
/* The node an import/export of type t under `name` in scope s declares: a
** new name (of serial s) for value types and resources, t itself for func,
** component and instance types. */
const wp_comp_type *wp_type_named(wp_cx *cx, wp_scope *s, const wp_comp_type *t,
                                  wp_comp_str name);
/* A fresh abstract resource made by scope s. */
wp_comp_type *wp_resource_new(wp_cx *cx, wp_scope *s, wp_comp_str name);
/* The type of instantiating component type ct in scope s: ct (imports and
** exports) with its imported names replaced by what given[i] (the argument
** for ct's import i) provides, its imported resources by their bindings in
** `bound`, and its other resources by fresh ones of s (every instance has
** resource types of its own).  Unchanged subgraphs are shared. */
const wp_comp_type *wp_type_instantiate(wp_cx *cx, wp_scope *s, const wp_comp_type *ct,
                                        const wp_comp_extern *const *given, const wp_tc *bound);
/* An instance type imported or exported by scope s gets fresh copies of
** the abstract resources it declares (two imports of one instance type do
** not share resources). */
const wp_comp_type *wp_instance_freshen(wp_cx *cx, wp_scope *s, const wp_comp_type *t);
/* External visibility: an import (is_import) or export `e` just declared in
** s may only refer to types imported/exported by name before it; then its
** named types join the set.  Fails naming the rule. */
void wp_check_visible(wp_cx *cx, wp_scope *s, const wp_comp_extern *e, int is_import);

/* ------------------------------------------------------------ names.c */

/* Indices of n names sorted by name (fold_case: ASCII case-insensitively);
** *dup is set to the index of a later duplicate, or -1. */
uint32_t *wp_sort_names(wp_cx *cx, const wp_comp_str *names, uint32_t n,
                        int fold_case, long *dup);
/* Binary search of sorted order; the index or -1. */
long wp_lookup_name(const wp_comp_str *names, const uint32_t *order, uint32_t n,
                    const char *name, size_t len);
/* Builds import_order/export_order of a component/instance type. */
void wp_index_type(wp_cx *cx, wp_comp_type *t);
/* Builds export_order of a core interface; fails on duplicate export names. */
void wp_index_core_iface(wp_cx *cx, wp_comp_core_iface *m, const uint8_t *at,
                         const char *what);
const wp_comp_core_export *wp_core_iface_export(const wp_comp_core_iface *m,
                                                wp_comp_str name);


#endif
