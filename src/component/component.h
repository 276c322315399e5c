/*
** component.h — the component layer, part one: bytes -> decoded -> validated.
**
** wp_comp_load() turns the bytes of a component (Binary.md of the Component
** Model) into a tree of index spaces and refuses anything that cannot run:
** malformed bytes, out-of-range indices, type mismatches, duplicate names,
** bad canonical options.  Instantiation walks the result.
**
** Ownership: a wp_comp returned by wp_comp_load() belongs to the caller and is
** released with wp_comp_delete().  Everything reachable from it (nested
** components, types, strings) is owned by it.  Strings (wp_comp_str) and core
** module bytes point INTO the caller's input buffer, which therefore must
** outlive the wp_comp.
**
** Types are shared, immutable graphs: every value type reference is resolved
** to a `const wp_comp_type *` at load time (primitive types are static
** constants), so code walking types never has to know which scope an index
** belonged to.  Two references denote the same resource type iff they are the
** same pointer.
*/
#ifndef WASMPLUG_COMPONENT_H
#define WASMPLUG_COMPONENT_H

#include <stddef.h>
#include <stdint.h>

#include "wasmplug.h"     /* wasmplug_ckind_t: the value type kinds */
#include "cabi/layout.h" /* the one layout/flatten rule set (abi.c) */

#ifdef __cplusplus
extern "C" {
#endif

/* A byte string inside the input buffer; not NUL-terminated, valid UTF-8. */
typedef struct wp_comp_str {
  const char *ptr;
  uint32_t len;
} wp_comp_str;

/* ------------------------------------------------------------------ sorts */

/* Every index space a component (or a component/instance type) has.  The
** core sorts come first; their order is not the binary encoding, which is
** mapped by the decoder. */
typedef enum wp_comp_sort {
  WP_COMP_SORT_CORE_FUNC,
  WP_COMP_SORT_CORE_TABLE,
  WP_COMP_SORT_CORE_MEMORY,
  WP_COMP_SORT_CORE_GLOBAL,
  WP_COMP_SORT_CORE_TAG,
  WP_COMP_SORT_CORE_TYPE,
  WP_COMP_SORT_CORE_MODULE,
  WP_COMP_SORT_CORE_INSTANCE,
  WP_COMP_SORT_FUNC,
  WP_COMP_SORT_VALUE,
  WP_COMP_SORT_TYPE,
  WP_COMP_SORT_COMPONENT,
  WP_COMP_SORT_INSTANCE,
  WP_COMP_SORT_COUNT
} wp_comp_sort;

/* "core func", "type", ... as the text format spells the sort. */
const char *wp_comp_sort_name(wp_comp_sort sort);

/* -------------------------------------------------------------- core types */

/* Core value types use their binary encoding (0x7f i32, 0x7e i64, 0x7d f32,
** 0x7c f64, 0x7b v128, 0x70 funcref, 0x6f externref). */
typedef struct wp_comp_core_functype {
  uint32_t nparams, nresults;
  const uint8_t *params, *results;
} wp_comp_core_functype;

/* The embedding API's kind of a core value type byte. */
wasmplug_valkind_t wp_comp_core_valkind(uint8_t valtype);

/* The type of a core import/export. */
typedef enum wp_comp_core_kind {
  WP_COMP_CORE_FUNC = 0,
  WP_COMP_CORE_TABLE = 1,
  WP_COMP_CORE_MEMORY = 2,
  WP_COMP_CORE_GLOBAL = 3,
  WP_COMP_CORE_TAG = 4
} wp_comp_core_kind;

typedef struct wp_comp_core_extern {
  uint8_t kind;                      /* wp_comp_core_kind */
  const wp_comp_core_functype *func; /* FUNC, TAG; NULL = not known */
  uint8_t valtype, mut;              /* GLOBAL; TABLE: valtype = reftype */
  uint8_t has_max, shared, is64;     /* TABLE, MEMORY */
  uint64_t min, max;                 /* TABLE, MEMORY */
} wp_comp_core_extern;

typedef struct wp_comp_core_import {
  wp_comp_str module, name;
  wp_comp_core_extern type;
} wp_comp_core_import;

typedef struct wp_comp_core_export {
  wp_comp_str name;
  wp_comp_core_extern type;
} wp_comp_core_export;

/* The interface of a core module (its imports and exports) or of a core
** instance (exports only). */
typedef struct wp_comp_core_iface {
  uint32_t nimports, nexports;
  wp_comp_core_import *imports;
  wp_comp_core_export *exports;
  const uint32_t *export_order; /* exports sorted by name, for lookups */
} wp_comp_core_iface;

/* An entry of the core type index space. */
typedef struct wp_comp_core_type {
  uint8_t is_module;
  wp_comp_core_functype func;  /* !is_module */
  wp_comp_core_iface module;   /* is_module */
} wp_comp_core_type;

/* --------------------------------------------------------- component types */

/* The value types' kinds are their numbers in THE enumeration of value
** type kinds (wasmplug_ckind_t: WP_COMP_T_<KIND> is WASMPLUG_C_<KIND>);
** the kinds only a decoded component has (map, and the types that are not
** value types) come after every one of those. */
typedef enum wp_comp_type_kind {
  /* primitive value types (static constants, see wp_comp_prim()) */
  WP_COMP_T_BOOL = WASMPLUG_C_BOOL, WP_COMP_T_S8 = WASMPLUG_C_S8, WP_COMP_T_U8 = WASMPLUG_C_U8,
  WP_COMP_T_S16 = WASMPLUG_C_S16, WP_COMP_T_U16 = WASMPLUG_C_U16, WP_COMP_T_S32 = WASMPLUG_C_S32,
  WP_COMP_T_U32 = WASMPLUG_C_U32, WP_COMP_T_S64 = WASMPLUG_C_S64, WP_COMP_T_U64 = WASMPLUG_C_U64,
  WP_COMP_T_F32 = WASMPLUG_C_F32, WP_COMP_T_F64 = WASMPLUG_C_F64, WP_COMP_T_CHAR = WASMPLUG_C_CHAR,
  WP_COMP_T_STRING = WASMPLUG_C_STRING, WP_COMP_T_ERROR_CONTEXT = WASMPLUG_C_ERROR_CONTEXT,
  /* defined value types */
  WP_COMP_T_RECORD = WASMPLUG_C_RECORD,         /* fields[n] */
  WP_COMP_T_VARIANT = WASMPLUG_C_VARIANT,       /* fields[n] = cases, type NULL when no payload */
  WP_COMP_T_LIST = WASMPLUG_C_LIST,             /* elem */
  WP_COMP_T_FIXED_LIST = WASMPLUG_C_FIXED_LIST, /* elem, len */
  WP_COMP_T_TUPLE = WASMPLUG_C_TUPLE,           /* fields[n], names empty */
  WP_COMP_T_FLAGS = WASMPLUG_C_FLAGS,           /* fields[n] = labels, types NULL */
  WP_COMP_T_ENUM = WASMPLUG_C_ENUM,             /* fields[n] = labels, types NULL */
  WP_COMP_T_OPTION = WASMPLUG_C_OPTION,         /* elem */
  WP_COMP_T_RESULT = WASMPLUG_C_RESULT,         /* elem = ok (or NULL), elem2 = error (or NULL) */
  WP_COMP_T_OWN = WASMPLUG_C_OWN,               /* elem = a resource type */
  WP_COMP_T_BORROW = WASMPLUG_C_BORROW,         /* elem = a resource type */
  WP_COMP_T_FUTURE = WASMPLUG_C_FUTURE,         /* elem or NULL */
  WP_COMP_T_STREAM = WASMPLUG_C_STREAM,         /* elem or NULL */
  WP_COMP_T_MAP = 0x40,                         /* elem = key, elem2 = value */
  /* the rest are not value types */
  WP_COMP_T_FUNC,       /* fields[n] = params, elem = result or NULL, is_async */
  WP_COMP_T_COMPONENT,  /* imports, exports */
  WP_COMP_T_INSTANCE,   /* exports */
  WP_COMP_T_RESOURCE    /* a resource: defined here (rep, dtor) or abstract */
} wp_comp_type_kind;

typedef struct wp_comp_type wp_comp_type;
typedef struct wp_comp_extern wp_comp_extern;

typedef struct wp_comp_field {
  wp_comp_str name;
  const wp_comp_type *type; /* NULL: variant case without payload, flag, enum case */
} wp_comp_field;

struct wp_comp_type {
  uint8_t kind;     /* wp_comp_type_kind */
  uint8_t is_async; /* FUNC */
  uint8_t resource_defined; /* RESOURCE: 1 = `(resource (rep i32) ...)` here, 0 = abstract import/export */
  uint8_t has_dtor;         /* RESOURCE defined */
  uint8_t rep;              /* RESOURCE defined: core valtype, always 0x7f */
  uint32_t dtor;            /* RESOURCE defined: core func index */
  uint32_t n;
  wp_comp_field *fields;
  const wp_comp_type *elem, *elem2;
  uint32_t len;             /* FIXED_LIST */
  uint32_t nimports, nexports;  /* COMPONENT (imports+exports), INSTANCE (exports) */
  const wp_comp_extern *imports, *exports;
  /* imports/exports indices sorted by name (byte order), for lookups in
  ** O(log n): hostile components may have very many of them */
  const uint32_t *import_order, *export_order;
  wp_comp_str name;  /* first name this type was imported/exported under ("" if none); printers use it */
  /* Canonical ABI facts, computed once at load (value types only). */
  uint32_t abi_size, abi_align;
  uint32_t abi_size64, abi_align64; /* with 64-bit pointers (size bound only) */
  uint32_t flat_count;       /* number of flat core values (capped at 17) */
  wp_cabi_core_t flat[WP_CABI_FLAT_CAP]; /* the first min(flat_count, 17) flat core types */
  uint8_t has_borrow;        /* transitively contains borrow<..> */
  uint8_t has_string_or_list;/* lifting/lowering needs memory (and realloc) */
  uint8_t has_resource_ref;  /* transitively contains own/borrow */
  /* Resource identity (Explainer.md "Type checking").  RESOURCE: `alias_of`
  ** is the resource this node is another name of (an `(eq ...)` import or a
  ** type export names a resource anew) or NULL; two nodes denote the same
  ** resource iff wp_comp_resource_base() of both is the same pointer.
  ** `serial` numbers the scope (component, component type, instance type)
  ** whose declaration made the resource (or this name of a type):
  ** instantiating that component, or importing that instance type,
  ** replaces every resource of that serial by its argument or a fresh copy
  ** (resources are generative), and its imported type names by the
  ** arguments. */
  const wp_comp_type *alias_of;
  uint32_t serial;
  /* COMPONENT/INSTANCE types with declarations of their own: the serials
  ** of their scope and of every scope nested in it are [scope_lo,
  ** scope_hi); 0 when made by instantiation or from a bag of exports. */
  uint32_t scope_lo, scope_hi;
  /* Lowest and highest serial of the resources reachable from this type,
  ** and of every node with a serial (resources, and the new names an
  ** import/export gives a value type, which also carry the serial of the
  ** scope that declared them); serials start at 1, *_max is 0 when none.
  ** Computed once when the type is built, so that no check has to walk a
  ** (hostile) type graph to learn what it refers to. */
  uint32_t res_min, res_max, decl_min, decl_max;
};

/* The resource a RESOURCE node names (itself unless it is an alias). */
const wp_comp_type *wp_comp_resource_base(const wp_comp_type *t);

/* The export (or import) of a component/instance type named `name`, or NULL. */
const wp_comp_extern *wp_comp_type_export(const wp_comp_type *t, const char *name,
                                          size_t len);
const wp_comp_extern *wp_comp_type_import(const wp_comp_type *t, const char *name,
                                          size_t len);

/* The static constant for a primitive kind (WP_COMP_T_BOOL..ERROR_CONTEXT),
** NULL for any other kind. */
const wp_comp_type *wp_comp_prim(wp_comp_type_kind kind);
/* Whether a kind is a primitive value type's (bool ... string, error-context). */
static inline int wp_comp_kind_is_prim(unsigned kind) {
  return (kind >= WP_COMP_T_BOOL && kind <= WP_COMP_T_STRING) || kind == WP_COMP_T_ERROR_CONTEXT;
}

/* The type of an import or export (`externtype`), with its name. */
struct wp_comp_extern {
  wp_comp_str name;           /* plainname or interfacename (ns:pkg/iface@ver) */
  /* name attributes (nameattributes 0x02); ptr is NULL when absent */
  wp_comp_str implements;     /* (implements "ns:pkg/iface") */
  wp_comp_str version_suffix; /* (versionsuffix "...") */
  wp_comp_str external_id;    /* (external-id "...") */
  uint8_t sort;  /* FUNC, VALUE, TYPE, COMPONENT, INSTANCE or CORE_MODULE */
  uint8_t type_is_sub_resource; /* sort TYPE: `(sub resource)` bound (type is a fresh RESOURCE) */
  const wp_comp_type *type;     /* FUNC/COMPONENT/INSTANCE: that type; VALUE: its value type;
                                   TYPE: the bound type (eq target, or the fresh resource) */
  const wp_comp_core_iface *module; /* CORE_MODULE: the module type */
  const wp_comp_type *declared; /* INSTANCE imports/exports: the type as written (`type`
                                   is its copy with resources of their own) */
  uint32_t offset;              /* where it was declared, for messages */
};

/* ------------------------------------------------------------- definitions */

/* Where an index-space entry comes from. */
typedef enum wp_comp_origin {
  WP_COMP_FROM_IMPORT,        /* item: imports[item] */
  WP_COMP_FROM_ALIAS,         /* item: aliases[item] */
  WP_COMP_FROM_CANON,         /* item: canons[item] */
  WP_COMP_FROM_EXPORT,        /* item: exports[item] (an export re-indexes its target) */
  WP_COMP_FROM_CORE_MODULE,   /* item: core_modules[item] */
  WP_COMP_FROM_CORE_INSTANCE, /* item: core_instances[item] */
  WP_COMP_FROM_CORE_TYPE,     /* item: core_types[item] */
  WP_COMP_FROM_COMPONENT,     /* item: components[item] */
  WP_COMP_FROM_INSTANCE,      /* item: instances[item] */
  WP_COMP_FROM_TYPE,          /* item: types[item] */
  WP_COMP_FROM_START          /* item: the result number of start (values) */
} wp_comp_origin;

/* One entry of an index space.  `type` depends on the sort:
**   CORE_FUNC: const wp_comp_core_functype * (NULL: an async built-in whose
**              signature is not modelled yet)
**   CORE_TABLE/MEMORY/GLOBAL/TAG: const wp_comp_core_extern *
**   CORE_TYPE: const wp_comp_core_type *
**   CORE_MODULE, CORE_INSTANCE: const wp_comp_core_iface *
**   FUNC, TYPE, COMPONENT, INSTANCE: const wp_comp_type *
**   VALUE: const wp_comp_type * (its value type) */
typedef struct wp_comp_def {
  uint8_t origin; /* wp_comp_origin */
  uint32_t item;
  const void *type;
} wp_comp_def;

typedef struct wp_comp_space {
  uint32_t len, cap;
  wp_comp_def *items;
} wp_comp_space;

typedef struct wp_comp_core_module {
  uint32_t offset, size;   /* byte range of the module in the input buffer */
  const uint8_t *bytes;    /* = input + offset */
  wp_comp_core_iface iface;/* its imports and exports, with types */
  /* the core layer's digest of `bytes`, when the validator gave it */
  bool digested;
  uint8_t digest[32];
} wp_comp_core_module;

typedef struct wp_comp_core_arg {
  wp_comp_str name;
  uint32_t instance; /* core instance index */
} wp_comp_core_arg;

typedef struct wp_comp_sortidx {
  wp_comp_str name;
  uint8_t sort;  /* wp_comp_sort */
  uint32_t idx;
} wp_comp_sortidx;

typedef struct wp_comp_core_instance {
  uint8_t is_exports;         /* 0: instantiate module with args, 1: inline exports */
  uint32_t module;            /* instantiate */
  uint32_t nargs;
  wp_comp_core_arg *args;
  uint32_t nexports;          /* inline exports: core sorts only */
  wp_comp_sortidx *exports;
  wp_comp_core_iface iface;   /* the instance's exports, with types */
  uint32_t offset;
} wp_comp_core_instance;

typedef struct wp_comp_instance {
  uint8_t is_exports;         /* 0: instantiate component with args, 1: inline exports */
  uint32_t component;
  uint32_t nargs;
  wp_comp_sortidx *args;      /* (with "name" (sort idx)) */
  uint32_t nexports;
  wp_comp_sortidx *exports;
  const wp_comp_type *type;   /* INSTANCE type of the result */
  uint32_t offset;
} wp_comp_instance;

typedef enum wp_comp_alias_kind {
  WP_COMP_ALIAS_EXPORT = 0,       /* instance export */
  WP_COMP_ALIAS_CORE_EXPORT = 1,  /* core instance export */
  WP_COMP_ALIAS_OUTER = 2
} wp_comp_alias_kind;

typedef struct wp_comp_alias {
  uint8_t sort;   /* wp_comp_sort of the new index */
  uint8_t kind;   /* wp_comp_alias_kind */
  uint32_t instance;  /* EXPORT/CORE_EXPORT */
  wp_comp_str name;   /* EXPORT/CORE_EXPORT */
  uint32_t count, idx;/* OUTER: scopes outward, index there */
  uint32_t offset;
} wp_comp_alias;

typedef struct wp_comp_type_def {
  const wp_comp_type *type;
  uint32_t offset;
} wp_comp_type_def;

/* Canonical definitions; the numbering is the binary opcode (first byte),
** lift and lower included. */
typedef enum wp_comp_canon_op {
  WP_COMP_CANON_LIFT = 0x00, WP_COMP_CANON_LOWER = 0x01,
  WP_COMP_CANON_RESOURCE_NEW = 0x02, WP_COMP_CANON_RESOURCE_DROP = 0x03,
  WP_COMP_CANON_RESOURCE_REP = 0x04,
  WP_COMP_CANON_TASK_CANCEL = 0x05, WP_COMP_CANON_SUBTASK_CANCEL = 0x06,
  WP_COMP_CANON_TASK_RETURN = 0x09, WP_COMP_CANON_CONTEXT_GET = 0x0a,
  WP_COMP_CANON_CONTEXT_SET = 0x0b, WP_COMP_CANON_THREAD_YIELD = 0x0c,
  WP_COMP_CANON_SUBTASK_DROP = 0x0d,
  WP_COMP_CANON_STREAM_NEW = 0x0e, WP_COMP_CANON_STREAM_READ = 0x0f,
  WP_COMP_CANON_STREAM_WRITE = 0x10, WP_COMP_CANON_STREAM_CANCEL_READ = 0x11,
  WP_COMP_CANON_STREAM_CANCEL_WRITE = 0x12,
  WP_COMP_CANON_STREAM_DROP_READABLE = 0x13,
  WP_COMP_CANON_STREAM_DROP_WRITABLE = 0x14,
  WP_COMP_CANON_FUTURE_NEW = 0x15, WP_COMP_CANON_FUTURE_READ = 0x16,
  WP_COMP_CANON_FUTURE_WRITE = 0x17, WP_COMP_CANON_FUTURE_CANCEL_READ = 0x18,
  WP_COMP_CANON_FUTURE_CANCEL_WRITE = 0x19,
  WP_COMP_CANON_FUTURE_DROP_READABLE = 0x1a,
  WP_COMP_CANON_FUTURE_DROP_WRITABLE = 0x1b,
  WP_COMP_CANON_ERROR_CONTEXT_NEW = 0x1c,
  WP_COMP_CANON_ERROR_CONTEXT_DEBUG_MESSAGE = 0x1d,
  WP_COMP_CANON_ERROR_CONTEXT_DROP = 0x1e,
  WP_COMP_CANON_WAITABLE_SET_NEW = 0x1f, WP_COMP_CANON_WAITABLE_SET_WAIT = 0x20,
  WP_COMP_CANON_WAITABLE_SET_POLL = 0x21, WP_COMP_CANON_WAITABLE_SET_DROP = 0x22,
  WP_COMP_CANON_WAITABLE_JOIN = 0x23,
  WP_COMP_CANON_BACKPRESSURE_INC = 0x24, WP_COMP_CANON_BACKPRESSURE_DEC = 0x25,
  WP_COMP_CANON_THREAD_INDEX = 0x26, WP_COMP_CANON_THREAD_NEW_INDIRECT = 0x27,
  WP_COMP_CANON_THREAD_RESUME_LATER = 0x28, WP_COMP_CANON_THREAD_SUSPEND = 0x29,
  WP_COMP_CANON_THREAD_SUSPEND_THEN_RESUME = 0x2a,
  WP_COMP_CANON_THREAD_YIELD_THEN_RESUME = 0x2b,
  WP_COMP_CANON_THREAD_SUSPEND_THEN_PROMOTE = 0x2c,
  WP_COMP_CANON_THREAD_YIELD_THEN_PROMOTE = 0x2d,
  WP_COMP_CANON_THREAD_SPAWN_REF = 0x40,
  WP_COMP_CANON_THREAD_SPAWN_INDIRECT = 0x41,
  WP_COMP_CANON_THREAD_AVAILABLE_PARALLELISM = 0x42
} wp_comp_canon_op;

/* "lift", "resource.new", ... */
const char *wp_comp_canon_name(uint8_t op);

typedef enum wp_comp_string_encoding {
  WP_COMP_UTF8 = 0, WP_COMP_UTF16 = 1, WP_COMP_LATIN1_UTF16 = 2
} wp_comp_string_encoding;

/* Canonical options; absent ones have has_* = 0. */
typedef struct wp_comp_canon_opts {
  uint8_t string_encoding; /* default utf8 */
  uint8_t has_memory, has_realloc, has_post_return, has_callback, has_core_type;
  uint8_t is_async, gc;
  uint32_t memory, realloc, post_return, callback, core_type;
} wp_comp_canon_opts;

typedef struct wp_comp_canon {
  uint8_t op;        /* wp_comp_canon_op */
  uint32_t func;     /* LIFT: core func index; LOWER: func index */
  uint32_t type;     /* LIFT: func type; RESOURCE_*: resource type; STREAM_* / FUTURE_*:
                        stream/future type; THREAD_*: core func type */
  uint32_t table;    /* THREAD_NEW_INDIRECT, THREAD_SPAWN_INDIRECT */
  uint32_t slot;     /* CONTEXT_GET/SET */
  uint8_t core_valtype; /* CONTEXT_GET/SET */
  uint8_t flag;      /* async?/cancellable?/shared? immediates */
  uint8_t has_result;/* TASK_RETURN */
  const wp_comp_type *result; /* TASK_RETURN (NULL if none) */
  const wp_comp_type *functype; /* LIFT: the func type; LOWER: the lowered func's type */
  const wp_comp_type *resource; /* RESOURCE_*: the resource type */
  wp_comp_canon_opts opts;
  uint32_t offset;
} wp_comp_canon;

typedef struct wp_comp_start {
  uint32_t func;
  uint32_t nargs;
  uint32_t *args;   /* value indices */
  uint32_t nresults;
  uint32_t offset;
} wp_comp_start;

typedef struct wp_comp_export {
  wp_comp_extern ext; /* name and attributes; type = the (ascribed or inferred) type */
  uint8_t sort;       /* wp_comp_sort of what is exported */
  uint32_t idx;       /* in that sort's index space */
  uint8_t has_ascription; /* an explicit externtype was given */
} wp_comp_export;

typedef struct wp_comp_custom {
  wp_comp_str name;
  uint32_t offset, size; /* payload range in the input buffer */
} wp_comp_custom;

typedef struct wp_comp_name {
  uint32_t idx;
  wp_comp_str name;
} wp_comp_name;

/* The `component-name` custom section, if present and well-formed (engines
** must not reject a component for a bad name section: it is then ignored). */
typedef struct wp_comp_names {
  uint8_t present;
  wp_comp_str component;        /* "" if absent */
  uint32_t count[WP_COMP_SORT_COUNT];
  wp_comp_name *names[WP_COMP_SORT_COUNT];
} wp_comp_names;

/* What each definition was, in definition order (instantiation replays it). */
typedef enum wp_comp_item_kind {
  WP_COMP_ITEM_CORE_MODULE, WP_COMP_ITEM_CORE_INSTANCE, WP_COMP_ITEM_CORE_TYPE,
  WP_COMP_ITEM_COMPONENT, WP_COMP_ITEM_INSTANCE, WP_COMP_ITEM_ALIAS,
  WP_COMP_ITEM_TYPE, WP_COMP_ITEM_CANON, WP_COMP_ITEM_START,
  WP_COMP_ITEM_IMPORT, WP_COMP_ITEM_EXPORT
} wp_comp_item_kind;

typedef struct wp_comp_item {
  uint8_t kind;  /* wp_comp_item_kind */
  uint32_t index;/* into the matching array below */
} wp_comp_item;

/* Section ids of Binary.md. */
enum {
  WP_COMP_SEC_CUSTOM = 0, WP_COMP_SEC_CORE_MODULE, WP_COMP_SEC_CORE_INSTANCE,
  WP_COMP_SEC_CORE_TYPE, WP_COMP_SEC_COMPONENT, WP_COMP_SEC_INSTANCE,
  WP_COMP_SEC_ALIAS, WP_COMP_SEC_TYPE, WP_COMP_SEC_CANON, WP_COMP_SEC_START,
  WP_COMP_SEC_IMPORT, WP_COMP_SEC_EXPORT, WP_COMP_SEC_VALUE, WP_COMP_SEC_COUNT
};

typedef struct wp_comp wp_comp;
struct wp_comp {
  const wp_comp *parent;       /* enclosing component, NULL at top level */
  uint32_t offset, size;       /* byte range (preamble included) in the input */
  uint32_t section_count[WP_COMP_SEC_COUNT];

  wp_comp_space space[WP_COMP_SORT_COUNT]; /* the index spaces */

  uint32_t ncore_modules, ncore_instances, ncore_types, ncomponents,
      ninstances, naliases, ntypes, ncanons, nstarts, nimports, nexports,
      ncustoms, nitems;
  wp_comp_core_module *core_modules;
  wp_comp_core_instance *core_instances;
  const wp_comp_core_type **core_types;
  wp_comp **components;
  wp_comp_instance *instances;
  wp_comp_alias *aliases;
  wp_comp_type_def *types;
  wp_comp_canon *canons;
  wp_comp_start *starts;
  wp_comp_extern *imports;
  wp_comp_export *exports;
  wp_comp_custom *customs;
  wp_comp_item *items;         /* definition order */
  wp_comp_names names;

  const wp_comp_type *type;    /* this component's COMPONENT type (imports, exports) */
  struct wp_comp_arena *arena; /* owner of everything (top level only) */
};

/* --------------------------------------------------------------- loading */

/* Decodes and validates `bytes` (len bytes) as a component.  `filename` only
** prefixes error messages (NULL: "<memory>").  On success returns 0 and sets
** *out (caller deletes it; `bytes` must outlive it).  On failure returns -1,
** sets *out = NULL, and writes a one-line message into err[errlen], e.g.
**   app.wasm: component section 'type' at offset 0x1a3: unknown defined type tag 0x5f
** Any byte string is safe input. */
int wp_comp_load(const uint8_t *bytes, size_t len, const char *filename,
                 wp_comp **out, char *err, size_t errlen);
/* The same, validating core modules with `validate` (given `ctx`) instead
** of wasmplug_module_validate: the runtime passes one that takes the
** engine's validation tickets (wasmplug_engine_validate_module; this
** layer's standalone builds have no engine).  It may set *digested and
** write the module's digest into `digest` (kept in wp_comp_core_module). */
typedef wasmplug_error_t *wp_comp_validate_fn(void *ctx, const uint8_t *bytes, size_t len, const char *name,
                                              uint8_t digest[32], bool *digested);
int wp_comp_load_with(wp_comp_validate_fn *validate, void *ctx, const uint8_t *bytes, size_t len,
                      const char *filename, wp_comp **out, char *err, size_t errlen);
void wp_comp_delete(wp_comp *comp);

/* 1 if the bytes start like a component (preamble with layer 1), else 0. */
int wp_comp_is_component(const uint8_t *bytes, size_t len);

/* --------------------------------------------------------------- names */

/* Whether an import named `import_name` may be satisfied by something
** exported as `export_name`: wasmplug's one semver rule (src/wit/wit.h,
** wp_wit_semver_name_match): 2 identical, 1 on the same compatibility
** track (either side may be newer), 0 otherwise. */
int wp_comp_name_matches(const char *import_name, size_t ilen,
                         const char *export_name, size_t elen);

/* The index among `names[n]` that best satisfies `import_name`: an exact
** match if any, else the semver-compatible one with the highest version;
** -1 if none. */
long wp_comp_name_best(const char *import_name, size_t ilen,
                       const wp_comp_str *names, size_t n);

/* The parts of an interface name `ns:pkg/iface@1.2.3` (nested namespaces and
** projections stay joined: `a:b:c/d/e` gives namespace "a:b", package "c",
** interface "d/e").  Returns 0 if `name` is an interface name, else -1. */
typedef struct wp_comp_iface_name {
  wp_comp_str namespace_, package, interface, version; /* version "" if none */
} wp_comp_iface_name;
int wp_comp_interface_name(const char *name, size_t len, wp_comp_iface_name *out);

/* --------------------------------------------------------------- types */

/* Whether `found` can be used where `expected` is required (component
** subtyping: e.g. an instance with more exports is a subtype).  Returns 0 if
** so; otherwise -1 and writes the reason (with both types in WIT syntax)
** into err.  `what` names the thing for the message (e.g. "import
** `wasi:io/streams@0.2.6`"). */
int wp_comp_extern_subtype(const wp_comp_extern *found,
                           const wp_comp_extern *expected, const char *what,
                           char *err, size_t errlen);
int wp_comp_type_subtype(const wp_comp_type *found,
                         const wp_comp_type *expected, const char *what,
                         char *err, size_t errlen);

/* A type checker whose resource bindings persist across calls: checking a
** component's imports one by one against what the host provides binds each
** abstract resource the imports declare (`(export "r" (type (sub
** resource)))`) to the provided resource, and later imports that mention
** the same placeholder (through outer aliases) must then agree.  The
** instantiator can ask what a placeholder was bound to, to route handles. */
typedef struct wp_comp_typecheck wp_comp_typecheck;
wp_comp_typecheck *wp_comp_typecheck_new(void);
void wp_comp_typecheck_delete(wp_comp_typecheck *tc);
/* Like wp_comp_extern_subtype, with bindings kept in tc. */
int wp_comp_typecheck_extern(wp_comp_typecheck *tc, const wp_comp_extern *found,
                             const wp_comp_extern *expected, const char *what,
                             char *err, size_t errlen);
/* The resource an abstract placeholder was bound to, or NULL. */
const wp_comp_type *wp_comp_typecheck_binding(const wp_comp_typecheck *tc,
                                              const wp_comp_type *placeholder);

/* Prints a type in WIT syntax into buf[size] (always NUL-terminated, cut
** with "..." when too long); returns the length it wanted (like snprintf).
** Value types print as references (`list<u8>`, a named type by its name),
** functions as `func(a: u32) -> string`, instances as `interface { ... }`,
** components as `world { ... }`, resources as `resource name`. */
size_t wp_comp_type_wit(const wp_comp_type *type, char *buf, size_t size);

/* Like wp_comp_type_wit but always spells a value type out structurally at the
** top (`record { a: u32, b: string }`) instead of by its name. */
size_t wp_comp_type_wit_def(const wp_comp_type *type, char *buf, size_t size);

/* Prints an extern (import/export) as WIT: `import wasi:io/streams@0.2.6;`
** for interfaces with their definition, `export add: func(a: s32) -> s32;`. */
size_t wp_comp_extern_wit(const wp_comp_extern *ext, int is_import, char *buf,
                          size_t size);

/* The same, appended to the tree's buffer (src/core/buf.h) whatever the
** length (printing stops at 64 KiB: hostile type graphs cost bounded time). */
struct wp_buf;
void wp_comp_type_wit_buf(struct wp_buf *b, const wp_comp_type *type, int def);
void wp_comp_extern_wit_buf(struct wp_buf *b, const wp_comp_extern *ext, int is_import);

#ifdef __cplusplus
}
#endif
#endif
