/*
** check.c — validation without compilation, for the layers that embed core
** modules: a component's core modules are validated when the component is
** loaded (so `wasmplug wit` refuses an invalid one too), before anything is
** compiled.  Only the decoder and the validator are involved: this file
** and its callees need nothing of the compilers.
**
** A component's core module is validated here when the component is
** decoded and then given to wasmplug_module_new, which would validate the
** same bytes again: for a 13 MB componentize-js component that second pass
** was half of a warm start.  So a module validated here is remembered by
** its digest (wp_module_digest, with the features its validation found),
** and wasmplug_module_new in the same process, which digests the bytes
** anyway for its cache key, skips validating bytes with a remembered digest.  Same
** bytes, same validator, same process: the check is done once, not
** weakened.  Across processes only a validation ticket (trust.c) carries
** the result; wasmplug_engine_validate_module and wasmplug_module_new read
** them, and note here what a ticket vouched for.
*/
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "internal.h"
#include "leb.h"

/* The digest hashes a self-delimiting record of the module (internal.h):
** the length of the bytes, then per section a record naming what follows
** and how long it is, so that no two modules that differ outside custom
** payloads can give the same stream.  Section headers are hashed as they
** are written (a longer LEB moves every later offset). */
static void put_record(wp_sha256_t *s, uint8_t kind, uint64_t n) {
  uint8_t r[9];
  r[0] = kind;
  for (int i = 0; i < 8; i++) r[1 + i] = (uint8_t)(n >> (8 * i));
  wp_sha256_update(s, r, sizeof r);
}

void wp_module_digest(const uint8_t *b, size_t len, uint8_t out[32]) {
  static const char tag[] = "wasmplug-module-digest 1";
  wp_sha256_t s;
  wp_sha256_init(&s);
  wp_sha256_update(&s, tag, sizeof tag);
  put_record(&s, 'L', len);
  size_t p = len < 8 ? len : 8;
  put_record(&s, 'H', p);
  wp_sha256_update(&s, b, p);
  while (p < len) {
    uint64_t size, nlen;
    size_t l1, l2;
    const uint8_t *end = b + len;
    /* anything not shaped like a section: the rest as it is (such a
    ** module does not decode) */
    if (wp_leb_unsigned(b + p + 1, end, 32, &size, &l1) != WP_LEB_OK || size > len - (p + 1 + l1)) break;
    size_t body = p + 1 + l1, next = body + (size_t)size;
    if (b[p] == 0 && wp_leb_unsigned(b + body, b + next, 32, &nlen, &l2) == WP_LEB_OK &&
        nlen <= next - (body + l2)) {
      /* a custom section: its header and name, not its payload */
      size_t keep = body + l2 + (size_t)nlen - p;
      put_record(&s, 'C', keep);
      wp_sha256_update(&s, b + p, keep);
      put_record(&s, 'P', next - (p + keep));
    } else {
      put_record(&s, 'S', next - p);
      wp_sha256_update(&s, b + p, next - p);
    }
    p = next;
  }
  put_record(&s, 'R', len - p);
  wp_sha256_update(&s, b + p, len - p);
  wp_sha256_final(&s, out);
}

/* The last VALIDATED_KEEP modules validated, oldest overwritten first. */
#define VALIDATED_KEEP 64
static struct {
  uint8_t digest[32];
  uint32_t features;
  bool used;
  bool ticketed; /* vouched for by a ticket on disk (no need to write one) */
} validated[VALIDATED_KEEP];
static unsigned validated_next;
static pthread_mutex_t validated_lock = PTHREAD_MUTEX_INITIALIZER;

void wp_validated_note(const uint8_t digest[32], uint32_t features, bool ticketed) {
  pthread_mutex_lock(&validated_lock);
  unsigned i = validated_next++ % VALIDATED_KEEP;
  memcpy(validated[i].digest, digest, 32);
  validated[i].features = features;
  validated[i].used = true;
  validated[i].ticketed = ticketed;
  pthread_mutex_unlock(&validated_lock);
}

bool wp_validated_before(const uint8_t digest[32], uint32_t *features, bool *ticketed) {
  bool found = false;
  pthread_mutex_lock(&validated_lock);
  for (unsigned i = 0; i < VALIDATED_KEEP && !found; i++)
    if (validated[i].used && !memcmp(validated[i].digest, digest, 32)) {
      *features = validated[i].features;
      *ticketed = validated[i].ticketed;
      found = true;
    }
  pthread_mutex_unlock(&validated_lock);
  return found;
}

/* Validates bytes whose digest is `d` and remembers that they passed. */
wasmplug_error_t *wp_module_validate_digested(const uint8_t *bytes, size_t len, const char *name,
                                              const uint8_t d[32]) {
  wp_modinfo_t info;
  memset(&info, 0, sizeof info);
  if (!name) name = "module";
  char *err = wp_modinfo_decode(bytes, len, name, &info);
  if (!err) err = wp_modinfo_validate(bytes, len, name, &info);
  if (!err) wp_validated_note(d, info.features, false);
  wp_modinfo_free(&info);
  if (!err) return NULL;
  wasmplug_error_t *e = wasmplug_error_new_kind(WASMPLUG_ERROR_DECODE, "%s", err);
  free(err);
  return e;
}

wasmplug_error_t *wasmplug_module_validate(const uint8_t *bytes, size_t len, const char *name) {
  uint8_t d[32];
  wp_module_digest(bytes, len, d);
  return wp_module_validate_digested(bytes, len, name, d);
}
