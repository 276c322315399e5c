/*
** wit.h — WIT types (src/wit) to canonical ABI type descriptors (src/cabi),
** memoized per WIT type index (wit.c).
**
** The one place a WIT type gets its canonical ABI facts (layout,
** flattening): native plugins bind their functions with it, isolated
** plugins describe their wire types with it, and bindgen asks it how a
** type flattens.  Resource types are made through a hook (a native plugin
** binds each to its destructor); without one they are plain named
** resources.
*/
#ifndef WASMPLUG_CABI_WIT_H
#define WASMPLUG_CABI_WIT_H

#include "cabi/cabi.h"
#include "wit/wit.h"

typedef struct wp_wit_cabi wp_wit_cabi_t;
typedef struct wp_wit_cabi_resource_hook {
  /* Makes the cabi resource type for WIT resource type `id`; NULL `make`:
  ** a resource named after the WIT type, without destructor. */
  const wp_cabi_resource_t *(*make)(void *ctx, wp_cabi_types_t *types, const wp_wit_resolve_t *r, uint32_t id);
  void *ctx;
} wp_wit_cabi_resource_hook_t;

wp_wit_cabi_t *wp_wit_cabi_new(const wp_wit_resolve_t *r, wp_wit_cabi_resource_hook_t hook);
void wp_wit_cabi_delete(wp_wit_cabi_t *c);
/* NULL on error (*err set); also NULL, without error, for WP_WIT_T_NONE. */
const wp_cabi_type_t *wp_wit_cabi_type(wp_wit_cabi_t *c, wp_wit_type_t t, wasmplug_error_t **err);
/* The resource type for WIT resource type index `id` (memoized). */
const wp_cabi_resource_t *wp_wit_cabi_resource(wp_wit_cabi_t *c, uint32_t id, wasmplug_error_t **err);
/* Builds the cabi function of a WIT function; arrays live in c. */
wasmplug_error_t *wp_wit_cabi_func(wp_wit_cabi_t *c, const wp_wit_function_t *f, const wp_cabi_func_t **out);

/* A WIT type as text ("list<u8>", "own<file>") and a WIT function's
** signature ("f: func(a: u32) -> string"), for messages (malloc'd). */
char *wp_cabi_wit_type_text(const wp_wit_resolve_t *r, wp_wit_type_t t);
char *wp_cabi_wit_func_text(const wp_wit_resolve_t *r, const wp_wit_function_t *f);

#endif
