/*
** atomics.c — wasi:keyvalue/atomics: increment and compare-and-swap.
**
** Counters are stored as 8-byte little-endian s64 values (a missing key
** counts as 0).  A cas remembers the value of its key when it was made;
** swap writes only if the key still holds exactly that value (or is still
** absent), inside one IMMEDIATE transaction so another instance on the
** same file cannot slip in between the check and the write.
**
** Ownership: swap takes own<cas>.  On success the plugin frees the cas; on
** cas-failed it hands the same rep back to the guest inside the error, so
** the guest can retry with it.  The destructor only runs for reps the guest
** still owns.
*/
#include <stdlib.h>
#include <string.h>

#include "kv.h"

int wasi_keyvalue_atomics_increment(kv_ctx_t *cx, wasi_keyvalue_store_borrow_bucket_t bucket,
                                    const wasi_keyvalue_string_t *key, int64_t delta,
                                    wasi_keyvalue_result_s64_error_t *ret) {
  const kv_bucket_t *b = kv_bucket(cx, bucket.rep);
  if (!b) return wasi_keyvalue_trap(cx, "keyvalue-sqlite: unknown bucket rep %u", bucket.rep);
  kv_instance_t *in = kv_inst(cx);
  int rc = kv_begin(in);
  bool found = false;
  uint8_t *val = NULL;
  size_t len = 0;
  if (rc == SQLITE_OK) rc = kv_read(cx, b->name, key->ptr, key->len, &found, &val, &len, false);
  if (rc != SQLITE_OK) goto fail;
  uint64_t cur = 0;
  if (found) {
    if (len != 8) {
      kv_rollback(in);
      ret->is_err = true;
      return kv_other(cx, &ret->val.err, "the value is not a counter (8-byte little-endian s64)");
    }
    for (int i = 7; i >= 0; i--) cur = (cur << 8) | val[i];
  }
  int64_t now;
  if (__builtin_add_overflow((int64_t)cur, delta, &now)) {
    kv_rollback(in);
    ret->is_err = true;
    return kv_other(cx, &ret->val.err, "increment overflows s64");
  }
  uint8_t buf[8];
  for (int i = 0; i < 8; i++) buf[i] = (uint8_t)((uint64_t)now >> (8 * i));
  rc = kv_write(in, b->name, key->ptr, key->len, buf, 8);
  if (rc == SQLITE_OK) rc = kv_commit(in);
  if (rc != SQLITE_OK) goto fail;
  ret->val.ok = now;
  return 0;
fail:
  kv_rollback(in);
  ret->is_err = true;
  return kv_sqlite_error(cx, rc, &ret->val.err);
}

int wasi_keyvalue_atomics_static_cas_new(kv_ctx_t *cx, wasi_keyvalue_store_borrow_bucket_t bucket,
                                         const wasi_keyvalue_string_t *key,
                                         wasi_keyvalue_result_own_cas_error_t *ret) {
  const kv_bucket_t *b = kv_bucket(cx, bucket.rep);
  if (!b) return wasi_keyvalue_trap(cx, "keyvalue-sqlite: unknown bucket rep %u", bucket.rep);
  kv_cas_t c = {strdup(b->name), malloc(key->len + 1), 0, false, NULL, 0};
  if (!c.bucket || !c.key) {
    kv_cas_clear(&c);
    ret->is_err = true;
    return kv_other(cx, &ret->val.err, "out of memory");
  }
  memcpy(c.key, key->ptr, key->len + 1); /* strings arrive NUL-terminated */
  c.klen = key->len;
  int rc = kv_read(cx, c.bucket, key->ptr, c.klen, &c.had, &c.value, &c.len, true);
  if (rc != SQLITE_OK) {
    kv_cas_clear(&c);
    ret->is_err = true;
    return kv_sqlite_error(cx, rc, &ret->val.err);
  }
  kv_cas_t *slot = wp_slots_new(&kv_inst(cx)->cases, &ret->val.ok.rep);
  if (!slot) {
    kv_cas_clear(&c);
    ret->is_err = true;
    return kv_other(cx, &ret->val.err, "too many cas handles, or out of memory");
  }
  *slot = c;
  return 0;
}

int wasi_keyvalue_atomics_method_cas_current(kv_ctx_t *cx, wasi_keyvalue_atomics_borrow_cas_t self,
                                             wasi_keyvalue_result_option_list_u8_error_t *ret) {
  const kv_cas_t *c = wp_slots_get(&kv_inst(cx)->cases, self.rep);
  if (!c) return wasi_keyvalue_trap(cx, "keyvalue-sqlite: unknown cas rep %u", self.rep);
  ret->val.ok.is_some = c->had;
  if (c->had && c->len) {
    uint8_t *p = wasi_keyvalue_alloc(cx, c->len, 1);
    if (!p) return wasi_keyvalue_trap(cx, "keyvalue-sqlite: out of call memory");
    memcpy(p, c->value, c->len);
    ret->val.ok.val.ptr = p;
    ret->val.ok.val.len = c->len;
  }
  return 0;
}

int wasi_keyvalue_atomics_swap(kv_ctx_t *cx, wasi_keyvalue_atomics_own_cas_t cas,
                               const wasi_keyvalue_list_u8_t *value,
                               wasi_keyvalue_result_void_cas_error_t *ret) {
  kv_instance_t *in = kv_inst(cx);
  kv_cas_t *c = wp_slots_get(&in->cases, cas.rep);
  if (!c) return wasi_keyvalue_trap(cx, "keyvalue-sqlite: unknown cas rep %u", cas.rep);
  size_t klen = c->klen;
  bool found = false;
  uint8_t *cur = NULL;
  size_t len = 0;
  int rc = kv_begin(in);
  if (rc == SQLITE_OK) rc = kv_read(cx, c->bucket, (const uint8_t *)c->key, klen, &found, &cur, &len, false);
  if (rc == SQLITE_OK) {
    bool same = found == c->had && (!found || (len == c->len && (!len || !memcmp(cur, c->value, len))));
    if (!same) {
      kv_rollback(in);
      ret->is_err = true;
      ret->val.err.tag = WASI_KEYVALUE_ATOMICS_CAS_ERROR_CAS_FAILED;
      ret->val.err.val.cas_failed.rep = cas.rep; /* back to the guest */
      return 0;
    }
    rc = kv_write(in, c->bucket, (const uint8_t *)c->key, klen, value->ptr, value->len);
  }
  if (rc == SQLITE_OK) rc = kv_commit(in);
  if (rc != SQLITE_OK) {
    kv_rollback(in);
    /* the cas was consumed: the guest gave it up and gets only the error */
    kv_cas_drop(in, cas.rep);
    ret->is_err = true;
    ret->val.err.tag = WASI_KEYVALUE_ATOMICS_CAS_ERROR_STORE_ERROR;
    return kv_sqlite_error(cx, rc, &ret->val.err.val.store_error);
  }
  kv_cas_drop(in, cas.rep);
  return 0;
}
