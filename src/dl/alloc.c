/*
** alloc.c — the alloc resource: a typed memory region.  Three kinds:
**   owned   alloc.new(ty): zeroed memory of ty's size and alignment, ours;
**   global  symbol.get-alloc(ty): a library's variable, usable while the
**           library is open;
**   opaque  a pointer C handed out (incoming-primitive.get-alloc,
**           function.get-alloc): it cannot be read or written through
**           (its extent is unknown); it can be passed back to C
**           (set-addr), read back as a pointer, read as a C string
**           (read-string) or called (function.from-alloc).
** Every access is checked against the region's type; the region's bounds
** are its type's size, so a typed access is always in bounds.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl/internal.h"

#define INST(cx) ((dl_instance_t *)(cx)->instance)
#define PTR WASI_DL_FFI_PRIMITIVE_TYPE_POINTER

dl_alloc_t *dl_alloc_ref(dl_alloc_t *a) {
  if (a) a->refs++;
  return a;
}

void dl_alloc_unref(dl_alloc_t *a) {
  if (!a || --a->refs) return;
  if (a->owned) free(a->mem);
  for (size_t i = 0; i < a->nstrings; i++) free(a->strings[i]);
  free(a->strings);
  dl_type_unref(a->ty);
  dl_lib_unref(a->lib);
  free(a);
}

dl_alloc_t *dl_alloc_owned(dl_type_t *ty) {
  dl_alloc_t *a = calloc(1, sizeof *a);
  if (!a) return NULL;
  size_t align = ty->align < sizeof(void *) ? sizeof(void *) : ty->align;
  size_t size = (ty->size + align - 1) / align * align;
  if (!(a->mem = aligned_alloc(align, size ? size : align))) {
    free(a);
    return NULL;
  }
  memset(a->mem, 0, size ? size : align);
  a->refs = 1;
  a->owned = true;
  a->ty = dl_type_ref(ty);
  return a;
}

dl_alloc_t *dl_alloc_opaque(void *ptr, dl_lib_t *lib) {
  dl_alloc_t *a = calloc(1, sizeof *a);
  if (!a || !(a->ty = dl_type_prim(PTR))) {
    free(a);
    return NULL;
  }
  a->refs = 1;
  a->opaque = true;
  a->ptr = ptr;
  a->lib = dl_lib_ref(lib);
  return a;
}

void *dl_alloc_address(const dl_alloc_t *a) { return a->opaque ? a->ptr : a->mem; }

/* The alloc `rep`, usable for `op`: live, its library (if any) open, and
** (when `region`) not opaque.  NULL after trapping/err-noting: *rc says. */
static dl_alloc_t *get(wasi_dl_ctx_t *cx, uint32_t rep, const char *op, bool region, int *rc, bool *is_err) {
  *rc = 0;
  *is_err = false;
  dl_alloc_t *a = dl_table_get(INST(cx), rep, DLK_ALLOC);
  if (!a) {
    *rc = wasi_dl_trap(cx, "alloc.%s: rep %u is not a live alloc", op, rep);
    return NULL;
  }
  char err[DL_ERR];
  if (a->lib && !dl_lib_alive(a->lib, op, err, sizeof err)) {
    *rc = wasi_dl_trap(cx, "alloc.%s: %s", op, err);
    return NULL;
  }
  if (region && a->opaque) {
    dl_note(cx, "alloc.%s: this alloc is a pointer C returned; its memory has no known extent or type", op);
    *is_err = true;
    return NULL;
  }
  return a;
}

int wasi_dl_ffi_static_alloc_new(wasi_dl_ctx_t *cx, const wasi_dl_ffi_ffi_type_t *ty,
                                 wasi_dl_result_own_alloc_void_t *ret) {
  char err[DL_ERR];
  dl_type_t *t = dl_type_from_wit(INST(cx), ty, err, sizeof err);
  if (!t) return wasi_dl_trap(cx, "alloc.new: %s", err);
  dl_alloc_t *a = dl_alloc_owned(t);
  dl_type_unref(t);
  if (!a) {
    dl_note(cx, "alloc.new: out of memory");
    ret->is_err = true;
    return 0;
  }
  if (!(ret->val.ok.rep = dl_table_put(INST(cx), DLK_ALLOC, a))) {
    dl_alloc_unref(a);
    return wasi_dl_trap(cx, "alloc.new: too many wasi:dl objects");
  }
  return 0;
}

static int write_value(wasi_dl_ctx_t *cx, uint32_t self, const wasi_dl_ffi_outgoing_value_t *w, const char *op,
                       wasi_dl_result_void_void_t *ret) {
  char err[DL_ERR];
  dl_oval_t v;
  /* the value was moved to us: take it before anything can fail */
  if (!dl_oval_take(INST(cx), w, &v, err, sizeof err)) return wasi_dl_trap(cx, "alloc.%s: %s", op, err);
  int rc;
  bool is_err;
  dl_alloc_t *a = get(cx, self, op, true, &rc, &is_err);
  if (a && a->read_only) {
    dl_note(cx, "alloc.%s: the variable is in read-only memory", op);
    is_err = true;
  } else if (a && !dl_oval_store(&v, a->ty, a->mem, err, sizeof err)) {
    dl_note(cx, "alloc.%s: %s", op, err);
    is_err = true;
  }
  dl_oval_clear(&v);
  ret->is_err = is_err;
  return rc;
}

int wasi_dl_ffi_method_alloc_write_primitive(wasi_dl_ctx_t *cx, wasi_dl_ffi_borrow_alloc_t self,
                                             wasi_dl_ffi_own_outgoing_primitive_t v, wasi_dl_result_void_void_t *ret) {
  wasi_dl_ffi_outgoing_value_t w = {.tag = WASI_DL_FFI_OUTGOING_VALUE_PRIMITIVE};
  w.val.primitive = v;
  return write_value(cx, self.rep, &w, "write-primitive", ret);
}

int wasi_dl_ffi_method_alloc_write_struct(wasi_dl_ctx_t *cx, wasi_dl_ffi_borrow_alloc_t self,
                                          wasi_dl_ffi_own_outgoing_struct_t v, wasi_dl_result_void_void_t *ret) {
  wasi_dl_ffi_outgoing_value_t w = {.tag = WASI_DL_FFI_OUTGOING_VALUE_STRUCT};
  w.val.struct_ = v;
  return write_value(cx, self.rep, &w, "write-struct", ret);
}

int wasi_dl_ffi_method_alloc_write_string(wasi_dl_ctx_t *cx, wasi_dl_ffi_borrow_alloc_t self,
                                          const wasi_dl_string_t *v, wasi_dl_result_void_void_t *ret) {
  int rc;
  dl_alloc_t *a = get(cx, self.rep, "write-string", true, &rc, &ret->is_err);
  if (!a) return rc;
  if (a->read_only || a->ty->is_struct || a->ty->prim != PTR) {
    dl_note(cx, "alloc.write-string: the alloc's type is not pointer, or it is read-only");
    ret->is_err = true;
    return 0;
  }
  if (memchr(v->ptr, 0, v->len)) {
    dl_note(cx, "alloc.write-string: the string contains a NUL byte (C would see it truncated)");
    ret->is_err = true;
    return 0;
  }
  char **list = realloc(a->strings, (a->nstrings + 1) * sizeof *list);
  char *s = malloc(v->len + 1);
  if (list) a->strings = list;
  if (!list || !s) {
    free(s);
    return wasi_dl_trap(cx, "alloc.write-string: out of memory");
  }
  memcpy(s, v->ptr, v->len);
  s[v->len] = 0;
  /* Earlier copies stay until the alloc is freed: C may have kept them. */
  a->strings[a->nstrings++] = s;
  dl_scalar_t p = {.p = s};
  dl_scalar_store(PTR, a->mem, p);
  return 0;
}

int wasi_dl_ffi_method_alloc_read_primitive(wasi_dl_ctx_t *cx, wasi_dl_ffi_borrow_alloc_t self,
                                            wasi_dl_result_own_incoming_primitive_void_t *ret) {
  int rc;
  dl_alloc_t *a = get(cx, self.rep, "read-primitive", false, &rc, &ret->is_err);
  if (!a) return rc;
  if (a->ty->is_struct) {
    dl_note(cx, "alloc.read-primitive: the alloc's type is a struct");
    ret->is_err = true;
    return 0;
  }
  /* an opaque alloc reads back as the pointer it is */
  void *stored = a->ptr;
  const void *mem = a->opaque ? (const void *)&stored : a->mem;
  wasi_dl_ffi_incoming_value_t iv;
  char err[DL_ERR];
  if (!dl_ival_make(INST(cx), a->ty, mem, a->lib, &iv, err, sizeof err))
    return wasi_dl_trap(cx, "alloc.read-primitive: %s", err);
  ret->val.ok = iv.val.primitive;
  return 0;
}

int wasi_dl_ffi_method_alloc_read_struct(wasi_dl_ctx_t *cx, wasi_dl_ffi_borrow_alloc_t self,
                                         wasi_dl_result_own_incoming_struct_void_t *ret) {
  int rc;
  dl_alloc_t *a = get(cx, self.rep, "read-struct", true, &rc, &ret->is_err);
  if (!a) return rc;
  if (!a->ty->is_struct) {
    dl_note(cx, "alloc.read-struct: the alloc's type is %s, not a struct", dl_prim_name(a->ty->prim));
    ret->is_err = true;
    return 0;
  }
  wasi_dl_ffi_incoming_value_t iv;
  char err[DL_ERR];
  if (!dl_ival_make(INST(cx), a->ty, a->mem, a->lib, &iv, err, sizeof err))
    return wasi_dl_trap(cx, "alloc.read-struct: %s", err);
  ret->val.ok = iv.val.struct_;
  return 0;
}

/* When p points into a region this instance knows (an owned or global
** alloc), the bytes readable from p; else SIZE_MAX (C memory: trusted to
** hold a NUL-terminated string, as C itself would). */
static size_t known_extent(dl_instance_t *in, const uint8_t *p) {
  for (uint32_t i = 0; i < in->nslots; i++) {
    if (in->slots[i].kind != DLK_ALLOC) continue;
    const dl_alloc_t *a = in->slots[i].obj;
    if (a->opaque || !a->mem) continue;
    if ((uintptr_t)p >= (uintptr_t)a->mem && (uintptr_t)p < (uintptr_t)a->mem + a->ty->size)
      return (size_t)((uintptr_t)a->mem + a->ty->size - (uintptr_t)p);
  }
  return SIZE_MAX;
}

static bool utf8_valid(const uint8_t *s, size_t n) {
  for (size_t i = 0; i < n;) {
    uint8_t c = s[i];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (!len || i + len > n) return false;
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1fu) : len == 3 ? (c & 0x0fu) : (c & 0x07u);
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3fu);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += len;
  }
  return true;
}

int wasi_dl_ffi_method_alloc_read_string(wasi_dl_ctx_t *cx, wasi_dl_ffi_borrow_alloc_t self,
                                         wasi_dl_result_string_void_t *ret) {
  int rc;
  dl_alloc_t *a = get(cx, self.rep, "read-string", false, &rc, &ret->is_err);
  if (!a) return rc;
  if (a->ty->is_struct || a->ty->prim != PTR) {
    dl_note(cx, "alloc.read-string: the alloc's type is not pointer");
    ret->is_err = true;
    return 0;
  }
  const uint8_t *s = a->opaque ? a->ptr : dl_scalar_load(PTR, a->mem).p;
  if (!s) {
    dl_note(cx, "alloc.read-string: the pointer is NULL");
    ret->is_err = true;
    return 0;
  }
  size_t max = known_extent(INST(cx), s);
  size_t len = max == SIZE_MAX ? strlen((const char *)s) : strnlen((const char *)s, max);
  if (len == max) {
    dl_note(cx, "alloc.read-string: no NUL within the %zu bytes of the alloc the pointer points into", max);
    ret->is_err = true;
    return 0;
  }
  if (!utf8_valid(s, len)) {
    dl_note(cx, "alloc.read-string: the C string (%zu bytes) is not valid UTF-8", len);
    ret->is_err = true;
    return 0;
  }
  if (wasi_dl_string_set(cx, &ret->val.ok, s, len)) return wasi_dl_trap(cx, "alloc.read-string: call memory exhausted");
  return 0;
}
