/*
** test_cache.c — the optimized tier's disk cache and artifacts: hits,
** corrupt and foreign entries rebuilt (never loaded), artifacts verified.
** argv[1]: a module (provider.wasm), argv[2]: a scratch cache directory.
*/
#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasmplug.h"
#include "core_test.h" /* CHECK, core_test_engine */
#include "../fixture.h"
#include "../../src/core/internal.h" /* wp_trust_mac, wp_sha256_hex_of */

static void spit(const char *path, const uint8_t *b, size_t len) {
  FILE *f = fopen(path, "wb");
  fwrite(b, 1, len, f);
  fclose(f);
}

static const char *cache;
static uint8_t *wasm;
static size_t wasm_len;

/* Loads the module on a tier; returns the tier it got, or -1 on error. */
static bool allow_precompiled = true; /* artifacts need the user's consent */

/* The seals of the memfd the loaded optimized code was mapped from
** (compile.c loads a cache hit from a sealed copy), -1 when there is none:
** found by its name among this process's descriptors. */
static int last_seals;
static int code_seals(void) {
  DIR *d = opendir("/proc/self/fd");
  int seals = -1;
  struct dirent *de;
  while (d && (de = readdir(d)) && seals < 0) {
    char path[300], target[256];
    snprintf(path, sizeof path, "/proc/self/fd/%s", de->d_name);
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n <= 0) continue;
    target[n] = 0;
    if (strncmp(target, "/memfd:wasmplug-code", 20)) continue;
    seals = fcntl(atoi(de->d_name), F_GET_SEALS);
  }
  if (d) closedir(d);
  return seals;
}

static int load_tier(wasmplug_tier_t tier, const uint8_t *b, size_t len, char **errmsg) {
  wasmplug_config_t *c = wasmplug_config_new();
  wasmplug_config_tier_set(c, tier);
  wasmplug_config_allow_precompiled_set(c, allow_precompiled);
  wasmplug_config_cache_dir_set(c, cache);
  wasmplug_engine_t *e = core_test_engine(c);
  wasmplug_module_t *m = NULL;
  wasmplug_error_t *err = wasmplug_module_new(e, b, len, "provider.wasm", &m);
  int got = -1;
  if (err) {
    if (errmsg) *errmsg = strdup(wasmplug_error_message(err));
    wasmplug_error_delete(err);
  } else {
    got = (int)wasmplug_module_tier(m);
    last_seals = got == WASMPLUG_TIER_OPTIMIZED ? code_seals() : -1;
    /* The code must actually run. */
    wasmplug_linker_t *l = wasmplug_linker_new(e);
    wasmplug_instance_t *in = NULL;
    wasmplug_trap_t *t = NULL;
    wasmplug_linker_instantiate(l, m, NULL, &in, &err, &t);
    wasmplug_val_t a = {WASMPLUG_I32, {.i32 = 14}}, r;
    if (!in || wasmplug_func_call(wasmplug_instance_func(in, "triple"), &a, 1, &r, 1) || r.of.i32 != 42)
      got = -2;
    wasmplug_instance_delete(in);
    wasmplug_linker_delete(l);
  }
  wasmplug_module_delete(m);
  wasmplug_engine_delete(e);
  return got;
}

/* Finds the cache's .so (there is exactly one entry in these tests). */
static char *entry(const char *suffix) {
  DIR *d = opendir(cache);
  if (!d) return NULL;
  struct dirent *de;
  char *found = NULL;
  while ((de = readdir(d))) {
    size_t n = strlen(de->d_name), s = strlen(suffix);
    if (n > s && !strcmp(de->d_name + n - s, suffix)) {
      found = malloc(strlen(cache) + n + 2);
      sprintf(found, "%s/%s", cache, de->d_name);
      break;
    }
  }
  closedir(d);
  return found;
}

/* Turns the first DT_GNU_HASH or DT_HASH entry of an ELF image's dynamic
** section into DT_INIT: a constructor that points into a hash table (it
** would crash if anything ran it).  False when there is none. */
static bool give_constructor(uint8_t *b, size_t len) {
  Elf64_Ehdr eh;
  if (len < sizeof eh) return false;
  memcpy(&eh, b, sizeof eh);
  for (unsigned i = 0; i < eh.e_phnum; i++) {
    Elf64_Phdr ph;
    if (eh.e_phoff + (i + 1) * sizeof ph > len) return false;
    memcpy(&ph, b + eh.e_phoff + i * sizeof ph, sizeof ph);
    if (ph.p_type != PT_DYNAMIC || ph.p_offset + ph.p_filesz > len) continue;
    for (size_t k = 0; k + sizeof(Elf64_Dyn) <= ph.p_filesz; k += sizeof(Elf64_Dyn)) {
      Elf64_Dyn d;
      memcpy(&d, b + ph.p_offset + k, sizeof d);
      if (d.d_tag == DT_NULL) break;
      if (d.d_tag != DT_GNU_HASH && d.d_tag != DT_HASH) continue;
      d.d_tag = DT_INIT;
      memcpy(b + ph.p_offset + k, &d, sizeof d);
      return true;
    }
  }
  return false;
}

/* The first relocation of an ELF image's RELA tables (DT_RELA, then
** DT_JMPREL: its relative relocations are packed in DT_RELR, so DT_RELA
** may be empty) given type `type` instead.  False when there is none. */
static bool retype_relocation(uint8_t *b, size_t len, uint32_t type) {
  Elf64_Ehdr eh;
  if (len < sizeof eh) return false;
  memcpy(&eh, b, sizeof eh);
  Elf64_Phdr ph[16];
  unsigned n = eh.e_phnum < 16 ? eh.e_phnum : 16;
  if (eh.e_phoff + n * sizeof *ph > len) return false;
  memcpy(ph, b + eh.e_phoff, n * sizeof *ph);
  uint64_t rela[2] = {0, 0}, relasz[2] = {0, 0};
  for (unsigned i = 0; i < n; i++) {
    if (ph[i].p_type != PT_DYNAMIC || ph[i].p_offset + ph[i].p_filesz > len) continue;
    for (size_t k = 0; k + sizeof(Elf64_Dyn) <= ph[i].p_filesz; k += sizeof(Elf64_Dyn)) {
      Elf64_Dyn d;
      memcpy(&d, b + ph[i].p_offset + k, sizeof d);
      if (d.d_tag == DT_RELA) rela[0] = d.d_un.d_ptr;
      if (d.d_tag == DT_RELASZ) relasz[0] = d.d_un.d_val;
      if (d.d_tag == DT_JMPREL) rela[1] = d.d_un.d_ptr;
      if (d.d_tag == DT_PLTRELSZ) relasz[1] = d.d_un.d_val;
    }
  }
  for (int t = 0; t < 2; t++)
    for (unsigned i = 0; i < n && relasz[t]; i++) { /* its address to a file offset */
      if (ph[i].p_type != PT_LOAD || rela[t] < ph[i].p_vaddr || rela[t] - ph[i].p_vaddr >= ph[i].p_filesz) continue;
      uint64_t off = ph[i].p_offset + (rela[t] - ph[i].p_vaddr);
      if (relasz[t] < sizeof(Elf64_Rela) || off + sizeof(Elf64_Rela) > len) continue;
      Elf64_Rela rl;
      memcpy(&rl, b + off, sizeof rl);
      rl.r_info = ELF64_R_INFO(ELF64_R_SYM(rl.r_info), type);
      memcpy(b + off, &rl, sizeof rl);
      return true;
    }
  return false;
}

/* Whether an ELF image has a PT_GNU_EH_FRAME header (unwind tables) and
** whether its dynamic section has DT_RELR (packed relative relocations). */
static void object_shape(const uint8_t *b, size_t len, bool *unwind, bool *relr) {
  *unwind = *relr = false;
  Elf64_Ehdr eh;
  if (len < sizeof eh) return;
  memcpy(&eh, b, sizeof eh);
  for (unsigned i = 0; i < eh.e_phnum; i++) {
    Elf64_Phdr ph;
    if (eh.e_phoff + (i + 1) * sizeof ph > len) return;
    memcpy(&ph, b + eh.e_phoff + i * sizeof ph, sizeof ph);
    if (ph.p_type == PT_GNU_EH_FRAME) *unwind = true;
    if (ph.p_type != PT_DYNAMIC || ph.p_offset + ph.p_filesz > len) continue;
    for (size_t k = 0; k + sizeof(Elf64_Dyn) <= ph.p_filesz; k += sizeof(Elf64_Dyn)) {
      Elf64_Dyn d;
      memcpy(&d, b + ph.p_offset + k, sizeof d);
      if (d.d_tag == DT_NULL) break;
      if (d.d_tag == 36 /* DT_RELR */) *relr = true;
    }
  }
}

/* Plants `code` as the cache entry so/meta with a MAC that verifies (this
** user's own secret: only a process of the user could). */
static void plant_macd(const char *so, const char *meta, const uint8_t *code, size_t len) {
  wasmplug_config_t *c = wasmplug_config_new();
  wasmplug_config_cache_dir_set(c, cache);
  wasmplug_engine_t *e = core_test_engine(c);
  char key[65], sum[65], mac[65], text[300];
  snprintf(key, sizeof key, "%s", strrchr(so, '/') + 1); /* KEY.so: its first 64 characters */
  wp_sha256_hex_of(code, len, sum);
  CHECK(wp_trust_mac(e, key, sum, mac), "MAC the planted code");
  wasmplug_engine_delete(e);
  int tl = snprintf(text, sizeof text, "wasmplug-cache 2\nkey %s\nsha256 %s\nmac %s\n", key, sum, mac);
  spit(so, code, len);
  spit(meta, (const uint8_t *)text, (size_t)tl);
}

/* dl_iterate_phdr: whether the dynamic loader knows an object loaded from
** a descriptor (dlopen of /proc/self/fd/N names it so). */
static int from_fd(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  if (info->dlpi_name && strstr(info->dlpi_name, "/proc/self/fd/")) *(int *)data = 1;
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  cache = argv[2];
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", cache);
  if (system(cmd) != 0) return 2;
  wasm = read_fixture(NULL, argv[1], &wasm_len);
  if (!wasm) return 2;

  CHECK(load_tier(WASMPLUG_TIER_AUTO, wasm, wasm_len, NULL) == WASMPLUG_TIER_BASELINE,
        "auto without a cache entry starts on baseline");
  CHECK(load_tier(WASMPLUG_TIER_OPTIMIZED, wasm, wasm_len, NULL) == WASMPLUG_TIER_OPTIMIZED,
        "optimized builds");
  char *so = entry(".so"), *meta = entry(".meta");
  CHECK(so && meta, "cache holds a .so and its .meta");
  if (!so || !meta) return 1;
  /* Every warm start copies, hashes and maps every page of the cached
  ** object: it carries no unwind tables (nothing unwinds through it) and
  ** its relative relocations are packed (DT_RELR: 8 bytes for up to 63
  ** pointers, not 24 each), which image.c applies (build.c) */
  {
    size_t olen = 0;
    uint8_t *obj = try_read_file(so, &olen);
    bool unwind = true, relr = false;
    if (obj) object_shape(obj, olen, &unwind, &relr);
    CHECK(obj && !unwind, "the cached object has no unwind tables (no PT_GNU_EH_FRAME)");
    CHECK(obj && relr, "the cached object's relative relocations are packed (DT_RELR)");
    free(obj);
  }
  CHECK(load_tier(WASMPLUG_TIER_AUTO, wasm, wasm_len, NULL) == WASMPLUG_TIER_OPTIMIZED,
        "auto uses the cached code");
  /* loaded by wasmplug's own loader (image.c), not dlopen: the dynamic
  ** loader never heard of it (load_tier also ran it) */
  {
    wasmplug_config_t *c = wasmplug_config_new();
    wasmplug_config_tier_set(c, WASMPLUG_TIER_OPTIMIZED);
    wasmplug_config_cache_dir_set(c, cache);
    wasmplug_engine_t *e = core_test_engine(c);
    wasmplug_module_t *m = NULL;
    wasmplug_error_t *err = wasmplug_module_new(e, wasm, wasm_len, "provider.wasm", &m);
    int seen = 0;
    dl_iterate_phdr(from_fd, &seen);
    CHECK(!err && wasmplug_module_tier(m) == WASMPLUG_TIER_OPTIMIZED && !seen,
          "cached code loaded without the dynamic loader");
    wasmplug_error_delete(err);
    wasmplug_module_delete(m);
    wasmplug_engine_delete(e);
  }
  /* Checked (MAC, ELF) on the pages dlopen maps: a copy nothing can write
  ** or resize any more, not the cache's file, which others may rewrite. */
  int want = F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL;
  CHECK(last_seals >= 0 && (last_seals & want) == want, "a cache hit runs from a sealed copy (seals %#x)",
        (unsigned)last_seals);

  /* FIFOs planted as the entry's files (the cache's contents are anyone's)
  ** are not opened for reading, which would wait for a writer forever: the
  ** entry is ignored.  The alarm fails the test instead of hanging it. */
  {
    char *so_keep = malloc(strlen(so) + 6), *meta_keep = malloc(strlen(meta) + 6);
    sprintf(so_keep, "%s.keep", so);
    sprintf(meta_keep, "%s.keep", meta);
    CHECK(!rename(so, so_keep) && !mkfifo(so, 0600), "plant a FIFO as the .so");
    alarm(60);
    CHECK(load_tier(WASMPLUG_TIER_AUTO, wasm, wasm_len, NULL) == WASMPLUG_TIER_BASELINE,
          "a FIFO as the .so is ignored, not waited on");
    CHECK(!rename(meta, meta_keep) && !mkfifo(meta, 0600), "plant a FIFO as the .meta");
    CHECK(load_tier(WASMPLUG_TIER_AUTO, wasm, wasm_len, NULL) == WASMPLUG_TIER_BASELINE,
          "a FIFO as the .meta is ignored, not waited on");
    alarm(0);
    CHECK(!rename(so_keep, so) && !rename(meta_keep, meta), "put the entry back");
    CHECK(load_tier(WASMPLUG_TIER_AUTO, wasm, wasm_len, NULL) == WASMPLUG_TIER_OPTIMIZED, "and it is used again");
    free(so_keep);
    free(meta_keep);
  }

  /* Corrupt the code: auto must not load it; optimized rebuilds it. */
  size_t slen;
  uint8_t *sob = try_read_file(so, &slen);
  uint8_t *bad = malloc(slen);
  memcpy(bad, sob, slen);
  for (size_t i = slen / 2; i < slen / 2 + 64 && i < slen; i++) bad[i] ^= 0xff;
  spit(so, bad, slen);
  CHECK(load_tier(WASMPLUG_TIER_AUTO, wasm, wasm_len, NULL) == WASMPLUG_TIER_BASELINE,
        "corrupt entry not loaded");
  CHECK(load_tier(WASMPLUG_TIER_OPTIMIZED, wasm, wasm_len, NULL) == WASMPLUG_TIER_OPTIMIZED,
        "corrupt entry rebuilt");
  size_t nlen;
  uint8_t *now = try_read_file(so, &nlen);
  CHECK(now && nlen == slen && !memcmp(now, sob, slen), "rebuilt entry is the real code again");
  free(now);

  /* A truncated file, and a foreign meta. */
  spit(so, sob, slen / 3);
  CHECK(load_tier(WASMPLUG_TIER_AUTO, wasm, wasm_len, NULL) == WASMPLUG_TIER_BASELINE, "truncated entry ignored");
  spit(meta, (const uint8_t *)"wasmplug-cache 1\nkey 00\nsha256 00\n", 34);
  CHECK(load_tier(WASMPLUG_TIER_OPTIMIZED, wasm, wasm_len, NULL) == WASMPLUG_TIER_OPTIMIZED, "foreign meta rebuilt");
  CHECK(load_tier(WASMPLUG_TIER_AUTO, wasm, wasm_len, NULL) == WASMPLUG_TIER_OPTIMIZED, "and used afterwards");

  /* An entry whose MAC verifies (made with this user's own secret, as only
  ** a process of the user could) but whose code has a constructor: the ELF
  ** check, which reads the sealed copy (for a small object, the buffer it
  ** was copied through), still refuses it; nothing of it runs. */
  {
    size_t glen;
    uint8_t *good = try_read_file(so, &glen);
    uint8_t *evil = good ? malloc(glen) : NULL;
    if (evil) memcpy(evil, good, glen);
    CHECK(evil && give_constructor(evil, glen), "give the cached code a DT_INIT");
    if (evil) plant_macd(so, meta, evil, glen);
    CHECK(load_tier(WASMPLUG_TIER_AUTO, wasm, wasm_len, NULL) == WASMPLUG_TIER_BASELINE,
          "a MAC'ed entry with a constructor is refused by the ELF check");
    CHECK(load_tier(WASMPLUG_TIER_OPTIMIZED, wasm, wasm_len, NULL) == WASMPLUG_TIER_OPTIMIZED,
          "and rebuilt");
    CHECK(load_tier(WASMPLUG_TIER_AUTO, wasm, wasm_len, NULL) == WASMPLUG_TIER_OPTIMIZED, "and used afterwards");
    /* The loader (image.c) refuses a relocation type it does not know
    ** rather than guess at it */
    if (evil) memcpy(evil, good, glen);
    CHECK(evil && retype_relocation(evil, glen, R_X86_64_TPOFF64), "give the cached code a TLS relocation");
    if (evil) plant_macd(so, meta, evil, glen);
    CHECK(load_tier(WASMPLUG_TIER_AUTO, wasm, wasm_len, NULL) == WASMPLUG_TIER_BASELINE,
          "a MAC'ed entry with an unknown relocation is not loaded");
    CHECK(load_tier(WASMPLUG_TIER_OPTIMIZED, wasm, wasm_len, NULL) == WASMPLUG_TIER_OPTIMIZED,
          "and rebuilt");
    free(good);
    free(evil);
  }

  /* Artifacts. */
  char art[2048];
  snprintf(art, sizeof art, "%s/provider.cwasm", cache);
  {
    wasmplug_config_t *c = wasmplug_config_new();
    wasmplug_config_cache_dir_set(c, cache);
    wasmplug_config_tier_set(c, WASMPLUG_TIER_BASELINE);
    wasmplug_engine_t *e = core_test_engine(c);
    wasmplug_module_t *m = NULL;
    wasmplug_error_t *err = wasmplug_module_new(e, wasm, wasm_len, "provider.wasm", &m);
    CHECK(!err, "load");
    err = wasmplug_module_serialize(m, art);
    CHECK(!err, "serialize: %s", err ? wasmplug_error_message(err) : "");
    wasmplug_error_delete(err);
    wasmplug_module_delete(m);
    wasmplug_engine_delete(e);
  }
  size_t alen;
  uint8_t *ab = try_read_file(art, &alen);
  CHECK(ab && load_tier(WASMPLUG_TIER_BASELINE, ab, alen, NULL) == WASMPLUG_TIER_OPTIMIZED,
        "artifact runs optimized code whatever the tier");
  char *msg = NULL;
  allow_precompiled = false;
  CHECK(load_tier(WASMPLUG_TIER_AUTO, ab, alen, &msg) == -1 && msg && strstr(msg, "--allow-precompiled"),
        "an artifact needs the user's consent: %s", msg ? msg : "loaded");
  allow_precompiled = true;
  free(msg);
  msg = NULL;
  ab[alen - 100] ^= 1;
  CHECK(load_tier(WASMPLUG_TIER_AUTO, ab, alen, &msg) == -1 && msg && strstr(msg, "checksum mismatch"),
        "corrupt artifact refused: %s", msg ? msg : "");
  free(msg);
  msg = NULL;
  CHECK(load_tier(WASMPLUG_TIER_AUTO, ab, 30, &msg) == -1 && msg && strstr(msg, "truncated"),
        "truncated artifact refused: %s", msg ? msg : "");
  free(msg);

  free(ab);
  free(bad);
  free(sob);
  free(so);
  free(meta);
  free(wasm);
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures ? 1 : 0;
}
