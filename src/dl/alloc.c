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

static void unlink_alloc(dl_alloc_t *a) {
  if (!a->inst) return;
  if (a->prev) a->prev->next = a->next;
  else a->inst->allocs = a->next;
  if (a->next) a->next->prev = a->prev;
  a->inst = NULL;
  a->prev = a->next = NULL;
}

static void destroy(dl_alloc_t *a) {
  unlink_alloc(a);
  if (a->owned) free(a->mem);
  for (size_t i = 0; i < a->nkept; i++) dl_alloc_unref(a->kept[i]);
  free(a->kept);
  dl_alloc_unref(a->src);
  dl_type_unref(a->ty);
  dl_lib_unref(a->lib);
  free(a);
}

void dl_alloc_unref(dl_alloc_t *a) {
  if (a && !--a->refs) destroy(a);
}

dl_alloc_t *dl_alloc_new(dl_instance_t *in) {
  dl_alloc_t *a = calloc(1, sizeof *a);
  if (!a) return NULL;
  a->refs = 1;
  a->inst = in;
  a->next = in->allocs;
  if (in->allocs) in->allocs->prev = a;
  in->allocs = a;
  return a;
}

void dl_alloc_free_all(dl_instance_t *in) {
  /* Only reference cycles are left here (everything else was released
  ** with the table): cut every link first, then free. */
  for (dl_alloc_t *a = in->allocs; a; a = a->next) a->refs++;
  for (dl_alloc_t *a = in->allocs; a; a = a->next) {
    for (size_t i = 0; i < a->nkept; i++) dl_alloc_unref(a->kept[i]);
    a->nkept = 0;
    dl_alloc_unref(a->src);
    a->src = NULL;
  }
  while (in->allocs) {
    dl_alloc_t *a = in->allocs;
    a->refs = 1;
    dl_alloc_unref(a);
  }
}

bool dl_alloc_keep(dl_alloc_t *a, dl_alloc_t *t) {
  if (!t || t == a) return true;
  for (size_t i = 0; i < a->nkept; i++)
    if (a->kept[i] == t) return true;
  if (a->nkept == a->capkept) {
    size_t cap = a->capkept ? a->capkept * 2 : 4;
    dl_alloc_t **k = realloc(a->kept, cap * sizeof *k);
    if (!k) return false;
    a->kept = k;
    a->capkept = cap;
  }
  a->kept[a->nkept++] = dl_alloc_ref(t);
  return true;
}

dl_alloc_t *dl_alloc_owned(dl_instance_t *in, dl_type_t *ty) {
  size_t align = ty->align < sizeof(void *) ? sizeof(void *) : ty->align;
  size_t size = (ty->size + align - 1) / align * align;
  uint8_t *mem = aligned_alloc(align, size ? size : align);
  dl_alloc_t *a = mem ? dl_alloc_new(in) : NULL;
  if (!a) {
    free(mem);
    return NULL;
  }
  memset(mem, 0, size ? size : align);
  a->mem = mem;
  a->size = ty->size;
  a->owned = true;
  a->ty = dl_type_ref(ty);
  return a;
}

dl_alloc_t *dl_alloc_opaque(dl_instance_t *in, void *ptr, dl_lib_t *lib, dl_alloc_t *src) {
  dl_type_t *ty = dl_type_prim(PTR);
  dl_alloc_t *a = ty ? dl_alloc_new(in) : NULL;
  if (!a) {
    dl_type_unref(ty);
    return NULL;
  }
  a->ty = ty;
  a->opaque = true;
  a->ptr = ptr;
  a->lib = dl_lib_ref(lib);
  a->src = dl_alloc_ref(src);
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
  dl_alloc_t *a = dl_alloc_owned(INST(cx), t);
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
  } else if (a && !dl_oval_keep_targets(&v, a)) {
    rc = wasi_dl_trap(cx, "alloc.%s: out of memory", op);
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
  /* The copy is an alloc of its own, kept by this one: earlier copies stay
  ** while the alloc lives (C may have kept them), and read-string can
  ** bound reads by it. */
  dl_alloc_t *sa = dl_alloc_new(INST(cx));
  char *s = sa ? malloc(v->len + 1) : NULL;
  if (!s || !dl_alloc_keep(a, sa)) {
    free(s);
    if (sa) sa->mem = NULL, dl_alloc_unref(sa);
    return wasi_dl_trap(cx, "alloc.write-string: out of memory");
  }
  memcpy(s, v->ptr, v->len);
  s[v->len] = 0;
  sa->mem = (uint8_t *)s;
  sa->size = v->len + 1;
  sa->owned = true;
  dl_alloc_unref(sa); /* a holds it */
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
  if (!dl_ival_make(INST(cx), a->ty, mem, a->lib, a->opaque ? a->src : a, &iv, err, sizeof err))
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
  if (!dl_ival_make(INST(cx), a->ty, a->mem, a->lib, a, &iv, err, sizeof err))
    return wasi_dl_trap(cx, "alloc.read-struct: %s", err);
  ret->val.ok = iv.val.struct_;
  return 0;
}

/* The bytes readable from p when it points into memory wasi:dl knows:
** the alloc the pointer was read through and its provenance chain, then
** every live alloc of the instance; else SIZE_MAX (C memory: trusted to
** hold a NUL-terminated string, as C itself would). */
static bool search(const dl_alloc_t *a, uintptr_t p, int depth, size_t *avail) {
  if (!a) return false;
  if (a->mem && !a->opaque && p >= (uintptr_t)a->mem && p < (uintptr_t)a->mem + a->size) {
    *avail = (size_t)((uintptr_t)a->mem + a->size - p);
    return true;
  }
  if (depth == 0) return false;
  for (size_t i = 0; i < a->nkept; i++)
    if (search(a->kept[i], p, depth - 1, avail)) return true;
  return search(a->src, p, depth - 1, avail);
}

static size_t known_extent(dl_instance_t *in, const dl_alloc_t *via, const uint8_t *p) {
  size_t avail;
  if (search(via, (uintptr_t)p, 4, &avail)) return avail;
  for (const dl_alloc_t *a = in->allocs; a; a = a->next)
    if (search(a, (uintptr_t)p, 0, &avail)) return avail;
  return SIZE_MAX;
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0. */
static size_t utf8_char(const uint8_t *s, size_t n) {
  uint8_t c = s[0];
  size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (!len || len > n) return 0;
  uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1fu) : len == 3 ? (c & 0x0fu) : (c & 0x07u);
  for (size_t k = 1; k < len; k++) {
    if ((s[k] & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (s[k] & 0x3fu);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
      (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return len;
}

void dl_utf8_sanitize(char *s) {
  size_t n = strlen(s);
  for (size_t i = 0; i < n;) {
    size_t len = utf8_char((const uint8_t *)s + i, n - i);
    if (len) i += len;
    else s[i++] = '?';
  }
}

static bool utf8_valid(const uint8_t *s, size_t n) {
  for (size_t i = 0; i < n;) {
    size_t len = utf8_char(s + i, n - i);
    if (!len) return false;
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
  size_t max = known_extent(INST(cx), a, s);
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
