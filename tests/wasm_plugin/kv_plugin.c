/*
** kv_plugin.c — the kv wasm plugin (world `plugin` of kv.wit): a small
** key-value store and a counter.  Each answer is a predictable function of
** the arguments, so the tests can tell a value that crossed the boundary
** intact from one that did not.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"

#define MAX_ENTRIES 64

static test_kv_store_entry_t entries[MAX_ENTRIES];
static uint32_t nentries;
static uint32_t count;

static void copy_bytes(plugin_list_u8_t *dst, const uint8_t *p, size_t n) {
  dst->ptr = malloc(n ? n : 1);
  memcpy(dst->ptr, p, n);
  dst->len = n;
}

uint32_t exports_test_kv_store_put(test_kv_store_entry_t *e) {
  for (uint32_t i = 0; i < nentries; i++)
    if (entries[i].key.len == e->key.len && !memcmp(entries[i].key.ptr, e->key.ptr, e->key.len)) {
      plugin_list_u8_free(&entries[i].value);
      entries[i].value = e->value; /* the plugin keeps what it was given */
      plugin_string_free(&e->key);
      return nentries;
    }
  if (nentries == MAX_ENTRIES) {
    test_kv_store_entry_free(e);
    return nentries;
  }
  entries[nentries++] = *e;
  return nentries;
}

void exports_test_kv_store_get(plugin_string_t *key, test_kv_store_outcome_t *ret) {
  ret->tag = TEST_KV_STORE_OUTCOME_MISSING;
  for (uint32_t i = 0; i < nentries; i++)
    if (entries[i].key.len == key->len && !memcmp(entries[i].key.ptr, key->ptr, key->len)) {
      ret->tag = TEST_KV_STORE_OUTCOME_FOUND;
      copy_bytes(&ret->val.found, entries[i].value.ptr, entries[i].value.len);
    }
  plugin_string_free(key);
}

void exports_test_kv_store_all(test_kv_store_outcome_t *ret) {
  ret->tag = TEST_KV_STORE_OUTCOME_MANY;
  ret->val.many.len = nentries;
  ret->val.many.ptr = malloc((nentries ? nentries : 1) * sizeof(test_kv_store_entry_t));
  for (uint32_t i = 0; i < nentries; i++) {
    test_kv_store_entry_t *d = &ret->val.many.ptr[i];
    copy_bytes((plugin_list_u8_t *)&d->key, entries[i].key.ptr, entries[i].key.len);
    copy_bytes(&d->value, entries[i].value.ptr, entries[i].value.len);
  }
}

/* Every field changes in a way that shows it was read and written. */
void exports_test_kv_store_scalar(test_kv_store_scalars_t *s, test_kv_store_scalars_t *ret) {
  ret->b = !s->b;
  ret->s8v = (int8_t)-s->s8v;
  ret->u16v = (uint16_t)(s->u16v + 1);
  ret->s64v = s->s64v * 2;
  ret->f = s->f * 2;
  ret->d = s->d / 2;
  ret->c = s->c + 1;
}

void exports_test_kv_store_pick(test_kv_store_mode_t m, test_kv_store_perms_t p, plugin_option_string_t *o,
                                plugin_result_tuple3_mode_perms_string_string_t *ret) {
  if (!o->is_some) {
    ret->is_err = true;
    plugin_string_dup(&ret->val.err, "no name");
    return;
  }
  ret->is_err = false;
  ret->val.ok.f0 = (test_kv_store_mode_t)((m + 1) % 3);
  ret->val.ok.f1 = (test_kv_store_perms_t)(p ^ (TEST_KV_STORE_PERMS_READ | TEST_KV_STORE_PERMS_ADMIN));
  /* the name reversed */
  size_t n = o->val.len;
  ret->val.ok.f2.ptr = malloc(n ? n : 1);
  ret->val.ok.f2.len = n;
  for (size_t i = 0; i < n; i++) ret->val.ok.f2.ptr[i] = o->val.ptr[n - 1 - i];
  plugin_option_string_free(o);
}

uint32_t exports_test_kv_counter_bump(uint32_t by) { return count += by; }

void exports_test_kv_counter_nop(void) {}

/* A checksum of the bytes: the whole string was copied. */
uint32_t exports_test_kv_counter_text(plugin_string_t *s) {
  uint32_t h = (uint32_t)s->len;
  for (size_t i = 0; i < s->len; i++) h = h * 31 + s->ptr[i];
  plugin_string_free(s);
  return h;
}

uint32_t exports_test_kv_counter_crash(uint32_t how) {
  if (how == 1) __builtin_trap();
  if (how == 2) {
    volatile uint32_t *p = (uint32_t *)0xfffffff0u;
    return *p; /* out of bounds */
  }
  if (how == 3) { /* computes until the call's time limit ends it */
    volatile uint32_t spin = 0;
    for (;;) spin++;
  }
  return how;
}
