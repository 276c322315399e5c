/*
** internal.h — shared by the bindgen files: a growable text buffer, the
** generation context (which WIT items are generated and every C name) and
** the helpers each side uses.
*/
#ifndef WASMPLUG_BINDGEN_INTERNAL_H
#define WASMPLUG_BINDGEN_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "bindgen/bindgen.h"
#include "wit/wit.h"

/* ---- text: the tree's buffer (src/core/buf.h), helpers in buf.c ---- */
#include "core/buf.h"
/* Appends s as the body of a C string literal (escaped, split in lines). */
void bg_c_literal(wp_buf_t *b, const char *s);
/* malloc'd snake_case of a kebab name ("list-keys" -> "list_keys"). */
char *bg_snake(const char *kebab);
char *bg_strdup(const char *s);
char *bg_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The C name of a map type's entry struct: "x_t" -> "x_entry_t" (malloc'd). */
char *bg_map_entry_name(const char *tname);

/* ---- generation context (model.c) ---- */

/* One WIT function to generate, with where it lives. */
typedef struct {
  const wp_wit_function_t *f;
  uint32_t iface;      /* WP_WIT_NONE: world-level function */
  const char *module;  /* "ns:pkg/iface@ver" or "$root" */
  char *cname;         /* "<iface>_<method_r_m>" (no exports_ prefix) */
  bool is_export;      /* guest side: implemented by the guest */
  bool is_async;       /* an `async func` (plugin side: may complete later) */
} bg_func_t;

typedef struct {
  const wp_wit_resolve_t *r;
  const wp_bindgen_opts_t *o;
  uint32_t pkg, world; /* world: WP_WIT_NONE if none */
  char *prefix;        /* e.g. "wasi_keyvalue" */
  char **tname;        /* per type id: C type name ("x_t"), NULL if unused */
  bool *needed;        /* per type id */
  bool *emitted;       /* per type id (anonymous types share names) */
  char **ifprefix;     /* per interface: "ns_pkg_iface" (or prefix_name) */
  bool *impl;          /* per interface: this side implements it */
  bg_func_t *funcs;
  uint32_t nfuncs;
  bool has_async;      /* some function is async: the cancel hook is generated */
  bool needs_async_abi; /* ... or has streams, futures, error contexts: min_host_minor 3 */
  /* resources implemented on this side: plugin side (type ids) */
  uint32_t *res;
  uint32_t nres;
  /* the first error (malloc'd); generation stops at it */
  char *err;
  /* canonical ABI descriptors of the WIT types, made on first use (flat.c) */
  struct wp_wit_cabi *conv;
  /* anonymous type dedup: key -> name */
  char **dedup_key, **dedup_name;
  uint32_t ndedup, capdedup;
} bg_t;

/* Fills the model (which functions, types and names).  0 or -1 (g->err). */
int bg_model(bg_t *g);
void bg_model_free(bg_t *g);
void bg_fail(bg_t *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A C identifier for a kebab name (C keywords get a trailing _). */
char *bg_ident(const char *kebab);
/* The same for function parameters, which also avoid the wrappers' own
** local names (ret, cx, p, f0...). */
char *bg_param(const char *kebab);
/* The C type of a WIT type reference ("uint32_t", "wasi_kv_string_t"). */
const char *bg_ctype(bg_t *g, wp_wit_type_t t);
/* The defining type behind aliases; for a primitive alias target returns
** WP_WIT_NONE and stores the primitive in *prim. */
const wp_wit_typedef_t *bg_def(bg_t *g, wp_wit_type_t t, wp_wit_type_kind_t *prim);
/* True when a value of t is passed by value to a prototype (scalars,
** enums, flags, handles); compound values go by const pointer. */
bool bg_by_value(bg_t *g, wp_wit_type_t t);
/* Whether t holds strings/lists (guest: needs a _free), or own handles. */
bool bg_has_pointers(bg_t *g, wp_wit_type_t t);
bool bg_has_own(bg_t *g, wp_wit_type_t t);

/* Emits every needed type definition into h (types.c).  Guest bindings
** also get _free helper prototypes in h and bodies in c. */
void bg_emit_types(bg_t *g, wp_buf_t *h, wp_buf_t *c);
/* The free helper's name for a type that has one ("x_free"). */
char *bg_free_name(bg_t *g, wp_wit_type_t t);

/* The two sides (plugin.c, guest.c). */
void bg_emit_plugin(bg_t *g, wp_buf_t *h, wp_buf_t *c);
void bg_emit_guest(bg_t *g, wp_buf_t *h, wp_buf_t *c);
/* <prefix>_stubs.c (WP_BINDGEN_STUBS): what the author implements. */
void bg_emit_plugin_stubs(bg_t *g, wp_buf_t *s);
void bg_emit_guest_stubs(bg_t *g, wp_buf_t *s);

#endif
