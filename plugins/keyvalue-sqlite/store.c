/*
** store.c — wasi:keyvalue/store: open a bucket, get/set/delete/exists on
** one key, list-keys in pages with a cursor (the last key of the page).
*/
#include <stdlib.h>
#include <string.h>

#include "kv.h"

/* A borrowed bucket rep the plugin never handed out cannot come from the
** host (it validates handles), so it means a host bug: trap loudly. */
#define BUCKET_OR_TRAP(cx, rep, b)                                                      \
  const kv_bucket_t *b = kv_bucket(cx, rep);                                            \
  if (!b) return wasi_keyvalue_trap(cx, "keyvalue-sqlite: unknown bucket rep %u", rep)

int wasi_keyvalue_store_open(kv_ctx_t *cx, const wasi_keyvalue_string_t *identifier,
                             wasi_keyvalue_result_own_bucket_error_t *ret) {
  /* Buckets are created on first use: any identifier names a bucket,
  ** except the empty one, which names no store. */
  if (identifier->len == 0 || memchr(identifier->ptr, 0, identifier->len)) {
    ret->is_err = true;
    ret->val.err.tag = WASI_KEYVALUE_STORE_ERROR_NO_SUCH_STORE;
    return 0;
  }
  uint32_t rep = 0;
  kv_bucket_t *b = wp_slots_new(&kv_inst(cx)->buckets, &rep);
  if (b && !(b->name = strndup((const char *)identifier->ptr, identifier->len))) {
    wp_slots_free(&kv_inst(cx)->buckets, rep);
    b = NULL;
  }
  if (!b) {
    ret->is_err = true;
    return kv_other(cx, &ret->val.err, "too many open buckets, or out of memory");
  }
  ret->val.ok.rep = rep;
  return 0;
}

int wasi_keyvalue_store_method_bucket_get(kv_ctx_t *cx, wasi_keyvalue_store_borrow_bucket_t self,
                                          const wasi_keyvalue_string_t *key,
                                          wasi_keyvalue_result_option_list_u8_error_t *ret) {
  BUCKET_OR_TRAP(cx, self.rep, b);
  bool found;
  uint8_t *val;
  size_t len;
  int rc = kv_read(cx, b->name, key->ptr, key->len, &found, &val, &len, false);
  if (rc != SQLITE_OK) {
    ret->is_err = true;
    return kv_sqlite_error(cx, rc, &ret->val.err);
  }
  ret->val.ok.is_some = found;
  ret->val.ok.val.ptr = val;
  ret->val.ok.val.len = len;
  return 0;
}

int wasi_keyvalue_store_method_bucket_set(kv_ctx_t *cx, wasi_keyvalue_store_borrow_bucket_t self,
                                          const wasi_keyvalue_string_t *key,
                                          const wasi_keyvalue_list_u8_t *value,
                                          wasi_keyvalue_result_void_error_t *ret) {
  BUCKET_OR_TRAP(cx, self.rep, b);
  int rc = kv_write(kv_inst(cx), b->name, key->ptr, key->len, value->ptr, value->len);
  if (rc != SQLITE_OK) {
    ret->is_err = true;
    return kv_sqlite_error(cx, rc, &ret->val.err);
  }
  return 0;
}

int wasi_keyvalue_store_method_bucket_delete(kv_ctx_t *cx, wasi_keyvalue_store_borrow_bucket_t self,
                                             const wasi_keyvalue_string_t *key,
                                             wasi_keyvalue_result_void_error_t *ret) {
  BUCKET_OR_TRAP(cx, self.rep, b);
  int rc = kv_erase(kv_inst(cx), b->name, key->ptr, key->len);
  if (rc != SQLITE_OK) {
    ret->is_err = true;
    return kv_sqlite_error(cx, rc, &ret->val.err);
  }
  return 0;
}

int wasi_keyvalue_store_method_bucket_exists(kv_ctx_t *cx, wasi_keyvalue_store_borrow_bucket_t self,
                                             const wasi_keyvalue_string_t *key,
                                             wasi_keyvalue_result_bool_error_t *ret) {
  BUCKET_OR_TRAP(cx, self.rep, b);
  sqlite3_stmt *st = NULL;
  sqlite3 *db = kv_inst(cx)->db;
  int rc = sqlite3_prepare_v2(db, "SELECT 1 FROM kv WHERE bucket = ?1 AND key = ?2", -1, &st, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 1, b->name, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 2, (const char *)key->ptr, (int)key->len, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    ret->is_err = true;
    return kv_sqlite_error(cx, rc, &ret->val.err);
  }
  ret->val.ok = rc == SQLITE_ROW;
  return 0;
}

int wasi_keyvalue_store_method_bucket_list_keys(kv_ctx_t *cx, wasi_keyvalue_store_borrow_bucket_t self,
                                                const wasi_keyvalue_option_string_t *cursor,
                                                wasi_keyvalue_result_key_response_error_t *ret) {
  BUCKET_OR_TRAP(cx, self.rep, b);
  uint32_t page = kv_inst(cx)->plugin->page_size;
  wasi_keyvalue_string_t *keys = wasi_keyvalue_alloc(cx, (size_t)page * sizeof *keys, _Alignof(wasi_keyvalue_string_t));
  if (!keys) return wasi_keyvalue_trap(cx, "keyvalue-sqlite: out of call memory");
  sqlite3_stmt *st = NULL;
  /* One row more than a page tells whether another page follows. */
  int rc = sqlite3_prepare_v2(kv_inst(cx)->db,
                              "SELECT key FROM kv WHERE bucket = ?1 AND (?2 IS NULL OR key > ?2) "
                              "ORDER BY key LIMIT ?3",
                              -1, &st, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 1, b->name, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = cursor->is_some ? sqlite3_bind_text(st, 2, (const char *)cursor->val.ptr, (int)cursor->val.len, SQLITE_STATIC)
                         : sqlite3_bind_null(st, 2);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 3, (sqlite3_int64)page + 1);
  size_t n = 0;
  bool more = false;
  while (rc == SQLITE_OK) {
    int s = sqlite3_step(st);
    if (s == SQLITE_DONE) break;
    if (s != SQLITE_ROW) {
      rc = s;
      break;
    }
    if (n == page) {
      more = true;
      break;
    }
    const unsigned char *k = sqlite3_column_text(st, 0);
    int len = sqlite3_column_bytes(st, 0);
    if (wasi_keyvalue_string_set(cx, &keys[n], k, (size_t)len)) {
      sqlite3_finalize(st);
      return wasi_keyvalue_trap(cx, "keyvalue-sqlite: out of call memory");
    }
    n++;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_OK) {
    ret->is_err = true;
    return kv_sqlite_error(cx, rc, &ret->val.err);
  }
  ret->val.ok.keys.ptr = keys;
  ret->val.ok.keys.len = n;
  if (more) {
    ret->val.ok.cursor.is_some = true;
    ret->val.ok.cursor.val = keys[n - 1]; /* the next page starts after it */
  }
  return 0;
}
