/*
** public.c — the component value and type API of wasmplug.h: the
** canonical ABI layer's value trees and type builders under public names.
** (The structs are the same: wp_cabi_val_t is wasmplug_cval_t.)
*/
#include <stdlib.h>

#include "cabi/cabi.h"

void wasmplug_cval_drop(wasmplug_cval_t *v) { wp_cabi_val_drop(v); }

wasmplug_ctypes_t *wasmplug_ctypes_new(void) { return wp_cabi_types_new(); }
void wasmplug_ctypes_delete(wasmplug_ctypes_t *t) { wp_cabi_types_delete(t); }
wasmplug_error_t *wasmplug_ctypes_error(const wasmplug_ctypes_t *t) {
  const char *why = wp_cabi_types_error(t);
  return why && *why ? wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "%s", why) : NULL;
}

const wasmplug_ctype_t *wasmplug_ctype_prim(wasmplug_ctypes_t *t, wasmplug_ckind_t k) { return wp_cabi_type_prim(t, k); }
const wasmplug_ctype_t *wasmplug_ctype_list(wasmplug_ctypes_t *t, const wasmplug_ctype_t *e) {
  return wp_cabi_type_list(t, e);
}
const wasmplug_ctype_t *wasmplug_ctype_record(wasmplug_ctypes_t *t, size_t n, const char *const *names,
                                              const wasmplug_ctype_t *const *fields) {
  return wp_cabi_type_record(t, n, names, fields);
}
const wasmplug_ctype_t *wasmplug_ctype_tuple(wasmplug_ctypes_t *t, size_t n, const wasmplug_ctype_t *const *fields) {
  return wp_cabi_type_tuple(t, n, fields);
}
const wasmplug_ctype_t *wasmplug_ctype_variant(wasmplug_ctypes_t *t, size_t n, const char *const *names,
                                               const wasmplug_ctype_t *const *payloads) {
  return wp_cabi_type_variant(t, n, names, payloads);
}
const wasmplug_ctype_t *wasmplug_ctype_enum(wasmplug_ctypes_t *t, size_t n, const char *const *names) {
  return wp_cabi_type_enum(t, n, names);
}
const wasmplug_ctype_t *wasmplug_ctype_option(wasmplug_ctypes_t *t, const wasmplug_ctype_t *some) {
  return wp_cabi_type_option(t, some);
}
const wasmplug_ctype_t *wasmplug_ctype_result(wasmplug_ctypes_t *t, const wasmplug_ctype_t *ok,
                                              const wasmplug_ctype_t *err) {
  return wp_cabi_type_result(t, ok, err);
}
const wasmplug_ctype_t *wasmplug_ctype_flags(wasmplug_ctypes_t *t, size_t n, const char *const *names) {
  return wp_cabi_type_flags(t, n, names);
}
const wasmplug_ctype_t *wasmplug_ctype_own(wasmplug_ctypes_t *t, const wasmplug_cresource_t *r) {
  return wp_cabi_type_own(t, r);
}
const wasmplug_ctype_t *wasmplug_ctype_borrow(wasmplug_ctypes_t *t, const wasmplug_cresource_t *r) {
  return wp_cabi_type_borrow(t, r);
}
wasmplug_ckind_t wasmplug_ctype_kind(const wasmplug_ctype_t *ty) { return ty->kind; }
size_t wasmplug_ctype_print(const wasmplug_ctype_t *ty, char *buf, size_t cap) { return wp_cabi_type_print(ty, buf, cap); }

/* The public destructor shape over the layer's (which may report an error). */
typedef struct dtor_adapter {
  void (*dtor)(void *ctx, uint32_t rep);
  void *ctx;
} dtor_adapter;

static wp_cabi_error_t *run_dtor(void *ctx, uint32_t rep) {
  dtor_adapter *a = ctx;
  a->dtor(a->ctx, rep);
  return NULL;
}

const wasmplug_cresource_t *wasmplug_cresource_new(wasmplug_ctypes_t *t, const char *name,
                                                   void (*dtor)(void *ctx, uint32_t rep), void *ctx) {
  if (!dtor) return wp_cabi_resource_type(t, name, NULL, NULL, NULL);
  dtor_adapter *a = wp_cabi_types_alloc(t, sizeof *a); /* lives as long as the types */
  if (!a) return NULL;
  *a = (dtor_adapter){dtor, ctx};
  return wp_cabi_resource_type(t, name, NULL, run_dtor, a);
}

const char *wasmplug_cresource_name(const wasmplug_cresource_t *r) { return wp_cabi_resource_name(r); }

char *wasmplug_cval_to_wave(const wasmplug_ctype_t *ty, const wasmplug_cval_t *v) {
  char *out = NULL;
  wp_cabi_error_t *e = wp_cabi_wave_print(ty, v, &out);
  if (e) {
    wp_cabi_error_delete(e);
    free(out);
    return NULL;
  }
  return out;
}
