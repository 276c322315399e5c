/*
** types.c — ffi type descriptions: the 21 primitive types of wasi:dl/ffi
** (their C sizes and libffi types on this platform) and structs built
** from them, laid out by libffi itself (ffi_get_struct_offsets) so that
** what we read and write matches what ffi_call passes.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl/internal.h"

typedef struct {
  const char *name;
  dl_class_t cls;
  size_t size;
  ffi_type *ffi;
} prim_info_t;

/* Indexed by WASI_DL_FFI_PRIMITIVE_TYPE_*.  long long has no libffi type of
** its own: it is a 64-bit integer on every platform libffi supports. */
static const prim_info_t *info(uint8_t prim) {
  static const prim_info_t table[] = {
      {"c-schar", DL_SIGNED, sizeof(signed char), &ffi_type_schar},
      {"c-uchar", DL_UNSIGNED, sizeof(unsigned char), &ffi_type_uchar},
      {"c-short", DL_SIGNED, sizeof(short), &ffi_type_sshort},
      {"c-ushort", DL_UNSIGNED, sizeof(unsigned short), &ffi_type_ushort},
      {"c-int", DL_SIGNED, sizeof(int), &ffi_type_sint},
      {"c-uint", DL_UNSIGNED, sizeof(unsigned), &ffi_type_uint},
      {"c-long", DL_SIGNED, sizeof(long), &ffi_type_slong},
      {"c-ulong", DL_UNSIGNED, sizeof(unsigned long), &ffi_type_ulong},
      {"c-long-long", DL_SIGNED, sizeof(long long), &ffi_type_sint64},
      {"c-ulong-long", DL_UNSIGNED, sizeof(unsigned long long), &ffi_type_uint64},
      {"c-float", DL_FLOAT, sizeof(float), &ffi_type_float},
      {"c-double", DL_FLOAT, sizeof(double), &ffi_type_double},
      {"int8-t", DL_SIGNED, 1, &ffi_type_sint8},
      {"int16-t", DL_SIGNED, 2, &ffi_type_sint16},
      {"int32-t", DL_SIGNED, 4, &ffi_type_sint32},
      {"int64-t", DL_SIGNED, 8, &ffi_type_sint64},
      {"uint8-t", DL_UNSIGNED, 1, &ffi_type_uint8},
      {"uint16-t", DL_UNSIGNED, 2, &ffi_type_uint16},
      {"uint32-t", DL_UNSIGNED, 4, &ffi_type_uint32},
      {"uint64-t", DL_UNSIGNED, 8, &ffi_type_uint64},
      {"pointer", DL_POINTER, sizeof(void *), &ffi_type_pointer},
  };
  _Static_assert(sizeof table / sizeof table[0] == WASI_DL_FFI_PRIMITIVE_TYPE_POINTER + 1,
                 "one entry per primitive-type case");
  _Static_assert(sizeof(long long) == 8, "c-long-long is passed as a 64-bit integer");
  return prim < sizeof table / sizeof table[0] ? &table[prim] : NULL;
}

bool dl_prim_valid(uint8_t prim) { return info(prim) != NULL; }
dl_class_t dl_prim_class(uint8_t prim) { return info(prim)->cls; }
size_t dl_prim_size(uint8_t prim) { return info(prim)->size; }
const char *dl_prim_name(uint8_t prim) { return info(prim) ? info(prim)->name : "(invalid)"; }
ffi_type *dl_prim_ffi(uint8_t prim) { return info(prim)->ffi; }

dl_type_t *dl_type_prim(uint8_t prim) {
  if (!dl_prim_valid(prim)) return NULL;
  dl_type_t *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->refs = 1;
  t->prim = prim;
  t->size = t->align = dl_prim_size(prim);
  t->depth = 1;
  return t;
}

dl_type_t *dl_type_ref(dl_type_t *t) {
  if (t) t->refs++;
  return t;
}

void dl_type_unref(dl_type_t *t) {
  if (!t || --t->refs) return;
  for (uint32_t i = 0; i < t->nfields; i++) dl_type_unref(t->fields[i]);
  free(t->fields);
  free(t->offsets);
  free(t->elems);
  free(t);
}

ffi_type *dl_type_ffi(dl_type_t *t) { return t->is_struct ? &t->ffi : dl_prim_ffi(t->prim); }

dl_type_t *dl_type_struct(dl_type_t *const *fields, uint32_t n, char *err, size_t cap) {
  if (n == 0) return snprintf(err, cap, "a struct-type needs at least one field (C has no empty structs)"), NULL;
  if (n > DL_MAX_FIELDS)
    return snprintf(err, cap, "a struct-type has %u fields (at most %d)", n, DL_MAX_FIELDS), NULL;
  uint32_t depth = 0;
  for (uint32_t i = 0; i < n; i++)
    if (fields[i]->depth > depth) depth = fields[i]->depth;
  if (depth + 1 > DL_MAX_DEPTH)
    return snprintf(err, cap, "struct-types nested deeper than %d", DL_MAX_DEPTH), NULL;
  dl_type_t *t = calloc(1, sizeof *t);
  if (!t || !(t->fields = calloc(n, sizeof *t->fields)) || !(t->offsets = calloc(n, sizeof *t->offsets)) ||
      !(t->elems = calloc(n + 1, sizeof *t->elems))) {
    if (t) free(t->fields), free(t->offsets), free(t->elems);
    free(t);
    return snprintf(err, cap, "out of memory"), NULL;
  }
  t->refs = 1;
  t->is_struct = true;
  t->depth = depth + 1;
  t->nfields = n;
  for (uint32_t i = 0; i < n; i++) {
    t->fields[i] = dl_type_ref(fields[i]);
    t->elems[i] = dl_type_ffi(fields[i]);
  }
  t->ffi.size = 0;
  t->ffi.alignment = 0;
  t->ffi.type = FFI_TYPE_STRUCT;
  t->ffi.elements = t->elems;
  if (ffi_get_struct_offsets(FFI_DEFAULT_ABI, &t->ffi, t->offsets) != FFI_OK) {
    dl_type_unref(t);
    return snprintf(err, cap, "libffi cannot lay out this struct-type"), NULL;
  }
  t->size = t->ffi.size;
  t->align = t->ffi.alignment;
  if (t->size > DL_MAX_SIZE) {
    dl_type_unref(t);
    return snprintf(err, cap, "a struct-type of more than %zu bytes", DL_MAX_SIZE), NULL;
  }
  return t;
}

bool dl_type_compatible(const dl_type_t *a, const dl_type_t *b) {
  if (a == b) return true;
  if (a->is_struct != b->is_struct) return false;
  if (!a->is_struct)
    return dl_prim_class(a->prim) == dl_prim_class(b->prim) && dl_prim_size(a->prim) == dl_prim_size(b->prim);
  if (a->nfields != b->nfields) return false;
  for (uint32_t i = 0; i < a->nfields; i++)
    if (!dl_type_compatible(a->fields[i], b->fields[i])) return false;
  return true;
}

static bool spell(const dl_type_t *t, char *buf, size_t cap, size_t *len) {
  const char *s = t->is_struct ? "{" : dl_prim_name(t->prim);
  size_t n = strlen(s);
  if (*len + n + 1 > cap) return false;
  memcpy(buf + *len, s, n + 1);
  *len += n;
  if (!t->is_struct) return true;
  for (uint32_t i = 0; i < t->nfields; i++) {
    if (i) {
      if (*len + 2 > cap) return false;
      buf[(*len)++] = ',';
      buf[*len] = 0;
    }
    if (!spell(t->fields[i], buf, cap, len)) return false;
  }
  if (*len + 2 > cap) return false;
  buf[(*len)++] = '}';
  buf[*len] = 0;
  return true;
}

bool dl_type_spell(const dl_type_t *t, char *buf, size_t cap) {
  size_t len = 0;
  if (cap) buf[0] = 0;
  return spell(t, buf, cap, &len);
}

dl_type_t *dl_type_from_wit(dl_instance_t *in, const wasi_dl_ffi_ffi_type_t *w, char *err, size_t cap) {
  if (w->tag == WASI_DL_FFI_FFI_TYPE_PRIMITIVE) {
    dl_type_t *t = dl_type_prim(w->val.primitive);
    if (!t) snprintf(err, cap, "primitive-type %u is out of range", w->val.primitive);
    return t;
  }
  /* own<struct-type>: the guest gave it up; the description lives on in
  ** whatever we build from it (reference counted). */
  dl_type_t *t = dl_table_take(in, w->val.struct_.rep, DLK_STRUCT_TYPE);
  if (!t) snprintf(err, cap, "struct-type handle (rep %u) is not a live struct-type", w->val.struct_.rep);
  return t;
}
