/*
** wit.h — the WIT front end: lexer, parser, resolver, printer, JSON dump.
**
** This is the layer's one public header.  Later layers (canonical ABI,
** component model, bindgen) read the typed representation below directly.
**
** Model (the same as wasm-tools' wit-parser so indices line up with its
** test expectations): a resolve holds flat arrays of packages, interfaces,
** worlds and types.  Everything refers to everything else by index into
** those arrays.  A `wp_wit_type_t` is either a primitive or an index into
** `types`.  Anonymous types (list<u8>, option<t>, own<r>, ...) are type
** definitions with a NULL name and owner WP_WIT_OWNER_NONE.
**
** Ownership: wp_wit_resolve_new() returns an empty resolve; the push
** functions add packages to it; wp_wit_resolve_delete() frees it and every
** string and array reachable from it.  Nothing inside may be freed by the
** caller.  Errors are returned as heap-allocated wp_wit_error_t values that
** the caller frees with wp_wit_error_delete().  After a failed push the
** resolve must only be deleted (like wit-parser, it may be half-updated).
**
** Typical use:
**
**   wp_wit_resolve_t *r = wp_wit_resolve_new();
**   wp_wit_error_t *err;
**   uint32_t pkg;
**   if (wp_wit_push_path(r, "wit/", &pkg, &err)) {
**     fprintf(stderr, "%s\n", err->rendered);   // FILE:LINE:COL, line, caret
**     wp_wit_error_delete(err);
**   } else {
**     uint32_t w = wp_wit_find_world(r, pkg, "my-world");
**     for (uint32_t i = 0; i < r->worlds[w].n_imports; i++) ...
**   }
**   wp_wit_resolve_delete(r);
**
** Things worth knowing when walking the structure:
**   - Resources are WP_WIT_DEF_RESOURCE types; every by-value use of a
**     resource in a signature or a structure is an anonymous
**     WP_WIT_DEF_HANDLE (borrow = 0) type, exactly one per resource.
**   - Methods take `self: borrow<r>` as their first parameter; a
**     constructor's result is `own<r>` or `result<own<r>, E>`.
**   - `use` creates an ALIAS type owned by the using interface/world that
**     points at the original; wp_wit_type_unalias() follows such chains.
**   - World imports are elaborated (every interface an import or export
**     needs is listed, dependencies first); `include`s are merged.
*/
#ifndef WASMPLUG_WIT_H
#define WASMPLUG_WIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasmplug.h" /* wasmplug_ckind_t: the value type kinds */

#define WP_WIT_NONE UINT32_MAX /* "no index" */

/* Byte range in the resolve's concatenated sources; WP_WIT_NONE if unknown. */
typedef struct {
  uint32_t start, end;
} wp_wit_span_t;

/* A type reference: a primitive, whose kind is its number in THE
** enumeration of value type kinds (wasmplug_ckind_t: WP_WIT_T_<KIND> is
** WASMPLUG_C_<KIND>), or a defined type (WP_WIT_T_ID). */
typedef enum {
  WP_WIT_T_NONE = 0, /* absent (e.g. `result<_, E>` ok, no function result) */
  WP_WIT_T_BOOL = WASMPLUG_C_BOOL,
  WP_WIT_T_U8 = WASMPLUG_C_U8,
  WP_WIT_T_U16 = WASMPLUG_C_U16,
  WP_WIT_T_U32 = WASMPLUG_C_U32,
  WP_WIT_T_U64 = WASMPLUG_C_U64,
  WP_WIT_T_S8 = WASMPLUG_C_S8,
  WP_WIT_T_S16 = WASMPLUG_C_S16,
  WP_WIT_T_S32 = WASMPLUG_C_S32,
  WP_WIT_T_S64 = WASMPLUG_C_S64,
  WP_WIT_T_F32 = WASMPLUG_C_F32,
  WP_WIT_T_F64 = WASMPLUG_C_F64,
  WP_WIT_T_CHAR = WASMPLUG_C_CHAR,
  WP_WIT_T_STRING = WASMPLUG_C_STRING,
  WP_WIT_T_ERROR_CONTEXT = WASMPLUG_C_ERROR_CONTEXT,
  WP_WIT_T_ID = 0x40 /* `id` indexes wp_wit_resolve_t.types (past every wasmplug_ckind_t) */
} wp_wit_type_kind_t;

typedef struct {
  wp_wit_type_kind_t kind;
  uint32_t id; /* valid when kind == WP_WIT_T_ID */
} wp_wit_type_t;

typedef enum {
  WP_WIT_STABILITY_UNKNOWN = 0,
  WP_WIT_STABILITY_STABLE,   /* @since(version = X) */
  WP_WIT_STABILITY_UNSTABLE  /* @unstable(feature = F) */
} wp_wit_stability_kind_t;

typedef struct {
  wp_wit_stability_kind_t kind;
  const char *since;      /* STABLE: version text */
  const char *feature;    /* UNSTABLE: feature name */
  const char *deprecated; /* optional @deprecated version, else NULL */
} wp_wit_stability_t;

/* What a defined type is.  A value type kind of wasmplug_ckind_t is that
** kind (WP_WIT_DEF_<KIND> = WASMPLUG_C_<KIND>: the one enumeration of value
** type kinds; install.one_concept checks it); what only WIT has comes after
** every wasmplug_ckind_t. */
typedef enum {
  WP_WIT_DEF_ALIAS = 0,                          /* type a = T            (type)              */
  WP_WIT_DEF_RECORD = WASMPLUG_C_RECORD,         /* fields                                    */
  WP_WIT_DEF_FLAGS = WASMPLUG_C_FLAGS,           /* fields (names only)                       */
  WP_WIT_DEF_TUPLE = WASMPLUG_C_TUPLE,           /* types                                     */
  WP_WIT_DEF_VARIANT = WASMPLUG_C_VARIANT,       /* fields (type may be NONE)                 */
  WP_WIT_DEF_ENUM = WASMPLUG_C_ENUM,             /* fields (names only)                       */
  WP_WIT_DEF_OPTION = WASMPLUG_C_OPTION,         /* type                                      */
  WP_WIT_DEF_RESULT = WASMPLUG_C_RESULT,         /* type = ok, type2 = err (either NONE)      */
  WP_WIT_DEF_LIST = WASMPLUG_C_LIST,             /* type                                      */
  WP_WIT_DEF_FIXED_LIST = WASMPLUG_C_FIXED_LIST, /* type, size                                */
  WP_WIT_DEF_FUTURE = WASMPLUG_C_FUTURE,         /* type (may be NONE)                        */
  WP_WIT_DEF_STREAM = WASMPLUG_C_STREAM,         /* type (may be NONE)                        */
  /* own<R> (WASMPLUG_C_OWN), or borrow<R> (WASMPLUG_C_BORROW) when `borrow`
  ** is set: one definition kind for both, as WIT resolves them together */
  WP_WIT_DEF_HANDLE = WASMPLUG_C_OWN,            /* (resource, borrow)                        */
  WP_WIT_DEF_MAP = 0x40,                         /* type = key, type2 = value                 */
  WP_WIT_DEF_RESOURCE,                           /* methods live in the owner's functions     */
  WP_WIT_DEF_UNKNOWN                             /* internal: foreign type not yet resolved   */
} wp_wit_def_kind_t;

typedef enum {
  WP_WIT_OWNER_NONE = 0,
  WP_WIT_OWNER_INTERFACE,
  WP_WIT_OWNER_WORLD
} wp_wit_owner_kind_t;

/* A record field, variant case, enum case or flag. */
typedef struct {
  const char *name;
  wp_wit_type_t type; /* NONE for flags, enum cases and payload-less cases */
  const char *docs;   /* NULL if none */
  wp_wit_span_t span;
} wp_wit_field_t;

typedef struct {
  const char *name; /* NULL for anonymous types */
  wp_wit_def_kind_t kind;
  wp_wit_type_t type, type2;
  uint32_t size;     /* FIXED_LIST length */
  uint32_t resource; /* HANDLE: the resource type's index */
  int borrow;        /* HANDLE: 1 for borrow<R>, 0 for own<R> */
  wp_wit_field_t *fields;
  uint32_t n_fields;
  wp_wit_type_t *types; /* TUPLE elements */
  uint32_t n_types;
  wp_wit_owner_kind_t owner_kind;
  uint32_t owner; /* interface or world index */
  const char *docs;
  wp_wit_stability_t stability;
  const char *external_id;
  wp_wit_span_t span;
} wp_wit_typedef_t;

typedef enum {
  WP_WIT_FUNC_FREESTANDING = 0,
  WP_WIT_FUNC_ASYNC_FREESTANDING,
  WP_WIT_FUNC_METHOD,
  WP_WIT_FUNC_ASYNC_METHOD,
  WP_WIT_FUNC_STATIC,
  WP_WIT_FUNC_ASYNC_STATIC,
  WP_WIT_FUNC_CONSTRUCTOR
} wp_wit_func_kind_t;

typedef struct {
  const char *name;
  wp_wit_type_t type;
  wp_wit_span_t span;
} wp_wit_param_t;

typedef struct {
  /* Mangled the way the component model names them: "f",
     "[method]r.m", "[static]r.s", "[constructor]r". */
  const char *name;
  wp_wit_func_kind_t kind;
  uint32_t resource; /* the resource type for methods/statics/constructors */
  wp_wit_param_t *params; /* methods start with `self: borrow<r>` */
  uint32_t n_params;
  wp_wit_type_t result; /* NONE when the function returns nothing */
  const char *docs;
  wp_wit_stability_t stability;
  const char *external_id;
  wp_wit_span_t span;
} wp_wit_function_t;

/* An ordered name -> index map entry. */
typedef struct {
  const char *name;
  uint32_t id;
} wp_wit_entry_t;

typedef struct {
  const char *name; /* NULL for `import x: interface { ... }` */
  wp_wit_entry_t *types;
  uint32_t n_types;
  wp_wit_function_t *funcs;
  uint32_t n_funcs;
  const char *docs;
  wp_wit_stability_t stability;
  uint32_t package; /* WP_WIT_NONE for anonymous world interfaces */
  uint32_t clone_of; /* WP_WIT_NONE unless copied by `include` */
  wp_wit_span_t span;
} wp_wit_interface_t;

typedef enum {
  WP_WIT_ITEM_INTERFACE = 0,
  WP_WIT_ITEM_FUNCTION,
  WP_WIT_ITEM_TYPE
} wp_wit_item_kind_t;

typedef struct {
  /* Key: a kebab name, or (name == NULL) the interface `id` itself. */
  const char *name;
  wp_wit_item_kind_t kind;
  uint32_t id; /* INTERFACE: interface index; TYPE: type index */
  wp_wit_function_t func; /* FUNCTION */
  wp_wit_stability_t stability; /* INTERFACE */
  const char *docs;             /* INTERFACE */
  const char *external_id;      /* INTERFACE */
  wp_wit_span_t span;
} wp_wit_world_item_t;

struct wp_wit_include; /* internal: pending `include`s before elaboration */

typedef struct {
  const char *name;
  /* Fully elaborated: imports list every interface the exports and
     imports need, interfaces first, then types, then functions. */
  wp_wit_world_item_t *imports;
  uint32_t n_imports;
  wp_wit_world_item_t *exports;
  uint32_t n_exports;
  uint32_t package;
  const char *docs;
  wp_wit_stability_t stability;
  struct wp_wit_include *includes; /* internal */
  uint32_t n_includes;             /* internal */
  wp_wit_span_t span;
} wp_wit_world_t;

typedef struct {
  const char *ns, *name;
  const char *version; /* NULL if unversioned */
} wp_wit_package_name_t;

/* ---- semantic versions and versioned names (version.c) ----
** One rule for every linking path of wasmplug (the component linker,
** native plugin binding, wasm plugin composition), Wasmtime's (its
** component linker, names.rs): an import "prefix@X.Y.Z" is satisfied by a
** definition of the same prefix on the same compatibility track — the same
** major when major >= 1, the same 0.minor when major is 0 and minor >= 1 —
** whichever side is newer; 0.0.z versions and pre-releases match only
** themselves; build metadata is ignored.  Types are checked afterwards, so
** an older provider lacking what the import needs is refused there,
** naming what is missing.  Among several definitions on a track the
** newest is used. */
typedef struct wp_wit_semver {
  uint64_t major, minor, patch;
  bool pre; /* has a pre-release part */
} wp_wit_semver_t;
/* Parses s[0..n) (semver 2.0, strictly); 0, or -1 with a static reason in
** *why (which may be NULL). */
int wp_wit_semver_parse(const char *s, size_t n, wp_wit_semver_t *v, const char **why);
/* Precedence by major, minor, patch; a pre-release before its release. */
int wp_wit_semver_cmp(const wp_wit_semver_t *a, const wp_wit_semver_t *b);
/* 2 when the names are identical, 1 when they match by the rule above, 0
** otherwise (unversioned names match only themselves). */
int wp_wit_semver_name_match(const char *a, size_t alen, const char *b, size_t blen);

typedef struct {
  wp_wit_package_name_t name;
  const char *docs;
  wp_wit_entry_t *interfaces;
  uint32_t n_interfaces;
  wp_wit_entry_t *worlds;
  uint32_t n_worlds;
} wp_wit_package_t;

struct wp_wit_arena;
struct wp_wit_source;

typedef struct wp_wit_resolve {
  wp_wit_package_t *packages;
  uint32_t n_packages;
  wp_wit_interface_t *interfaces;
  uint32_t n_interfaces;
  wp_wit_world_t *worlds;
  uint32_t n_worlds;
  wp_wit_typedef_t *types; /* topologically sorted: deps come first */
  uint32_t n_types;

  /* Features enabled for @unstable items (see wp_wit_resolve_feature). */
  const char **features;
  uint32_t n_features;
  int all_features;

  /* internal */
  struct wp_wit_arena *arena;
  struct wp_wit_source *sources;
  uint32_t n_sources;
  uint32_t source_end;
} wp_wit_resolve_t;

/* An error: `message` is one line, "FILE:LINE:COL: what" when the place is
   known; `rendered` adds the offending source line and a caret. */
typedef struct {
  char *message;
  char *rendered;
  char *file; /* NULL if no location */
  uint32_t line, col; /* 1-based; 0 if unknown */
  bool io;            /* a file or directory could not be read (else the text is wrong) */
} wp_wit_error_t;

wp_wit_resolve_t *wp_wit_resolve_new(void); /* NULL on out of memory */
void wp_wit_resolve_delete(wp_wit_resolve_t *r);
void wp_wit_error_delete(wp_wit_error_t *e);

/* Enables @unstable(feature = NAME) items.  Returns 0, or -1 on OOM. */
int wp_wit_resolve_feature(wp_wit_resolve_t *r, const char *name);

/* Each push returns 0 and stores the main package's index in *pkg (may be
   NULL), or returns -1 and stores a new error in *err.
   - push_str: one WIT document (may hold nested `package x { }` blocks);
     `path` is only used in messages.
   - push_file: a .wit file.
   - push_dir: a directory of .wit files forming one package, with
     dependencies in DIR/deps/ (each a .wit file or a directory).
   - push_path: push_dir or push_file depending on what PATH is. */
int wp_wit_push_str(wp_wit_resolve_t *r, const char *path, const char *src,
                    size_t len, uint32_t *pkg, wp_wit_error_t **err);
int wp_wit_push_file(wp_wit_resolve_t *r, const char *path, uint32_t *pkg,
                     wp_wit_error_t **err);
int wp_wit_push_dir(wp_wit_resolve_t *r, const char *path, uint32_t *pkg,
                    wp_wit_error_t **err);
int wp_wit_push_path(wp_wit_resolve_t *r, const char *path, uint32_t *pkg,
                     wp_wit_error_t **err);

/* The resolve as JSON in wit-parser's shape (worlds, interfaces, types,
   packages).  Returns a malloc'd NUL-terminated string, NULL on OOM. */
char *wp_wit_to_json(const wp_wit_resolve_t *r);

/* Prints packages as canonical WIT.  wp_wit_print_package prints one
   package (`package a:b;` header, foreign references fully qualified);
   wp_wit_print prints package `main` with every other package of the
   resolve as nested `package x { ... }` blocks so that the text parses
   back to the same resolve.  malloc'd string, NULL on OOM. */
char *wp_wit_print_package(const wp_wit_resolve_t *r, uint32_t pkg);
char *wp_wit_print(const wp_wit_resolve_t *r, uint32_t main);
/* Whether s[0..n) is a WIT keyword (printed as an identifier, it takes a
   `%`): the lexer's one keyword list. */
bool wp_wit_is_keyword(const char *s, size_t n);

/* Helpers for consumers. */
const char *wp_wit_prim_name(wp_wit_type_kind_t k); /* "u32", ... */
/* Follows aliases (`type a = b`) to the defining type; returns its index. */
uint32_t wp_wit_type_unalias(const wp_wit_resolve_t *r, uint32_t id);
/* Finds a world by "name" in package `pkg`; WP_WIT_NONE if absent. */
uint32_t wp_wit_find_world(const wp_wit_resolve_t *r, uint32_t pkg,
                           const char *name);
/* "ns:name/iface@ver" for named interfaces, NULL for anonymous ones.
   malloc'd. */
char *wp_wit_interface_id(const wp_wit_resolve_t *r, uint32_t iface);

#endif
