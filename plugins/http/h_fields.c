/*
** h_fields.c — wasi:http/types fields (headers and trailers), and the
** field-list helpers the rest of the plugin and the server share.
**
** Names keep their case and compare case-insensitively; every name is
** checked to be an RFC 9110 token and every value to have no CR, LF or
** NUL (a guest must not smuggle a header line into a response); the
** hop-by-hop fields the host manages are refused.  A fields object is
** mutable unless it came from a request or response (`headers()` hands
** out immutable copies, as the WIT says).
*/
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "h.h"

/* --------------------------------------------------------------- lists */

void wh_fields_list_free(wh_fields_list_t *l) {
  for (size_t i = 0; i < l->n; i++) {
    free(l->items[i].name);
    free(l->items[i].value);
  }
  free(l->items);
  memset(l, 0, sizeof *l);
}

bool wh_fields_list_add(wh_fields_list_t *l, const char *name, size_t nlen, const uint8_t *value, size_t vlen) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 8;
    wh_field_t *n = realloc(l->items, cap * sizeof *n);
    if (!n) return false;
    l->items = n;
    l->cap = cap;
  }
  char *nm = malloc(nlen + 1);
  uint8_t *v = malloc(vlen ? vlen : 1);
  if (!nm || !v) {
    free(nm);
    free(v);
    return false;
  }
  memcpy(nm, name, nlen);
  nm[nlen] = 0;
  if (vlen) memcpy(v, value, vlen);
  l->items[l->n++] = (wh_field_t){nm, v, vlen};
  l->bytes += nlen + vlen;
  return true;
}

bool wh_fields_list_copy(wh_fields_list_t *dst, const wh_fields_list_t *src) {
  memset(dst, 0, sizeof *dst);
  for (size_t i = 0; i < src->n; i++)
    if (!wh_fields_list_add(dst, src->items[i].name, strlen(src->items[i].name), src->items[i].value,
                            src->items[i].vlen)) {
      wh_fields_list_free(dst);
      return false;
    }
  return true;
}

static bool name_eq(const char *a, const char *b, size_t blen) { return strlen(a) == blen && !strncasecmp(a, b, blen); }

const wh_field_t *wh_fields_list_get(const wh_fields_list_t *l, const char *name) {
  for (size_t i = 0; i < l->n; i++)
    if (!strcasecmp(l->items[i].name, name)) return &l->items[i];
  return NULL;
}

/* Removes every field called name; the bytes freed. */
static size_t list_delete(wh_fields_list_t *l, const char *name, size_t nlen) {
  size_t k = 0, freed = 0;
  for (size_t i = 0; i < l->n; i++) {
    if (name_eq(l->items[i].name, name, nlen)) {
      freed += strlen(l->items[i].name) + l->items[i].vlen;
      free(l->items[i].name);
      free(l->items[i].value);
    } else {
      l->items[k++] = l->items[i];
    }
  }
  l->n = k;
  l->bytes -= freed;
  return freed;
}

bool wh_field_name_ok(const char *name, size_t len) {
  static const char tchar[] = "!#$%&'*+-.^_`|~";
  if (!len) return false;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)name[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c && strchr(tchar, c))))
      return false;
  }
  return true;
}

bool wh_field_value_ok(const uint8_t *v, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (v[i] == '\r' || v[i] == '\n' || v[i] == 0) return false;
  return true;
}

bool wh_field_forbidden(const char *name, size_t len) {
  static const char *const hop[] = {"connection", "keep-alive",        "proxy-connection", "transfer-encoding",
                                    "upgrade",    "http2-settings",    "te",               "trailer",
                                    "proxy-authenticate", "proxy-authorization"};
  for (size_t i = 0; i < sizeof hop / sizeof hop[0]; i++)
    if (name_eq(hop[i], name, len)) return true;
  return false;
}

/* ------------------------------------------------------------- objects */

int wh_fields_make(wh_ctx_t *cx, wh_fields_list_t *list, bool immutable, uint32_t *rep) {
  wh_inst_t *in = wh_inst(cx);
  if (!wh_budget_take(in, list->bytes)) {
    wh_fields_list_free(list);
    return wh_trap(cx, "wasi:http: the guest holds more than %u MiB of header data", WH_MAX_BYTES >> 20);
  }
  wh_obj_t *o = wh_obj_new(in, WH_FIELDS, rep);
  if (!o) {
    wh_budget_give(in, list->bytes);
    wh_fields_list_free(list);
    return wh_trap(cx, "wasi:http: too many open resources");
  }
  o->u.fields.list = *list;
  o->u.fields.immutable = immutable;
  memset(list, 0, sizeof *list);
  return 0;
}

int wh_fields_take(wh_ctx_t *cx, uint32_t rep, wh_fields_list_t *out) {
  wh_inst_t *in = wh_inst(cx);
  wh_obj_t *o = wh_obj_get(in, rep, WH_FIELDS);
  if (!o) return wh_trap(cx, "wasi:http: unknown fields rep %u", rep);
  *out = o->u.fields.list;
  memset(&o->u.fields.list, 0, sizeof o->u.fields.list);
  /* the bytes stay charged: the request/response now holds them */
  wh_obj_free(in, rep, WH_FIELDS);
  return 0;
}

static wh_obj_t *fields(wh_ctx_t *cx, uint32_t rep) { return wh_obj_get(wh_inst(cx), rep, WH_FIELDS); }
#define FIELDS(o, rep)                                                  \
  wh_obj_t *o = fields(cx, rep);                                        \
  if (!o) return wh_trap(cx, "wasi:http/types: unknown fields rep %u", rep)

static void header_error(wh_result_void_header_error_t *ret, uint8_t tag) {
  ret->is_err = true;
  ret->val.err.tag = tag;
}

int wasi_http_types_constructor_fields(wh_ctx_t *cx, wasi_http_types_own_fields_t *ret) {
  wh_fields_list_t l = {0};
  return wh_fields_make(cx, &l, false, &ret->rep);
}

int wasi_http_types_static_fields_from_list(wh_ctx_t *cx, const wh_list_tuple2_field_name_field_value_t *entries,
                                            wh_result_own_fields_header_error_t *ret) {
  wh_fields_list_t l = {0};
  for (size_t i = 0; i < entries->len; i++) {
    const wh_tuple2_field_name_field_value_t *e = &entries->ptr[i];
    const char *nm = (const char *)e->f0.ptr;
    uint8_t tag = 255;
    if (!wh_field_name_ok(nm, e->f0.len) || !wh_field_value_ok(e->f1.ptr, e->f1.len))
      tag = WASI_HTTP_TYPES_HEADER_ERROR_INVALID_SYNTAX;
    else if (wh_field_forbidden(nm, e->f0.len))
      tag = WASI_HTTP_TYPES_HEADER_ERROR_FORBIDDEN;
    if (tag != 255) {
      wh_fields_list_free(&l);
      ret->is_err = true;
      ret->val.err.tag = tag;
      return 0;
    }
    if (l.bytes + e->f0.len + e->f1.len > WH_MAX_BYTES || !wh_fields_list_add(&l, nm, e->f0.len, e->f1.ptr, e->f1.len)) {
      wh_fields_list_free(&l);
      return wh_trap(cx, "wasi:http: fields too large");
    }
  }
  return wh_fields_make(cx, &l, false, &ret->val.ok.rep);
}

int wasi_http_types_method_fields_get(wh_ctx_t *cx, wasi_http_types_borrow_fields_t self,
                                      const wasi_http_types_field_name_t *name, wh_list_field_value_t *ret) {
  FIELDS(o, self.rep);
  const wh_fields_list_t *l = &o->u.fields.list;
  size_t n = 0;
  for (size_t i = 0; i < l->n; i++) n += name_eq(l->items[i].name, (const char *)name->ptr, name->len);
  if (!n) return 0;
  ret->ptr = wh_alloc(cx, n * sizeof *ret->ptr, _Alignof(wasi_http_types_field_value_t));
  if (!ret->ptr) return wh_trap(cx, "out of memory");
  for (size_t i = 0; i < l->n; i++) {
    if (!name_eq(l->items[i].name, (const char *)name->ptr, name->len)) continue;
    wasi_http_types_field_value_t *v = &ret->ptr[ret->len++];
    v->ptr = l->items[i].vlen ? wh_alloc(cx, l->items[i].vlen, 1) : NULL;
    if (l->items[i].vlen && !v->ptr) return wh_trap(cx, "out of memory");
    if (v->ptr) memcpy(v->ptr, l->items[i].value, l->items[i].vlen);
    v->len = l->items[i].vlen;
  }
  return 0;
}

int wasi_http_types_method_fields_has(wh_ctx_t *cx, wasi_http_types_borrow_fields_t self,
                                      const wasi_http_types_field_name_t *name, bool *ret) {
  FIELDS(o, self.rep);
  const wh_fields_list_t *l = &o->u.fields.list;
  for (size_t i = 0; i < l->n && !*ret; i++) *ret = name_eq(l->items[i].name, (const char *)name->ptr, name->len);
  return 0;
}

/* The checks shared by set/append/delete: mutable, name valid, allowed. */
static bool may_change(wh_obj_t *o, const wasi_http_types_field_name_t *name, wh_result_void_header_error_t *ret) {
  if (o->u.fields.immutable) header_error(ret, WASI_HTTP_TYPES_HEADER_ERROR_IMMUTABLE);
  else if (!wh_field_name_ok((const char *)name->ptr, name->len))
    header_error(ret, WASI_HTTP_TYPES_HEADER_ERROR_INVALID_SYNTAX);
  else if (wh_field_forbidden((const char *)name->ptr, name->len))
    header_error(ret, WASI_HTTP_TYPES_HEADER_ERROR_FORBIDDEN);
  return !ret->is_err;
}

static int add_values(wh_ctx_t *cx, wh_obj_t *o, const wasi_http_types_field_name_t *name,
                      const wasi_http_types_field_value_t *vals, size_t n) {
  size_t bytes = 0;
  for (size_t i = 0; i < n; i++) bytes += name->len + vals[i].len;
  if (!wh_budget_take(wh_inst(cx), bytes))
    return wh_trap(cx, "wasi:http: the guest holds more than %u MiB of header data", WH_MAX_BYTES >> 20);
  for (size_t i = 0; i < n; i++)
    if (!wh_fields_list_add(&o->u.fields.list, (const char *)name->ptr, name->len, vals[i].ptr, vals[i].len))
      return wh_trap(cx, "out of memory");
  return 0;
}

int wasi_http_types_method_fields_set(wh_ctx_t *cx, wasi_http_types_borrow_fields_t self,
                                      const wasi_http_types_field_name_t *name, const wh_list_field_value_t *value,
                                      wh_result_void_header_error_t *ret) {
  FIELDS(o, self.rep);
  if (!may_change(o, name, ret)) return 0;
  for (size_t i = 0; i < value->len; i++)
    if (!wh_field_value_ok(value->ptr[i].ptr, value->ptr[i].len)) {
      header_error(ret, WASI_HTTP_TYPES_HEADER_ERROR_INVALID_SYNTAX);
      return 0;
    }
  wh_budget_give(wh_inst(cx), list_delete(&o->u.fields.list, (const char *)name->ptr, name->len));
  return add_values(cx, o, name, value->ptr, value->len);
}

int wasi_http_types_method_fields_delete(wh_ctx_t *cx, wasi_http_types_borrow_fields_t self,
                                         const wasi_http_types_field_name_t *name, wh_result_void_header_error_t *ret) {
  FIELDS(o, self.rep);
  if (!may_change(o, name, ret)) return 0;
  wh_budget_give(wh_inst(cx), list_delete(&o->u.fields.list, (const char *)name->ptr, name->len));
  return 0;
}

int wasi_http_types_method_fields_append(wh_ctx_t *cx, wasi_http_types_borrow_fields_t self,
                                         const wasi_http_types_field_name_t *name,
                                         const wasi_http_types_field_value_t *value,
                                         wh_result_void_header_error_t *ret) {
  FIELDS(o, self.rep);
  if (!may_change(o, name, ret)) return 0;
  if (!wh_field_value_ok(value->ptr, value->len)) {
    header_error(ret, WASI_HTTP_TYPES_HEADER_ERROR_INVALID_SYNTAX);
    return 0;
  }
  return add_values(cx, o, name, value, 1);
}

int wasi_http_types_method_fields_entries(wh_ctx_t *cx, wasi_http_types_borrow_fields_t self,
                                          wh_list_tuple2_field_name_field_value_t *ret) {
  FIELDS(o, self.rep);
  const wh_fields_list_t *l = &o->u.fields.list;
  if (!l->n) return 0;
  ret->ptr = wh_alloc(cx, l->n * sizeof *ret->ptr, _Alignof(wh_tuple2_field_name_field_value_t));
  if (!ret->ptr) return wh_trap(cx, "out of memory");
  for (size_t i = 0; i < l->n; i++) {
    wh_tuple2_field_name_field_value_t *t = &ret->ptr[i];
    if (wh_string_set(cx, &t->f0, l->items[i].name, strlen(l->items[i].name))) return wh_trap(cx, "out of memory");
    t->f1.len = l->items[i].vlen;
    t->f1.ptr = t->f1.len ? wh_alloc(cx, t->f1.len, 1) : NULL;
    if (t->f1.len && !t->f1.ptr) return wh_trap(cx, "out of memory");
    if (t->f1.len) memcpy(t->f1.ptr, l->items[i].value, t->f1.len);
  }
  ret->len = l->n;
  return 0;
}

int wasi_http_types_method_fields_clone(wh_ctx_t *cx, wasi_http_types_borrow_fields_t self,
                                        wasi_http_types_own_fields_t *ret) {
  FIELDS(o, self.rep);
  wh_fields_list_t copy;
  if (!wh_fields_list_copy(&copy, &o->u.fields.list)) return wh_trap(cx, "out of memory");
  return wh_fields_make(cx, &copy, false, &ret->rep); /* a clone is mutable */
}

void wasi_http_types_fields_destructor(wh_ctx_t *cx, uint32_t rep) { wh_obj_free(wh_inst(cx), rep, WH_FIELDS); }
