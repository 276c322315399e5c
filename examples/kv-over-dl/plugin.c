/*
** plugin.c — wasi:keyvalue/store as a wasm component plugin that calls the
** system's libsqlite3 through wasi:dl (the Wasmtime plugin RFC's scenario).
**
** The plugin is trusted code: the user grants it the library on its spec,
**     wasmplug run --plugin kv-dl.wasm,allow-dl=libsqlite3.so.0 app.wasm
** and it never hands wasi:dl on to the guest.  One sqlite3 ":memory:"
** database (opened on the first `open`, closed by wasmplug's lifecycle
** `shutdown` when the plugin instance goes) holds every bucket: table
** kv(bucket, k, v), values hex-encoded text (wasi:dl passes C strings both
** ways; a blob cannot be read back through an opaque pointer).
**
** Imports use bindings from `wasmplug bindgen c --guest wit --world
** dl-imports`.  C bindgen cannot export resources yet (the store's
** `bucket`), so the store's exports below are written by hand against the
** canonical ABI, as wit-component expects them: core functions named
** "wasi:keyvalue/store@0.2.0-draft2#...", a borrowed bucket arrives as its
** rep, results go through a return area, post-return frees what a result
** pointed to.  No WASI: the core module imports only wasi:dl and the
** bucket's resource intrinsics, so it needs no adapter.  (demo.sh also
** reshapes how jco's component exports the store; it says why.)
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dl_imports.h"

#define IFACE "wasi:keyvalue/store@0.2.0-draft2"

/* sqlite3 result codes used here */
#define SQLITE_OK 0
#define SQLITE_ROW 100
#define SQLITE_DONE 101

typedef wasi_dl_ffi_own_alloc_t alloc_t;
typedef wasi_dl_dll_own_function_t func_t;
typedef wasi_dl_ffi_outgoing_value_t value_t;

/* ------------------------------------------------------------ wasi:dl */

/* The library and its functions, looked up once (the instance's state). */
static struct {
  int ready;
  wasi_dl_dll_own_library_t lib;
  alloc_t db; /* opaque: the sqlite3 * */
  func_t open, prepare, bind_text, step, column_text, finalize, errmsg, close;
} S;

static char errbuf[512];

/* Formats "A: B" into errbuf (B may be NULL) and returns it. */
static const char *fail2(const char *a, const char *b, size_t blen) {
  size_t n = strlen(a);
  if (n > sizeof errbuf - 1) n = sizeof errbuf - 1;
  memcpy(errbuf, a, n);
  if (b && n + 2 < sizeof errbuf) {
    errbuf[n++] = ':';
    errbuf[n++] = ' ';
    if (blen > sizeof errbuf - 1 - n) blen = sizeof errbuf - 1 - n;
    memcpy(errbuf + n, b, blen);
    n += blen;
  }
  errbuf[n] = 0;
  return errbuf;
}
static const char *fail(const char *a) { return fail2(a, NULL, 0); }

static wasi_dl_ffi_ffi_type_t prim(wasi_dl_ffi_primitive_type_t p) {
  wasi_dl_ffi_ffi_type_t t;
  memset(&t, 0, sizeof t);
  t.tag = WASI_DL_FFI_FFI_TYPE_PRIMITIVE;
  t.val.primitive = p;
  return t;
}
#define P WASI_DL_FFI_PRIMITIVE_TYPE_POINTER
#define I WASI_DL_FFI_PRIMITIVE_TYPE_C_INT

/* library.get(name) as a function with the signature SIG ("pp>i": args,
** then the result type), the one the allowlist may pin. */
static const char *lookup(const char *name, const char *sig, func_t *out) {
  dl_imports_string_t n = {(uint8_t *)name, strlen(name)};
  dl_imports_result_own_symbol_string_t r;
  wasi_dl_dll_method_library_get(wasi_dl_dll_borrow_library(S.lib), &n, &r);
  if (r.is_err) {
    const char *m = fail2(name, (const char *)r.val.err.ptr, r.val.err.len);
    dl_imports_string_free(&r.val.err);
    return m;
  }
  wasi_dl_ffi_ffi_type_t args[8];
  size_t na = 0;
  for (; *sig != '>'; sig++) args[na++] = prim(*sig == 'p' ? P : I);
  dl_imports_list_ffi_type_t al = {args, na};
  dl_imports_option_ffi_type_t ret = {true, prim(sig[1] == 'p' ? P : I)};
  *out = wasi_dl_dll_method_symbol_get_function(wasi_dl_dll_borrow_symbol(r.val.ok), &al, &ret);
  wasi_dl_dll_symbol_drop_own(r.val.ok);
  return NULL;
}

static value_t v_prim(wasi_dl_ffi_own_outgoing_primitive_t o) {
  value_t v;
  memset(&v, 0, sizeof v);
  v.tag = WASI_DL_FFI_OUTGOING_VALUE_PRIMITIVE;
  v.val.primitive = o;
  return v;
}
/* A pointer argument: the address an alloc stands for (kept alive by the value). */
static value_t v_ptr(alloc_t a) {
  wasi_dl_ffi_own_outgoing_primitive_t o = wasi_dl_ffi_constructor_outgoing_primitive(P);
  dl_imports_result_void_void_t r;
  wasi_dl_ffi_method_outgoing_primitive_set_addr(wasi_dl_ffi_borrow_outgoing_primitive(o),
                                                 wasi_dl_ffi_borrow_alloc(a), &r);
  return v_prim(o);
}
static value_t v_null(void) {
  wasi_dl_ffi_own_outgoing_primitive_t o = wasi_dl_ffi_constructor_outgoing_primitive(P);
  dl_imports_result_void_void_t r;
  wasi_dl_ffi_method_outgoing_primitive_set_u64(wasi_dl_ffi_borrow_outgoing_primitive(o), 0, &r);
  return v_prim(o);
}
static value_t v_int(int32_t x) {
  wasi_dl_ffi_own_outgoing_primitive_t o = wasi_dl_ffi_constructor_outgoing_primitive(I);
  dl_imports_result_void_void_t r;
  wasi_dl_ffi_method_outgoing_primitive_set_s32(wasi_dl_ffi_borrow_outgoing_primitive(o), x, &r);
  return v_prim(o);
}

/* Calls F (the values are consumed); *res gets the incoming primitive. */
static int call(func_t f, value_t *args, size_t n, wasi_dl_ffi_own_incoming_primitive_t *res) {
  dl_imports_list_outgoing_value_t l = {args, n};
  dl_imports_result_option_incoming_value_void_t r;
  wasi_dl_dll_method_function_call(wasi_dl_dll_borrow_function(f), &l, &r);
  if (r.is_err || !r.val.ok.is_some || r.val.ok.val.tag != WASI_DL_FFI_INCOMING_VALUE_PRIMITIVE) return 0;
  *res = r.val.ok.val.val.primitive;
  return 1;
}
/* A call returning c-int: the int, or -1 when the call failed. */
static int32_t call_int(func_t f, value_t *args, size_t n) {
  wasi_dl_ffi_own_incoming_primitive_t p;
  if (!call(f, args, n, &p)) return -1;
  dl_imports_result_s32_void_t r;
  wasi_dl_ffi_method_incoming_primitive_get_s32(wasi_dl_ffi_borrow_incoming_primitive(p), &r);
  wasi_dl_ffi_incoming_primitive_drop_own(p);
  return r.is_err ? -1 : r.val.ok;
}
/* A call returning a pointer: 1 and an opaque alloc, or 0 (NULL or failure). */
static int call_ptr(func_t f, value_t *args, size_t n, alloc_t *out) {
  wasi_dl_ffi_own_incoming_primitive_t p;
  if (!call(f, args, n, &p)) return 0;
  dl_imports_result_own_alloc_void_t r;
  wasi_dl_ffi_method_incoming_primitive_get_alloc(wasi_dl_ffi_borrow_incoming_primitive(p), &r);
  wasi_dl_ffi_incoming_primitive_drop_own(p);
  if (r.is_err) return 0;
  *out = r.val.ok;
  return 1;
}

/* A new `pointer` alloc (an out-parameter slot). */
static alloc_t pointer_slot(void) {
  wasi_dl_ffi_ffi_type_t t = prim(P);
  dl_imports_result_own_alloc_void_t r;
  wasi_dl_ffi_static_alloc_new(&t, &r);
  return r.val.ok; /* alloc.new of a primitive cannot fail */
}
/* The pointer a `pointer` alloc holds, as an opaque alloc; SLOT is dropped. */
static int held(alloc_t slot, alloc_t *out) {
  dl_imports_result_own_incoming_primitive_void_t p;
  wasi_dl_ffi_method_alloc_read_primitive(wasi_dl_ffi_borrow_alloc(slot), &p);
  wasi_dl_ffi_alloc_drop_own(slot);
  if (p.is_err) return 0;
  dl_imports_result_own_alloc_void_t a;
  wasi_dl_ffi_method_incoming_primitive_get_alloc(wasi_dl_ffi_borrow_incoming_primitive(p.val.ok), &a);
  wasi_dl_ffi_incoming_primitive_drop_own(p.val.ok);
  if (a.is_err) return 0;
  *out = a.val.ok;
  return 1;
}
/* A const char * C can read: a copy of S (no NUL inside), as an opaque alloc. */
static int c_string(const uint8_t *s, size_t n, alloc_t *out) {
  if (memchr(s, 0, n)) return 0;
  alloc_t slot = pointer_slot();
  dl_imports_string_t str = {(uint8_t *)s, n};
  dl_imports_result_void_void_t w;
  wasi_dl_ffi_method_alloc_write_string(wasi_dl_ffi_borrow_alloc(slot), &str, &w);
  if (w.is_err) {
    wasi_dl_ffi_alloc_drop_own(slot);
    return 0;
  }
  return held(slot, out);
}
/* Reads the C string an opaque alloc stands for (malloc'd, NUL-terminated). */
static char *read_c_string(alloc_t a, size_t *len) {
  dl_imports_result_string_void_t r;
  wasi_dl_ffi_method_alloc_read_string(wasi_dl_ffi_borrow_alloc(a), &r);
  if (r.is_err) return NULL;
  char *s = malloc(r.val.ok.len + 1);
  if (!s) abort();
  memcpy(s, r.val.ok.ptr, r.val.ok.len);
  s[r.val.ok.len] = 0;
  *len = r.val.ok.len;
  dl_imports_string_free(&r.val.ok);
  return s;
}

/* "WHAT: sqlite3_errmsg(db)" */
static const char *db_error(const char *what) {
  value_t a[1] = {v_ptr(S.db)};
  alloc_t m;
  if (!call_ptr(S.errmsg, a, 1, &m)) return fail(what);
  size_t n = 0;
  char *s = read_c_string(m, &n);
  wasi_dl_ffi_alloc_drop_own(m);
  const char *e = s ? fail2(what, s, n) : fail(what);
  free(s);
  return e;
}

/* One statement: SQL with NP text parameters; each row's first column
** (text) goes to ROW(ctx, text, len).  Returns NULL or an error message. */
typedef void row_fn(void *ctx, const char *text, size_t len);
static const char *query(const char *sql, const uint8_t **params, const size_t *lens, int np, row_fn *row,
                         void *ctx) {
  alloc_t sqlstr, stmt, ps[4];
  int nps = 0;
  const char *err = NULL;
  if (!c_string((const uint8_t *)sql, strlen(sql), &sqlstr)) return fail("bad SQL text");
  alloc_t slot = pointer_slot();
  value_t pa[5] = {v_ptr(S.db), v_ptr(sqlstr), v_int(-1), v_ptr(slot), v_null()};
  int32_t rc = call_int(S.prepare, pa, 5);
  wasi_dl_ffi_alloc_drop_own(sqlstr);
  if (rc != SQLITE_OK) {
    wasi_dl_ffi_alloc_drop_own(slot);
    return db_error("sqlite3_prepare_v2");
  }
  if (!held(slot, &stmt)) return fail("sqlite3_prepare_v2 returned no statement");
  for (int i = 0; i < np && !err; i++) {
    /* SQLITE_STATIC (NULL): sqlite keeps the pointer, so the copy lives
    ** (ps[]) until the statement is finalized */
    if (!c_string(params[i], lens[i], &ps[nps])) {
      err = fail("keys and bucket names cannot contain NUL characters");
      break;
    }
    value_t ba[5] = {v_ptr(stmt), v_int(i + 1), v_ptr(ps[nps]), v_int(-1), v_null()};
    nps++;
    if (call_int(S.bind_text, ba, 5) != SQLITE_OK) err = db_error("sqlite3_bind_text");
  }
  while (!err) {
    value_t sa[1] = {v_ptr(stmt)};
    rc = call_int(S.step, sa, 1);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) {
      err = db_error("sqlite3_step");
      break;
    }
    value_t ca[2] = {v_ptr(stmt), v_int(0)};
    alloc_t t;
    if (!call_ptr(S.column_text, ca, 2, &t)) {
      if (row) row(ctx, "", 0); /* NULL column */
      continue;
    }
    size_t n = 0;
    char *s = read_c_string(t, &n);
    wasi_dl_ffi_alloc_drop_own(t);
    if (!s) {
      err = fail("sqlite3_column_text: unreadable text");
      break;
    }
    if (row) row(ctx, s, n);
    free(s);
  }
  value_t fa[1] = {v_ptr(stmt)};
  call_int(S.finalize, fa, 1);
  wasi_dl_ffi_alloc_drop_own(stmt);
  for (int i = 0; i < nps; i++) wasi_dl_ffi_alloc_drop_own(ps[i]);
  return err;
}

/* Opens libsqlite3 and the database once per plugin instance. */
static const char *db_start(void) {
  if (S.ready) return NULL;
  const char *libname = "libsqlite3.so.0";
  dl_imports_option_string_t name = {true, {(uint8_t *)libname, strlen(libname)}};
  dl_imports_result_own_library_string_t lr;
  wasi_dl_dll_static_library_open(&name, WASI_DL_DLL_OPEN_FLAGS_NOW, &lr);
  if (lr.is_err) {
    const char *m = fail2("cannot open libsqlite3.so.0", (const char *)lr.val.err.ptr, lr.val.err.len);
    dl_imports_string_free(&lr.val.err);
    return m;
  }
  S.lib = lr.val.ok;
  const char *e;
  if ((e = lookup("sqlite3_open", "pp>i", &S.open)) || (e = lookup("sqlite3_prepare_v2", "ppipp>i", &S.prepare)) ||
      (e = lookup("sqlite3_bind_text", "pipip>i", &S.bind_text)) || (e = lookup("sqlite3_step", "p>i", &S.step)) ||
      (e = lookup("sqlite3_column_text", "pi>p", &S.column_text)) ||
      (e = lookup("sqlite3_finalize", "p>i", &S.finalize)) || (e = lookup("sqlite3_errmsg", "p>p", &S.errmsg)) ||
      (e = lookup("sqlite3_close", "p>i", &S.close)))
    return e;
  alloc_t path, slot = pointer_slot();
  if (!c_string((const uint8_t *)":memory:", 8, &path)) return fail("cannot pass the database name");
  value_t oa[2] = {v_ptr(path), v_ptr(slot)};
  int32_t rc = call_int(S.open, oa, 2);
  wasi_dl_ffi_alloc_drop_own(path);
  if (!held(slot, &S.db)) return fail("sqlite3_open returned no database");
  if (rc != SQLITE_OK) return db_error("sqlite3_open");
  /* (on a failure above, what was opened is released when the instance ends) */
  e = query("create table if not exists kv(bucket text not null, k text not null, v text not null,"
            " primary key(bucket, k))",
            NULL, NULL, 0, NULL, NULL);
  if (!e) S.ready = 1;
  return e;
}

/* Closes the database and the library (lifecycle shutdown, below):
** sqlite's memory is C memory, which nothing frees when the plugin
** instance ends, whatever the guest dropped or left behind. */
static void db_stop(void) {
  if (!S.ready) return;
  value_t a[1] = {v_ptr(S.db)};
  call_int(S.close, a, 1);
  wasi_dl_ffi_alloc_drop_own(S.db);
  func_t *fs[] = {&S.open, &S.prepare, &S.bind_text, &S.step, &S.column_text, &S.finalize, &S.errmsg, &S.close};
  for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++) wasi_dl_dll_function_drop_own(*fs[i]);
  wasi_dl_dll_library_drop_own(S.lib); /* dlclose */
  memset(&S, 0, sizeof S);
}

/* ------------------------------------------------------------ buckets */

/* Buckets are reps 1..MAX_BUCKETS; a bucket is its identifier. */
#define MAX_BUCKETS 64
static struct {
  uint8_t *name;
  size_t len;
  int used;
} buckets[MAX_BUCKETS + 1];

__attribute__((__import_module__("[export]" IFACE), __import_name__("[resource-new]bucket")))
extern int32_t bucket_resource_new(int32_t rep);

/* ------------------------------------------------------------ exports */

/* Results go through one return area; what they point to is malloc'd and
** freed by post-return (or, at the latest, by the next call). */
static uint32_t ret_area[8];
static void *pending[4096];
static size_t n_pending;

static void free_pending(void) {
  while (n_pending) free(pending[--n_pending]);
}
static void *keep(void *p) {
  if (n_pending == sizeof pending / sizeof pending[0]) abort();
  pending[n_pending++] = p;
  return p;
}
static uint8_t *area(void) {
  free_pending();
  memset(ret_area, 0, sizeof ret_area);
  return (uint8_t *)ret_area;
}
static void put32(uint8_t *a, size_t off, uint32_t v) { memcpy(a + off, &v, 4); }
/* result<_, error> set to error::other(msg) */
static int32_t ret_error(uint8_t *a, const char *msg) {
  size_t n = strlen(msg);
  char *copy = keep(malloc(n ? n : 1));
  if (!copy) abort();
  memcpy(copy, msg, n);
  a[0] = 1;
  a[4] = 2; /* other */
  put32(a, 8, (uint32_t)(uintptr_t)copy);
  put32(a, 12, (uint32_t)n);
  return (int32_t)(uintptr_t)a;
}

/* A borrowed bucket arrives as its rep; the runtime checked the handle, this
** checks the rep is one we handed out. */
static int bucket_ok(int32_t b) { return b >= 1 && b <= MAX_BUCKETS && buckets[b].used; }

static const char *hexdigits = "0123456789abcdef";

__attribute__((__export_name__(IFACE "#open"))) int32_t kv_open(uint8_t *name, size_t len) {
  uint8_t *a = area();
  const char *e = db_start();
  if (e) {
    free(name);
    return ret_error(a, e);
  }
  for (int i = 1; i <= MAX_BUCKETS; i++)
    if (!buckets[i].used) {
      buckets[i].used = 1;
      buckets[i].name = name; /* owned: the host allocated it for us */
      buckets[i].len = len;
      put32(a, 4, (uint32_t)bucket_resource_new(i));
      return (int32_t)(uintptr_t)a;
    }
  free(name);
  return ret_error(a, "too many open buckets");
}

__attribute__((__export_name__(IFACE "#[dtor]bucket"))) void kv_bucket_dtor(int32_t rep) {
  if (rep < 1 || rep > MAX_BUCKETS || !buckets[rep].used) return;
  free(buckets[rep].name);
  buckets[rep].used = 0;
}

static void one_value(void *ctx, const char *s, size_t n) {
  char **out = ctx;
  free(*out);
  *out = malloc(n + 1);
  if (!*out) abort();
  memcpy(*out, s, n + 1);
}

static const char *hexval(int c) {
  const char *p = c ? strchr(hexdigits, c) : NULL;
  return p;
}

__attribute__((__export_name__(IFACE "#[method]bucket.get"))) int32_t kv_get(int32_t b, uint8_t *key,
                                                                              size_t klen) {
  uint8_t *a = area();
  if (!bucket_ok(b)) {
    free(key);
    return ret_error(a, "no such bucket");
  }
  const uint8_t *ps[2] = {buckets[b].name, key};
  size_t ls[2] = {buckets[b].len, klen};
  char *hex = NULL;
  const char *e = query("select v from kv where bucket = ?1 and k = ?2", ps, ls, 2, one_value, &hex);
  free(key);
  if (e) {
    free(hex);
    return ret_error(a, e);
  }
  if (hex) {
    size_t n = strlen(hex) / 2;
    uint8_t *v = keep(malloc(n ? n : 1));
    if (!v) abort();
    for (size_t i = 0; i < n; i++) {
      const char *h = hexval(hex[2 * i]), *l = hexval(hex[2 * i + 1]);
      if (!h || !l) {
        free(hex);
        return ret_error(a, "corrupt value in the database");
      }
      v[i] = (uint8_t)((h - hexdigits) << 4 | (l - hexdigits));
    }
    a[4] = 1;
    put32(a, 8, (uint32_t)(uintptr_t)v);
    put32(a, 12, (uint32_t)n);
  }
  free(hex);
  return (int32_t)(uintptr_t)a;
}

__attribute__((__export_name__(IFACE "#[method]bucket.set"))) int32_t kv_set(int32_t b, uint8_t *key, size_t klen,
                                                                              uint8_t *val, size_t vlen) {
  uint8_t *a = area();
  if (!bucket_ok(b)) {
    free(key);
    free(val);
    return ret_error(a, "no such bucket");
  }
  char *hex = malloc(2 * vlen + 1);
  if (!hex) abort();
  for (size_t i = 0; i < vlen; i++) {
    hex[2 * i] = hexdigits[val[i] >> 4];
    hex[2 * i + 1] = hexdigits[val[i] & 15];
  }
  hex[2 * vlen] = 0;
  const uint8_t *ps[3] = {buckets[b].name, key, (const uint8_t *)hex};
  size_t ls[3] = {buckets[b].len, klen, 2 * vlen};
  const char *e = query("insert or replace into kv(bucket, k, v) values (?1, ?2, ?3)", ps, ls, 3, NULL, NULL);
  free(hex);
  free(key);
  free(val);
  return e ? ret_error(a, e) : (int32_t)(uintptr_t)a;
}

__attribute__((__export_name__(IFACE "#[method]bucket.delete"))) int32_t kv_delete(int32_t b, uint8_t *key,
                                                                                    size_t klen) {
  uint8_t *a = area();
  if (!bucket_ok(b)) {
    free(key);
    return ret_error(a, "no such bucket");
  }
  const uint8_t *ps[2] = {buckets[b].name, key};
  size_t ls[2] = {buckets[b].len, klen};
  const char *e = query("delete from kv where bucket = ?1 and k = ?2", ps, ls, 2, NULL, NULL);
  free(key);
  return e ? ret_error(a, e) : (int32_t)(uintptr_t)a;
}

static void count_row(void *ctx, const char *s, size_t n) {
  (void)s, (void)n;
  ++*(int *)ctx;
}

__attribute__((__export_name__(IFACE "#[method]bucket.exists"))) int32_t kv_exists(int32_t b, uint8_t *key,
                                                                                    size_t klen) {
  uint8_t *a = area();
  if (!bucket_ok(b)) {
    free(key);
    return ret_error(a, "no such bucket");
  }
  const uint8_t *ps[2] = {buckets[b].name, key};
  size_t ls[2] = {buckets[b].len, klen};
  int rows = 0;
  const char *e = query("select 1 from kv where bucket = ?1 and k = ?2", ps, ls, 2, count_row, &rows);
  free(key);
  if (e) return ret_error(a, e);
  a[4] = rows > 0;
  return (int32_t)(uintptr_t)a;
}

/* list-keys collects (ptr, len) pairs of malloc'd keys. */
typedef struct {
  uint32_t *pairs;
  size_t n, cap;
} keys_t;
static void add_key(void *ctx, const char *s, size_t n) {
  keys_t *k = ctx;
  if (k->n == k->cap) {
    k->cap = k->cap ? 2 * k->cap : 16;
    k->pairs = realloc(k->pairs, k->cap * 8);
    if (!k->pairs) abort();
  }
  char *copy = keep(malloc(n ? n : 1));
  if (!copy) abort();
  memcpy(copy, s, n);
  k->pairs[2 * k->n] = (uint32_t)(uintptr_t)copy;
  k->pairs[2 * k->n + 1] = (uint32_t)n;
  k->n++;
}

/* Every key in one page (the cursor is never set): enough for the demo. */
__attribute__((__export_name__(IFACE "#[method]bucket.list-keys"))) int32_t kv_list_keys(int32_t b, int32_t has_cursor,
                                                                                          uint8_t *cursor, size_t clen) {
  uint8_t *a = area();
  if (has_cursor) {
    free(cursor);
    return ret_error(a, "unsupported: cursors (every key is in the first page)");
  }
  (void)clen;
  if (!bucket_ok(b)) return ret_error(a, "no such bucket");
  const uint8_t *ps[1] = {buckets[b].name};
  size_t ls[1] = {buckets[b].len};
  keys_t k = {NULL, 0, 0};
  const char *e = query("select k from kv where bucket = ?1 order by k", ps, ls, 1, add_key, &k);
  if (e) {
    free(k.pairs);
    return ret_error(a, e);
  }
  if (k.pairs) keep(k.pairs);
  put32(a, 4, (uint32_t)(uintptr_t)k.pairs);
  put32(a, 8, (uint32_t)k.n);
  return (int32_t)(uintptr_t)a;
}

/* ------------------------------------------------------------ lifecycle */

/* wasmplug:plugin/lifecycle (docs/components.md).  The database lives as
** long as the plugin instance: one guest's run, or with `shared` every
** guest's until the host ends; bind and unbind have nothing to do.
** shutdown comes right before the instance goes and closes sqlite (the
** buckets a guest left undropped were dropped before, by the host). */
#define LIFE "wasmplug:plugin/lifecycle@0.1.0"
__attribute__((__export_name__(LIFE "#bind"))) void life_bind(uint64_t guest) { (void)guest; }
__attribute__((__export_name__(LIFE "#unbind"))) void life_unbind(uint64_t guest) { (void)guest; }
__attribute__((__export_name__(LIFE "#shutdown"))) void life_shutdown(void) {
  for (int i = 1; i <= MAX_BUCKETS; i++)
    if (buckets[i].used) {
      free(buckets[i].name);
      buckets[i].used = 0;
    }
  free_pending();
  db_stop();
}

/* post-return: what the last result pointed to is no longer needed */
#define POST(name, f)                                                                                               \
  __attribute__((__export_name__("cabi_post_" IFACE name))) void f(int32_t ret) {                                  \
    (void)ret;                                                                                                      \
    free_pending();                                                                                                 \
  }
POST("#open", post_open)
POST("#[method]bucket.get", post_get)
POST("#[method]bucket.set", post_set)
POST("#[method]bucket.delete", post_delete)
POST("#[method]bucket.exists", post_exists)
POST("#[method]bucket.list-keys", post_list_keys)
