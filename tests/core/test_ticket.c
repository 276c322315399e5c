/*
** test_ticket.c — validation tickets (src/core/trust.c, issue 18): a
** module whose optimized code is cached is not validated again in the
** next process when its ticket verifies; a ticket that does not verify
** (forged, copied from another module, corrupt, oversized) is ignored and
** the module validated, so an invalid module is refused whatever ticket
** sits beside it.
**   test_ticket CACHE_DIR   (emptied first)
*/
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core_test.h" /* CHECK, checks, failures */
#include "wasmplug.h"

/* core internals under test (src/core/internal.h) */
bool wp_ticket_read(wasmplug_engine_t *e, const uint8_t digest[32], uint32_t *features);
void wp_sha256_hex(const uint8_t digest[32], char out[65]);
void wp_module_digest(const uint8_t *bytes, size_t len, uint8_t out[32]);


/* (module (func (export "f") (result i32) i32.const 7)); B: i64.const, invalid */
static const uint8_t mod_a[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00,
                                0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00,
                                0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x07, 0x0b};
static uint8_t mod_b[sizeof mod_a], mod_c[sizeof mod_a];

static char cache[4096];

static void digest(const uint8_t *b, size_t n, uint8_t d[32]) { wp_module_digest(b, n, d); }

static void ticket_path(const uint8_t *b, size_t n, char *out, size_t cap) {
  uint8_t d[32];
  char hex[65];
  wp_module_digest(b, n, d);
  wp_sha256_hex(d, hex);
  snprintf(out, cap, "%s/valid/%s", cache, hex);
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  static char buf[1 << 16];
  *len = fread(buf, 1, sizeof buf - 1, f);
  buf[*len] = 0;
  fclose(f);
  return buf;
}

static bool put(const char *path, const char *text, size_t len) {
  FILE *f = fopen(path, "wb");
  if (!f) return false;
  bool ok = fwrite(text, 1, len, f) == len;
  return fclose(f) == 0 && ok;
}

static wasmplug_engine_t *engine(void) {
  wasmplug_config_t *cfg = wasmplug_config_new();
  wasmplug_config_tier_set(cfg, WASMPLUG_TIER_OPTIMIZED);
  wasmplug_config_cache_dir_set(cfg, cache);
  return core_test_engine(cfg);
}

/* module_new of `b`: NULL error expected when `valid`. */
static void load(wasmplug_engine_t *e, const uint8_t *b, size_t n, bool valid, const char *what) {
  wasmplug_module_t *m = NULL;
  wasmplug_error_t *err = wasmplug_module_new(e, b, n, what, &m);
  if (valid) {
    CHECK(!err, "%s: %s", what, err ? wasmplug_error_message(err) : "");
  } else {
    CHECK(err && wasmplug_error_kind(err) == WASMPLUG_ERROR_DECODE, "%s: refused as invalid (%s)", what,
          err ? wasmplug_error_message(err) : "it loaded");
  }
  wasmplug_error_delete(err);
  wasmplug_module_delete(m);
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  snprintf(cache, sizeof cache, "%s", argv[1]);
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", cache);
  if (system(cmd) != 0) return 1;
  memcpy(mod_b, mod_a, sizeof mod_a);
  mod_b[sizeof mod_b - 3] = 0x42; /* i64.const: the result type is wrong */
  memcpy(mod_c, mod_a, sizeof mod_a);
  mod_c[sizeof mod_c - 2] = 0x08; /* i32.const 8: valid, another module */
  wasmplug_error_t *berr = wasmplug_module_validate(mod_b, sizeof mod_b, "B");
  CHECK(berr != NULL, "B is invalid");
  wasmplug_error_delete(berr);
  uint8_t da[32], db[32];
  uint32_t f;
  digest(mod_a, sizeof mod_a, da);
  digest(mod_b, sizeof mod_b, db);
  char pa[4200], pb[4200];
  ticket_path(mod_a, sizeof mod_a, pa, sizeof pa);
  ticket_path(mod_b, sizeof mod_b, pb, sizeof pb);

  /* 1. compiled into the cache: a ticket is written, and verifies */
  wasmplug_engine_t *e = engine();
  CHECK(!wp_ticket_read(e, da, &f), "no ticket before A was compiled");
  load(e, mod_a, sizeof mod_a, true, "A");
  struct stat st;
  CHECK(stat(pa, &st) == 0 && S_ISREG(st.st_mode), "A's ticket %s was written", pa);
  CHECK(wp_ticket_read(e, da, &f), "A's ticket verifies");
  CHECK(wasmplug_engine_validate_module(e, mod_a, sizeof mod_a, "A") == NULL, "A: validated by its ticket");
  wasmplug_engine_delete(e);

  /* 2. the next engine (as the next process) loads A by its ticket */
  e = engine();
  CHECK(wp_ticket_read(e, da, &f), "A's ticket verifies for another engine");
  load(e, mod_a, sizeof mod_a, true, "A again");

  /* 3. A's ticket copied beside B: the MAC names A's bytes, B is validated */
  size_t len;
  char *ta = slurp(pa, &len);
  char saved[512];
  CHECK(ta && len < sizeof saved, "A's ticket is small");
  if (!ta) return 1;
  memcpy(saved, ta, len);
  CHECK(put(pb, saved, len), "planting a ticket for B");
  CHECK(!wp_ticket_read(e, db, &f), "a copied ticket does not verify for B");
  load(e, mod_b, sizeof mod_b, false, "B with A's ticket");
  wasmplug_error_t *verr = wasmplug_engine_validate_module(e, mod_b, sizeof mod_b, "B");
  CHECK(verr && wasmplug_error_kind(verr) == WASMPLUG_ERROR_DECODE, "B refused by the component path too");
  wasmplug_error_delete(verr);

  /* 4. forged tickets for B: another MAC, other features, garbage, too long */
  char forged[600];
  int n = snprintf(forged, sizeof forged, "wasmplug-validated 1\nfeatures 0\nmac %064d\n", 0);
  CHECK(put(pb, forged, (size_t)n) && !wp_ticket_read(e, db, &f), "a made-up MAC does not verify");
  load(e, mod_b, sizeof mod_b, false, "B with a made-up ticket");
  char *fp = strstr(saved, "features ");
  if (fp) {
    memcpy(forged, saved, len);
    forged[fp - saved + 9] = forged[fp - saved + 9] == '1' ? '2' : '1';
    CHECK(put(pa, forged, len) && !wp_ticket_read(e, da, &f), "A's ticket with other features does not verify");
  }
  memset(forged, 'x', sizeof forged);
  memcpy(forged, saved, len);
  CHECK(put(pa, forged, sizeof forged) && !wp_ticket_read(e, da, &f), "an oversized ticket does not verify");
  CHECK(put(pa, "", 0) && !wp_ticket_read(e, da, &f), "an empty ticket does not verify");

  /* 5. a module whose ticket is bad is validated, and its ticket rewritten */
  uint8_t dc[32];
  char pc[4200];
  digest(mod_c, sizeof mod_c, dc);
  ticket_path(mod_c, sizeof mod_c, pc, sizeof pc);
  n = snprintf(forged, sizeof forged, "wasmplug-validated 1\nfeatures 0\nmac %064d\n", 7);
  CHECK(put(pc, forged, (size_t)n) && !wp_ticket_read(e, dc, &f), "C's bad ticket does not verify");
  load(e, mod_c, sizeof mod_c, true, "C with a bad ticket");
  CHECK(wp_ticket_read(e, dc, &f), "C's ticket was rewritten");
  wasmplug_engine_delete(e);

  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures != 0;
}
