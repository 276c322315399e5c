/*
** h_fields.c — wasi:http/types fields (headers and trailers), and the
** field-list helpers the rest of the plugin and the server share.
**
** Names keep their case (a field's first spelling) and compare
** case-insensitively; every name is checked to be an RFC 9110 token and
** every value to hold no control byte but HTAB (a guest must not smuggle
** a header line into a response); the fields the host manages (Wasmtime's
** list) are refused.  Also the rules 0.2 and 0.3 share for a request's
** status, path and scheme (h.h).  A fields object is
** mutable unless it came from a request or response (`headers()` hands
** out immutable copies, as the WIT says).
*/
#include <stddef.h>
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

/* The first field called name (any case), or NULL. */
static const wh_field_t *list_find(const wh_fields_list_t *l, const char *name, size_t nlen) {
  for (size_t i = 0; i < l->n; i++)
    if (name_eq(l->items[i].name, name, nlen)) return &l->items[i];
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

/* RFC 9110 5.5: field-vchar (VCHAR, obs-text), SP and HTAB; no other
** control byte (CR, LF, NUL, DEL...) — as Wasmtime (the http crate) checks */
bool wh_field_value_ok(const uint8_t *v, size_t len) {
  for (size_t i = 0; i < len; i++)
    if ((v[i] < 0x20 && v[i] != '\t') || v[i] == 0x7f) return false;
  return true;
}

/* The fields the host manages (framing, the connection, the authority):
** Wasmtime's list (DEFAULT_FORBIDDEN_HEADERS; wasi-testsuite's http-fields
** checks it).  "trailer" and "te" are not in it: a guest announces its
** trailers with "trailer" (http-client-trailers). */
bool wh_field_forbidden(const char *name, size_t len) {
  static const char *const hop[] = {"connection",         "keep-alive",          "proxy-connection",
                                    "transfer-encoding",  "upgrade",             "http2-settings",
                                    "proxy-authenticate", "proxy-authorization", "host"};
  for (size_t i = 0; i < sizeof hop / sizeof hop[0]; i++)
    if (name_eq(hop[i], name, len)) return true;
  return false;
}

/* ------------------------------------------- request and response parts */

bool wh_status_ok(unsigned status) { return status >= 100 && status <= 599; }

/* A request target as a guest sets it: no bytes that break a request line
** or a URL (controls, space, DEL, '#'), nor '<', '>', '`' (neither pchar
** nor accepted by Wasmtime; wasi-testsuite's http-request); absolute ("/a?b"), "*", or relative
** ("a/b", "?q": wasi-http issue 178, as Wasmtime); "" is allowed only when
** `empty_ok` (0.3; it reads back as "/", 0.2 refuses it). */
bool wh_path_ok(const char *s, size_t n, bool empty_ok) {
  if (!n) return empty_ok;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f || strchr("#<>`", s[i])) return false;
  return true;
}

int wh_scheme_check(const char *s, size_t n) {
  if (!n) return -1;
  for (size_t i = 0; i < n; i++) /* RFC 3986 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
          (i && ((s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '-' || s[i] == '.'))))
      return -1;
  /* schemes are case-insensitive (RFC 3986 3.1): other("https") is the
  ** https case (wasi-http issue 194) */
  if (n == 4 && !strncasecmp(s, "http", 4)) return WH_SCHEME_HTTP;
  if (n == 5 && !strncasecmp(s, "https", 5)) return WH_SCHEME_HTTPS;
  return WH_SCHEME_OTHER;
}

/* ------------------------------------------------- the fields methods */

bool wh_bytes_take(size_t *bytes, size_t max, size_t n) {
  if (n > max - *bytes) return false;
  *bytes += n;
  return true;
}

void wh_bytes_give(size_t *bytes, size_t n) { *bytes = n > *bytes ? 0 : *bytes - n; }

static bool is_name(const wh_field_t *f, const wh_bytes_t *name) {
  return name_eq(f->name, (const char *)name->ptr, name->len);
}

/* A copy of len bytes in call memory (NULL for none). */
static bool call_copy(const wh_fields_env_t *e, wh_bytes_t *out, const void *p, size_t len) {
  out->len = len;
  out->ptr = len ? e->host->alloc(e->call, len, 1) : NULL;
  if (len && !out->ptr) return false;
  if (len) memcpy(out->ptr, p, len);
  return true;
}

const char *wh_fields_from_list(const wh_fields_env_t *e, const wh_entry_t *entries, size_t n, wh_fields_list_t *out,
                                int *err) {
  wh_fields_list_t l = {0};
  *err = WH_HEADER_OK;
  for (size_t i = 0; i < n; i++) {
    const char *nm = (const char *)entries[i].name.ptr;
    size_t nlen = entries[i].name.len, vlen = entries[i].value.len;
    bool over = l.bytes + nlen + vlen > e->max;
    if (!wh_field_name_ok(nm, nlen) || !wh_field_value_ok(entries[i].value.ptr, vlen))
      *err = WH_HEADER_INVALID_SYNTAX;
    else if (wh_field_forbidden(nm, nlen))
      *err = WH_HEADER_FORBIDDEN;
    else if (over && e->size_exceeded)
      *err = WH_HEADER_SIZE_EXCEEDED;
    if (*err != WH_HEADER_OK) break;
    const wh_field_t *first = list_find(&l, nm, nlen); /* one field, one spelling */
    if (first) nm = first->name;
    if (over || !wh_fields_list_add(&l, nm, nlen, entries[i].value.ptr, vlen)) {
      wh_fields_list_free(&l);
      return e->size_exceeded ? "out of memory" : "wasi:http: fields too large";
    }
  }
  if (*err != WH_HEADER_OK) wh_fields_list_free(&l);
  *out = l;
  return NULL;
}

const char *wh_fields_get(const wh_fields_env_t *e, const wh_fields_t *f, const wh_bytes_t *name, wh_bytes_t **ptr,
                          size_t *len) {
  const wh_fields_list_t *l = &f->list;
  size_t n = 0;
  for (size_t i = 0; i < l->n; i++) n += is_name(&l->items[i], name);
  *ptr = NULL;
  *len = 0;
  if (!n) return NULL;
  if (!(*ptr = e->host->alloc(e->call, n * sizeof **ptr, _Alignof(wh_bytes_t)))) return "out of memory";
  for (size_t i = 0; i < l->n; i++)
    if (is_name(&l->items[i], name) && !call_copy(e, &(*ptr)[(*len)++], l->items[i].value, l->items[i].vlen))
      return "out of memory";
  return NULL;
}

bool wh_fields_has(const wh_fields_t *f, const wh_bytes_t *name) {
  for (size_t i = 0; i < f->list.n; i++)
    if (is_name(&f->list.items[i], name)) return true;
  return false;
}

/* The checks shared by set/append/delete: mutable, name valid, allowed. */
static int may_change(const wh_fields_t *f, const wh_bytes_t *name) {
  if (f->immutable) return WH_HEADER_IMMUTABLE;
  if (!wh_field_name_ok((const char *)name->ptr, name->len)) return WH_HEADER_INVALID_SYNTAX;
  if (wh_field_forbidden((const char *)name->ptr, name->len)) return WH_HEADER_FORBIDDEN;
  return WH_HEADER_OK;
}

const char *wh_fields_set(const wh_fields_env_t *e, wh_fields_t *f, const wh_bytes_t *name, const wh_bytes_t *vals,
                          size_t n, bool replace, int *err) {
  if ((*err = may_change(f, name)) != WH_HEADER_OK) return NULL;
  for (size_t i = 0; i < n; i++)
    if (!wh_field_value_ok(vals[i].ptr, vals[i].len)) {
      *err = WH_HEADER_INVALID_SYNTAX;
      return NULL;
    }
  if (replace) wh_bytes_give(e->bytes, list_delete(&f->list, (const char *)name->ptr, name->len));
  size_t bytes = 0;
  for (size_t i = 0; i < n; i++) bytes += name->len + vals[i].len;
  if (!wh_bytes_take(e->bytes, e->max, bytes)) {
    if (!e->size_exceeded) return "wasi:http: the guest holds more header data than the plugin allows";
    *err = WH_HEADER_SIZE_EXCEEDED;
    return NULL;
  }
  /* appended to a field that exists, a name takes that field's spelling
  ** (names compare case-insensitively: "foo" then "FOO" is one field,
  ** "foo"; wasi-testsuite's http-fields) */
  /* (the name's own allocation, which stays where it is when adding
  ** moves the items: no copy needed, as in wh_fields_from_list) */
  const wh_field_t *first = list_find(&f->list, (const char *)name->ptr, name->len);
  const char *nm = first ? first->name : (const char *)name->ptr;
  for (size_t i = 0; i < n; i++)
    if (!wh_fields_list_add(&f->list, nm, name->len, vals[i].ptr, vals[i].len)) return "out of memory";
  return NULL;
}

const char *wh_fields_delete(const wh_fields_env_t *e, wh_fields_t *f, const wh_bytes_t *name, wh_bytes_t **ptr,
                             size_t *len, int *err) {
  if ((*err = may_change(f, name)) != WH_HEADER_OK) return NULL;
  const char *why = ptr ? wh_fields_get(e, f, name, ptr, len) : NULL;
  if (!why) wh_bytes_give(e->bytes, list_delete(&f->list, (const char *)name->ptr, name->len));
  return why;
}

const char *wh_fields_entries(const wh_fields_env_t *e, const wh_fields_t *f, wh_entry_t **ptr, size_t *len) {
  const wh_fields_list_t *l = &f->list;
  *ptr = NULL;
  *len = 0;
  if (!l->n) return NULL;
  if (!(*ptr = e->host->alloc(e->call, l->n * sizeof **ptr, _Alignof(wh_entry_t)))) return "out of memory";
  for (size_t i = 0; i < l->n; i++) {
    wh_entry_t *t = &(*ptr)[i];
    /* a string: NUL-terminated in call memory too (as wh_string_set) */
    size_t nlen = strlen(l->items[i].name);
    if (!call_copy(e, &t->name, l->items[i].name, nlen + 1)) return "out of memory";
    t->name.len = nlen;
    if (!call_copy(e, &t->value, l->items[i].value, l->items[i].vlen)) return "out of memory";
  }
  *len = l->n;
  return NULL;
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

/* The generated types are bindgen's strings and lists (h.h's wh_bytes_t). */
_Static_assert(sizeof(wasi_http_types_field_value_t) == sizeof(wh_bytes_t) &&
                   offsetof(wasi_http_types_field_value_t, ptr) == offsetof(wh_bytes_t, ptr) &&
                   offsetof(wasi_http_types_field_value_t, len) == offsetof(wh_bytes_t, len) &&
                   sizeof(wasi_http_types_field_name_t) == sizeof(wh_bytes_t) &&
                   offsetof(wasi_http_types_field_name_t, ptr) == offsetof(wh_bytes_t, ptr) &&
                   offsetof(wasi_http_types_field_name_t, len) == offsetof(wh_bytes_t, len) &&
                   sizeof(wh_tuple2_field_name_field_value_t) == sizeof(wh_entry_t) &&
                   offsetof(wh_tuple2_field_name_field_value_t, f1) == offsetof(wh_entry_t, value),
               "bindgen's list<u8> and string are {ptr, len}");

static wh_fields_env_t env(wh_ctx_t *cx) {
  wh_inst_t *in = wh_inst(cx);
  return (wh_fields_env_t){cx->host, cx->call, &in->bytes, WH_MAX_BYTES, false};
}

#define FIELDS(o, rep)                                                  \
  wh_obj_t *o = wh_obj_get(wh_inst(cx), rep, WH_FIELDS);                \
  if (!o) return wh_trap(cx, "wasi:http/types: unknown fields rep %u", rep)

/* A method's end: a trap, or the header-error case (if any) in ret. */
static int done(wh_ctx_t *cx, const char *why, int err, wh_result_void_header_error_t *ret) {
  if (why) return wh_trap(cx, "%s", why);
  if (err != WH_HEADER_OK) {
    ret->is_err = true;
    ret->val.err.tag = (uint8_t)err;
  }
  return 0;
}

int wasi_http_types_constructor_fields(wh_ctx_t *cx, wasi_http_types_own_fields_t *ret) {
  wh_fields_list_t l = {0};
  return wh_fields_make(cx, &l, false, &ret->rep);
}

int wasi_http_types_static_fields_from_list(wh_ctx_t *cx, const wh_list_tuple2_field_name_field_value_t *entries,
                                            wh_result_own_fields_header_error_t *ret) {
  wh_fields_env_t e = env(cx);
  wh_fields_list_t l;
  int err;
  const char *why = wh_fields_from_list(&e, (const wh_entry_t *)(const void *)entries->ptr, entries->len, &l, &err);
  if (why) return wh_trap(cx, "%s", why);
  if (err != WH_HEADER_OK) {
    ret->is_err = true;
    ret->val.err.tag = (uint8_t)err;
    return 0;
  }
  return wh_fields_make(cx, &l, false, &ret->val.ok.rep);
}

int wasi_http_types_method_fields_get(wh_ctx_t *cx, wasi_http_types_borrow_fields_t self,
                                      const wasi_http_types_field_name_t *name, wh_list_field_value_t *ret) {
  FIELDS(o, self.rep);
  wh_fields_env_t e = env(cx);
  wh_bytes_t *p;
  const char *why = wh_fields_get(&e, &o->u.fields, wh_as_bytes(name), &p, &ret->len);
  ret->ptr = (wasi_http_types_field_value_t *)(void *)p;
  return why ? wh_trap(cx, "%s", why) : 0;
}

int wasi_http_types_method_fields_has(wh_ctx_t *cx, wasi_http_types_borrow_fields_t self,
                                      const wasi_http_types_field_name_t *name, bool *ret) {
  FIELDS(o, self.rep);
  *ret = wh_fields_has(&o->u.fields, wh_as_bytes(name));
  return 0;
}

int wasi_http_types_method_fields_set(wh_ctx_t *cx, wasi_http_types_borrow_fields_t self,
                                      const wasi_http_types_field_name_t *name, const wh_list_field_value_t *value,
                                      wh_result_void_header_error_t *ret) {
  FIELDS(o, self.rep);
  wh_fields_env_t e = env(cx);
  int err;
  const char *why = wh_fields_set(&e, &o->u.fields, wh_as_bytes(name),
                                  wh_as_bytes(value->ptr), value->len, true, &err);
  return done(cx, why, err, ret);
}

int wasi_http_types_method_fields_delete(wh_ctx_t *cx, wasi_http_types_borrow_fields_t self,
                                         const wasi_http_types_field_name_t *name, wh_result_void_header_error_t *ret) {
  FIELDS(o, self.rep);
  wh_fields_env_t e = env(cx);
  int err;
  const char *why = wh_fields_delete(&e, &o->u.fields, wh_as_bytes(name), NULL, NULL, &err);
  return done(cx, why, err, ret);
}

int wasi_http_types_method_fields_append(wh_ctx_t *cx, wasi_http_types_borrow_fields_t self,
                                         const wasi_http_types_field_name_t *name,
                                         const wasi_http_types_field_value_t *value,
                                         wh_result_void_header_error_t *ret) {
  FIELDS(o, self.rep);
  wh_fields_env_t e = env(cx);
  int err;
  const char *why = wh_fields_set(&e, &o->u.fields, wh_as_bytes(name),
                                  wh_as_bytes(value), 1, false, &err);
  return done(cx, why, err, ret);
}

int wasi_http_types_method_fields_entries(wh_ctx_t *cx, wasi_http_types_borrow_fields_t self,
                                          wh_list_tuple2_field_name_field_value_t *ret) {
  FIELDS(o, self.rep);
  wh_fields_env_t e = env(cx);
  wh_entry_t *p;
  const char *why = wh_fields_entries(&e, &o->u.fields, &p, &ret->len);
  ret->ptr = (wh_tuple2_field_name_field_value_t *)(void *)p;
  return why ? wh_trap(cx, "%s", why) : 0;
}

int wasi_http_types_method_fields_clone(wh_ctx_t *cx, wasi_http_types_borrow_fields_t self,
                                        wasi_http_types_own_fields_t *ret) {
  FIELDS(o, self.rep);
  wh_fields_list_t copy;
  if (!wh_fields_list_copy(&copy, &o->u.fields.list)) return wh_trap(cx, "out of memory");
  return wh_fields_make(cx, &copy, false, &ret->rep); /* a clone is mutable */
}

void wasi_http_types_fields_destructor(wh_ctx_t *cx, uint32_t rep) { wh_obj_free(wh_inst(cx), rep, WH_FIELDS); }
