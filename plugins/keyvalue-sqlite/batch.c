/*
** batch.c — wasi:keyvalue/batch: get-many, set-many, delete-many.  Writes
** run in one transaction so a batch is all or nothing.
*/
#include <stdlib.h>

#include "kv.h"

int wasi_keyvalue_batch_get_many(kv_ctx_t *cx, wasi_keyvalue_store_borrow_bucket_t bucket,
                                 const wasi_keyvalue_list_string_t *keys,
                                 wasi_keyvalue_result_list_option_tuple2_string_list_u8_error_t *ret) {
  const kv_bucket_t *b = kv_bucket(cx, bucket.rep);
  if (!b) return wasi_keyvalue_trap(cx, "keyvalue-sqlite: unknown bucket rep %u", bucket.rep);
  wasi_keyvalue_option_tuple2_string_list_u8_t *out = NULL;
  if (keys->len) {
    out = wasi_keyvalue_alloc(cx, keys->len * sizeof *out, _Alignof(wasi_keyvalue_option_tuple2_string_list_u8_t));
    if (!out) return wasi_keyvalue_trap(cx, "keyvalue-sqlite: out of call memory");
  }
  for (size_t i = 0; i < keys->len; i++) {
    bool found;
    uint8_t *val;
    size_t len;
    int rc = kv_read(cx, b->name, keys->ptr[i].ptr, keys->ptr[i].len, &found, &val, &len, false);
    if (rc != SQLITE_OK) {
      ret->is_err = true;
      return kv_sqlite_error(cx, rc, &ret->val.err);
    }
    out[i].is_some = found;
    if (found) {
      /* the key string lives in call memory already: the host copied it */
      out[i].val.f0 = keys->ptr[i];
      out[i].val.f1.ptr = val;
      out[i].val.f1.len = len;
    }
  }
  ret->val.ok.ptr = out;
  ret->val.ok.len = keys->len;
  return 0;
}

/* Runs op on every key inside one IMMEDIATE transaction. */
static int each_in_tx(kv_ctx_t *cx, const kv_bucket_t *b, size_t n,
                      int (*op)(kv_instance_t *, const char *, const void *, size_t), const void *items,
                      wasi_keyvalue_result_void_error_t *ret) {
  kv_instance_t *in = kv_inst(cx);
  int rc = kv_begin(in);
  for (size_t i = 0; i < n && rc == SQLITE_OK; i++) rc = op(in, b->name, items, i);
  if (rc == SQLITE_OK) rc = kv_commit(in);
  if (rc != SQLITE_OK) {
    kv_rollback(in);
    ret->is_err = true;
    return kv_sqlite_error(cx, rc, &ret->val.err);
  }
  return 0;
}

static int set_one(kv_instance_t *in, const char *bucket, const void *items, size_t i) {
  const wasi_keyvalue_tuple2_string_list_u8_t *kv = (const wasi_keyvalue_tuple2_string_list_u8_t *)items + i;
  return kv_write(in, bucket, kv->f0.ptr, kv->f0.len, kv->f1.ptr, kv->f1.len);
}

static int delete_one(kv_instance_t *in, const char *bucket, const void *items, size_t i) {
  const wasi_keyvalue_string_t *k = (const wasi_keyvalue_string_t *)items + i;
  return kv_erase(in, bucket, k->ptr, k->len);
}

int wasi_keyvalue_batch_set_many(kv_ctx_t *cx, wasi_keyvalue_store_borrow_bucket_t bucket,
                                 const wasi_keyvalue_list_tuple2_string_list_u8_t *key_values,
                                 wasi_keyvalue_result_void_error_t *ret) {
  const kv_bucket_t *b = kv_bucket(cx, bucket.rep);
  if (!b) return wasi_keyvalue_trap(cx, "keyvalue-sqlite: unknown bucket rep %u", bucket.rep);
  return each_in_tx(cx, b, key_values->len, set_one, key_values->ptr, ret);
}

int wasi_keyvalue_batch_delete_many(kv_ctx_t *cx, wasi_keyvalue_store_borrow_bucket_t bucket,
                                    const wasi_keyvalue_list_string_t *keys,
                                    wasi_keyvalue_result_void_error_t *ret) {
  const kv_bucket_t *b = kv_bucket(cx, bucket.rep);
  if (!b) return wasi_keyvalue_trap(cx, "keyvalue-sqlite: unknown bucket rep %u", bucket.rep);
  return each_in_tx(cx, b, keys->len, delete_one, keys->ptr, ret);
}
