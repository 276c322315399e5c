/*
** values.c — outgoing-primitive, outgoing-struct, incoming-primitive and
** incoming-struct: values travelling to C (typed, range-checked setters;
** pointers only from allocs) and back (typed, range-checked getters).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl/internal.h"

#define INST(cx) ((dl_instance_t *)(cx)->instance)

/* ------------------------------------------------------------- helpers */

void dl_oval_clear(dl_oval_t *v) {
  if (!v) return;
  if (v->is_struct) {
    for (uint32_t i = 0; i < v->nfields; i++) dl_oval_clear(&v->fields[i]);
    free(v->fields);
  } else {
    dl_alloc_unref(v->prim.target);
  }
  memset(v, 0, sizeof *v);
}

bool dl_oval_keep_targets(const dl_oval_t *v, dl_alloc_t *dest) {
  if (v->is_struct) {
    for (uint32_t i = 0; i < v->nfields; i++)
      if (!dl_oval_keep_targets(&v->fields[i], dest)) return false;
    return true;
  }
  return dl_alloc_keep(dest, v->prim.target);
}

bool dl_oval_take(dl_instance_t *in, const wasi_dl_ffi_outgoing_value_t *w, dl_oval_t *v, char *err, size_t cap) {
  memset(v, 0, sizeof *v);
  bool st = w->tag == WASI_DL_FFI_OUTGOING_VALUE_STRUCT;
  uint32_t rep = st ? w->val.struct_.rep : w->val.primitive.rep;
  dl_oval_t *obj = dl_table_take(in, rep, st ? DLK_OUT_STRUCT : DLK_OUT_PRIM);
  if (!obj) {
    snprintf(err, cap, "outgoing-value: rep %u is not a live %s", rep, st ? "outgoing-struct" : "outgoing-primitive");
    return false;
  }
  *v = *obj;
  free(obj);
  return true;
}

bool dl_oval_store(const dl_oval_t *v, const dl_type_t *ty, void *mem, char *err, size_t cap) {
  char want[128];
  if (ty->is_struct) {
    if (!v->is_struct || v->nfields != ty->nfields) {
      dl_type_spell(ty, want, sizeof want);
      snprintf(err, cap, "expected a struct %s, got %s with %u fields", want,
               v->is_struct ? "a struct" : "a primitive", v->is_struct ? v->nfields : 0);
      return false;
    }
    for (uint32_t i = 0; i < ty->nfields; i++)
      if (!dl_oval_store(&v->fields[i], ty->fields[i], (uint8_t *)mem + ty->offsets[i], err, cap)) return false;
    return true;
  }
  if (v->is_struct) {
    snprintf(err, cap, "expected %s, got a struct", dl_prim_name(ty->prim));
    return false;
  }
  const dl_oprim_t *p = &v->prim;
  if (dl_prim_class(p->prim) != dl_prim_class(ty->prim) || dl_prim_size(p->prim) != dl_prim_size(ty->prim)) {
    snprintf(err, cap, "expected %s, got %s", dl_prim_name(ty->prim), dl_prim_name(p->prim));
    return false;
  }
  if (!p->set) {
    snprintf(err, cap, "an outgoing-primitive of type %s was never set", dl_prim_name(p->prim));
    return false;
  }
  dl_scalar_t s = p->v;
  if (p->target) {
    if (p->target->lib && !dl_lib_alive(p->target->lib, "a pointer argument", err, cap)) return false;
    s.p = dl_alloc_address(p->target);
  }
  dl_scalar_store(ty->prim, mem, s);
  return true;
}

bool dl_ival_make(dl_instance_t *in, const dl_type_t *ty, const void *mem, dl_lib_t *lib, dl_alloc_t *src,
                  wasi_dl_ffi_incoming_value_t *out, char *err, size_t cap) {
  if (!ty->is_struct) {
    dl_iprim_t *p = calloc(1, sizeof *p);
    if (!p) return snprintf(err, cap, "out of memory"), false;
    p->prim = ty->prim;
    p->v = dl_scalar_load(ty->prim, mem);
    p->lib = dl_lib_ref(lib);
    p->src = dl_alloc_ref(src);
    uint32_t rep = dl_table_put(in, DLK_IN_PRIM, p);
    if (!rep) {
      dl_object_free(DLK_IN_PRIM, p);
      return snprintf(err, cap, "too many wasi:dl objects"), false;
    }
    out->tag = WASI_DL_FFI_INCOMING_VALUE_PRIMITIVE;
    out->val.primitive.rep = rep;
    return true;
  }
  dl_istruct_t *s = calloc(1, sizeof *s);
  if (!s || !(s->bytes = malloc(ty->size))) {
    free(s);
    return snprintf(err, cap, "out of memory"), false;
  }
  memcpy(s->bytes, mem, ty->size);
  s->ty = dl_type_ref((dl_type_t *)ty);
  s->lib = dl_lib_ref(lib);
  s->src = dl_alloc_ref(src);
  uint32_t rep = dl_table_put(in, DLK_IN_STRUCT, s);
  if (!rep) {
    dl_object_free(DLK_IN_STRUCT, s);
    return snprintf(err, cap, "too many wasi:dl objects"), false;
  }
  out->tag = WASI_DL_FFI_INCOMING_VALUE_STRUCT;
  out->val.struct_.rep = rep;
  return true;
}

/* -------------------------------------------------- outgoing-primitive */

int wasi_dl_ffi_constructor_outgoing_primitive(wasi_dl_ctx_t *cx, wasi_dl_ffi_primitive_type_t ty,
                                               wasi_dl_ffi_own_outgoing_primitive_t *ret) {
  if (!dl_prim_valid(ty)) return wasi_dl_trap(cx, "outgoing-primitive: primitive-type %u is out of range", ty);
  dl_oval_t *v = calloc(1, sizeof *v);
  if (!v) return wasi_dl_trap(cx, "outgoing-primitive: out of memory");
  v->prim.prim = ty;
  if (!(ret->rep = dl_table_put(INST(cx), DLK_OUT_PRIM, v))) {
    free(v);
    return wasi_dl_trap(cx, "outgoing-primitive: too many wasi:dl objects");
  }
  return 0;
}

static dl_oprim_t *oprim(wasi_dl_ctx_t *cx, uint32_t rep) {
  dl_oval_t *v = dl_table_get(INST(cx), rep, DLK_OUT_PRIM);
  return v ? &v->prim : NULL;
}

static void set_value(dl_oprim_t *p, dl_scalar_t s) {
  dl_alloc_unref(p->target);
  p->target = NULL;
  p->v = s;
  p->set = true;
}

static int set_int(wasi_dl_ctx_t *cx, uint32_t self, bool is_signed, uint64_t bits, const char *setter,
                   wasi_dl_result_void_void_t *ret) {
  dl_oprim_t *p = oprim(cx, self);
  if (!p) return wasi_dl_trap(cx, "outgoing-primitive.%s: rep %u is not a live outgoing-primitive", setter, self);
  char err[DL_ERR];
  dl_scalar_t s;
  if (!dl_scalar_from_int(p->prim, is_signed, bits, &s, err, sizeof err)) {
    dl_note(cx, "outgoing-primitive.%s: %s", setter, err);
    ret->is_err = true;
    return 0;
  }
  set_value(p, s);
  return 0;
}

static int set_float(wasi_dl_ctx_t *cx, uint32_t self, double v, bool f32, wasi_dl_result_void_void_t *ret) {
  const char *setter = f32 ? "set-f32" : "set-f64";
  dl_oprim_t *p = oprim(cx, self);
  if (!p) return wasi_dl_trap(cx, "outgoing-primitive.%s: rep %u is not a live outgoing-primitive", setter, self);
  char err[DL_ERR];
  dl_scalar_t s;
  if (!dl_scalar_from_float(p->prim, v, f32, &s, err, sizeof err)) {
    dl_note(cx, "outgoing-primitive.%s: %s", setter, err);
    ret->is_err = true;
    return 0;
  }
  set_value(p, s);
  return 0;
}

#define SETTER_S(N, T)                                                                                      \
  int wasi_dl_ffi_method_outgoing_primitive_set_s##N(wasi_dl_ctx_t *cx, wasi_dl_ffi_borrow_outgoing_primitive_t self, \
                                                    T v, wasi_dl_result_void_void_t *ret) {                 \
    return set_int(cx, self.rep, true, (uint64_t)(int64_t)v, "set-s" #N, ret);                              \
  }
#define SETTER_U(N, T)                                                                                      \
  int wasi_dl_ffi_method_outgoing_primitive_set_u##N(wasi_dl_ctx_t *cx, wasi_dl_ffi_borrow_outgoing_primitive_t self, \
                                                    T v, wasi_dl_result_void_void_t *ret) {                 \
    return set_int(cx, self.rep, false, (uint64_t)v, "set-u" #N, ret);                                      \
  }
SETTER_S(8, int8_t)
SETTER_S(16, int16_t)
SETTER_S(32, int32_t)
SETTER_S(64, int64_t)
SETTER_U(8, uint8_t)
SETTER_U(16, uint16_t)
SETTER_U(32, uint32_t)
SETTER_U(64, uint64_t)

int wasi_dl_ffi_method_outgoing_primitive_set_f32(wasi_dl_ctx_t *cx, wasi_dl_ffi_borrow_outgoing_primitive_t self,
                                                  float v, wasi_dl_result_void_void_t *ret) {
  return set_float(cx, self.rep, v, true, ret);
}

int wasi_dl_ffi_method_outgoing_primitive_set_f64(wasi_dl_ctx_t *cx, wasi_dl_ffi_borrow_outgoing_primitive_t self,
                                                  double v, wasi_dl_result_void_void_t *ret) {
  return set_float(cx, self.rep, v, false, ret);
}

int wasi_dl_ffi_method_outgoing_primitive_set_addr(wasi_dl_ctx_t *cx, wasi_dl_ffi_borrow_outgoing_primitive_t self,
                                                   wasi_dl_ffi_borrow_alloc_t v, wasi_dl_result_void_void_t *ret) {
  dl_oprim_t *p = oprim(cx, self.rep);
  if (!p) return wasi_dl_trap(cx, "outgoing-primitive.set-addr: rep %u is not a live outgoing-primitive", self.rep);
  dl_alloc_t *a = dl_table_get(INST(cx), v.rep, DLK_ALLOC);
  if (!a) return wasi_dl_trap(cx, "outgoing-primitive.set-addr: rep %u is not a live alloc", v.rep);
  char err[DL_ERR];
  if (p->prim != WASI_DL_FFI_PRIMITIVE_TYPE_POINTER) {
    dl_note(cx, "outgoing-primitive.set-addr: the outgoing-primitive is %s, not pointer", dl_prim_name(p->prim));
    ret->is_err = true;
    return 0;
  }
  if (a->lib && !dl_lib_alive(a->lib, "outgoing-primitive.set-addr", err, sizeof err))
    return wasi_dl_trap(cx, "%s", err);
  dl_scalar_t s;
  memset(&s, 0, sizeof s);
  set_value(p, s);
  p->target = dl_alloc_ref(a);
  return 0;
}

/* ----------------------------------------------------- outgoing-struct */

int wasi_dl_ffi_constructor_outgoing_struct(wasi_dl_ctx_t *cx, const wasi_dl_list_outgoing_value_t *fields,
                                            wasi_dl_ffi_own_outgoing_struct_t *ret) {
  dl_oval_t *v = calloc(1, sizeof *v);
  size_t n = fields->len;
  if (v && n) v->fields = calloc(n, sizeof *v->fields);
  char err[DL_ERR * 2] = "";
  bool ok = v && (!n || v->fields);
  if (!ok) snprintf(err, sizeof err, "out of memory");
  if (ok && n == 0) ok = false, snprintf(err, sizeof err, "a struct needs at least one field");
  if (ok && n > DL_MAX_FIELDS) ok = false, snprintf(err, sizeof err, "%zu fields (at most %d)", n, DL_MAX_FIELDS);
  /* Every own<> handle in the list was moved to us: take them all, even
  ** after a failure, so none is left behind. */
  for (size_t i = 0; i < n; i++) {
    dl_oval_t f;
    char e2[DL_ERR];
    if (!dl_oval_take(INST(cx), &fields->ptr[i], &f, e2, sizeof e2)) {
      if (ok) ok = false, snprintf(err, sizeof err, "field %zu: %s", i, e2);
      continue;
    }
    if (ok) v->fields[v->nfields++] = f;
    else dl_oval_clear(&f);
  }
  if (ok) {
    v->is_struct = true;
    if ((ret->rep = dl_table_put(INST(cx), DLK_OUT_STRUCT, v))) return 0;
    snprintf(err, sizeof err, "too many wasi:dl objects");
  }
  if (v) {
    v->is_struct = true;
    dl_oval_clear(v);
    free(v);
  }
  return wasi_dl_trap(cx, "outgoing-struct: %s", err);
}

/* -------------------------------------------------- incoming-primitive */

static dl_iprim_t *iprim(wasi_dl_ctx_t *cx, uint32_t rep) { return dl_table_get(INST(cx), rep, DLK_IN_PRIM); }

#define GETTER_INT(NAME, T, SIGNED, BITS)                                                                  \
  int wasi_dl_ffi_method_incoming_primitive_get_##NAME(wasi_dl_ctx_t *cx,                                  \
                                                       wasi_dl_ffi_borrow_incoming_primitive_t self,        \
                                                       wasi_dl_result_##NAME##_void_t *ret) {               \
    dl_iprim_t *p = iprim(cx, self.rep);                                                                   \
    if (!p) return wasi_dl_trap(cx, "incoming-primitive.get-" #NAME ": rep %u is not live", self.rep);     \
    uint64_t bits;                                                                                         \
    char err[DL_ERR];                                                                                      \
    if (!dl_scalar_to_int(p->prim, p->v, SIGNED, BITS, &bits, err, sizeof err)) {                          \
      dl_note(cx, "incoming-primitive.get-" #NAME ": %s", err);                                            \
      ret->is_err = true;                                                                                  \
      return 0;                                                                                            \
    }                                                                                                      \
    ret->val.ok = (T)bits;                                                                                 \
    return 0;                                                                                              \
  }
GETTER_INT(s8, int8_t, true, 8)
GETTER_INT(s16, int16_t, true, 16)
GETTER_INT(s32, int32_t, true, 32)
GETTER_INT(s64, int64_t, true, 64)
GETTER_INT(u8, uint8_t, false, 8)
GETTER_INT(u16, uint16_t, false, 16)
GETTER_INT(u32, uint32_t, false, 32)
GETTER_INT(u64, uint64_t, false, 64)

#define GETTER_FLOAT(NAME, T, F32)                                                                         \
  int wasi_dl_ffi_method_incoming_primitive_get_##NAME(wasi_dl_ctx_t *cx,                                  \
                                                       wasi_dl_ffi_borrow_incoming_primitive_t self,        \
                                                       wasi_dl_result_##NAME##_void_t *ret) {               \
    dl_iprim_t *p = iprim(cx, self.rep);                                                                   \
    if (!p) return wasi_dl_trap(cx, "incoming-primitive.get-" #NAME ": rep %u is not live", self.rep);     \
    double d;                                                                                              \
    char err[DL_ERR];                                                                                      \
    if (!dl_scalar_to_float(p->prim, p->v, F32, &d, err, sizeof err)) {                                    \
      dl_note(cx, "incoming-primitive.get-" #NAME ": %s", err);                                            \
      ret->is_err = true;                                                                                  \
      return 0;                                                                                            \
    }                                                                                                      \
    ret->val.ok = (T)d;                                                                                    \
    return 0;                                                                                              \
  }
GETTER_FLOAT(f32, float, true)
GETTER_FLOAT(f64, double, false)

int wasi_dl_ffi_method_incoming_primitive_get_alloc(wasi_dl_ctx_t *cx, wasi_dl_ffi_borrow_incoming_primitive_t self,
                                                    wasi_dl_result_own_alloc_void_t *ret) {
  dl_iprim_t *p = iprim(cx, self.rep);
  if (!p) return wasi_dl_trap(cx, "incoming-primitive.get-alloc: rep %u is not live", self.rep);
  if (p->prim != WASI_DL_FFI_PRIMITIVE_TYPE_POINTER || !p->v.p) {
    dl_note(cx, "incoming-primitive.get-alloc: %s", p->v.p || p->prim != WASI_DL_FFI_PRIMITIVE_TYPE_POINTER
                                                        ? "the value is not a pointer"
                                                        : "the pointer is NULL");
    ret->is_err = true;
    return 0;
  }
  dl_alloc_t *a = dl_alloc_opaque(INST(cx), p->v.p, p->lib, p->src);
  if (!a) return wasi_dl_trap(cx, "incoming-primitive.get-alloc: out of memory");
  if (!(ret->val.ok.rep = dl_table_put(INST(cx), DLK_ALLOC, a))) {
    dl_alloc_unref(a);
    return wasi_dl_trap(cx, "incoming-primitive.get-alloc: too many wasi:dl objects");
  }
  return 0;
}

/* ----------------------------------------------------- incoming-struct */

int wasi_dl_ffi_method_incoming_struct_fields(wasi_dl_ctx_t *cx, wasi_dl_ffi_borrow_incoming_struct_t self,
                                              wasi_dl_list_incoming_value_t *ret) {
  dl_istruct_t *s = dl_table_get(INST(cx), self.rep, DLK_IN_STRUCT);
  if (!s) return wasi_dl_trap(cx, "incoming-struct.fields: rep %u is not live", self.rep);
  uint32_t n = s->ty->nfields;
  ret->ptr = wasi_dl_alloc(cx, n * sizeof *ret->ptr, _Alignof(wasi_dl_ffi_incoming_value_t));
  if (!ret->ptr) return wasi_dl_trap(cx, "incoming-struct.fields: call memory exhausted");
  for (uint32_t i = 0; i < n; i++) {
    char err[DL_ERR];
    if (!dl_ival_make(INST(cx), s->ty->fields[i], s->bytes + s->ty->offsets[i], s->lib, s->src, &ret->ptr[i], err,
                      sizeof err)) {
      /* the fields made so far were never handed out: free them */
      for (uint32_t j = 0; j < i; j++) {
        bool st = ret->ptr[j].tag == WASI_DL_FFI_INCOMING_VALUE_STRUCT;
        uint32_t rep = st ? ret->ptr[j].val.struct_.rep : ret->ptr[j].val.primitive.rep;
        dl_object_free(st ? DLK_IN_STRUCT : DLK_IN_PRIM,
                       dl_table_take(INST(cx), rep, st ? DLK_IN_STRUCT : DLK_IN_PRIM));
      }
      return wasi_dl_trap(cx, "incoming-struct.fields: %s", err);
    }
  }
  ret->len = n;
  return 0;
}
