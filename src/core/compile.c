/*
** compile.c — the two tiers and the on-disk cache.
**
** Baseline: wasm2c's C compiled by libtcc straight into memory (tens of
** milliseconds).  Optimized: the system C compiler at -O2 into a shared
** object stored in the cache as KEY.so beside KEY.meta, where KEY hashes the
** wasm bytes and the tool identity.  A cache entry is loaded only after the
** SHA-256 of the .so matches the one its .meta recorded when we wrote it and
** the .meta's MAC (trust.c: a secret a guest cannot read) vouches for both,
** so a truncated, corrupt, swapped or planted file is rebuilt instead of
** dlopen'ed.  Every shared object from disk passes wp_trust_check_elf first.
*/
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "translate.h"


/* ---------------------------------------------------------------- helpers */

static char *make_tmpdir(void) {
  const char *base = getenv("TMPDIR");
  char *tmpl = wp_format("%s/wasmplug-XXXXXX", base && *base ? base : "/tmp");
  if (tmpl && !mkdtemp(tmpl)) {
    free(tmpl);
    return NULL;
  }
  return tmpl;
}

static void remove_tree(const char *dir) {
  /* A debugging aid for translator work (DEVELOPERS.md): keep the C. */
  const char *keep = getenv("WASMPLUG_KEEP_C");
  if (keep && *keep && strcmp(keep, "0")) {
    fprintf(stderr, "wasmplug: generated C kept in %s\n", dir);
    return;
  }
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *e;
    while ((e = readdir(d))) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      char *p = wp_format("%s/%s", dir, e->d_name);
      if (p) unlink(p);
      free(p);
    }
    closedir(d);
  }
  rmdir(dir);
}

bool wp_read_all(const char *path, uint8_t **data, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (1ll << 31)) {
    close(fd);
    return false;
  }
  size_t n = (size_t)st.st_size;
  uint8_t *buf = malloc(n ? n : 1);
  wp_populate(buf, n); /* present before read() copies into it */
  size_t got = 0;
  while (buf && got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r <= 0) {
      if (r < 0 && errno == EINTR) continue;
      free(buf);
      buf = NULL;
      break;
    }
    got += (size_t)r;
  }
  close(fd);
  if (!buf) return false;
  *data = buf;
  *len = n;
  return true;
}

static const wp_glue_t *check_glue(const wasmplug_module_t *m, wp_glue_entry_t entry,
                                   char **err) {
  const wp_glue_t *g = entry ? entry() : NULL;
  if (!g || g->abi != WP_GLUE_ABI) {
    *err = wp_format("%s: compiled code has an unknown glue ABI", m->name);
    return NULL;
  }
  if (memcmp(g->module_hash, m->hash, 32)) {
    *err = wp_format("%s: compiled code belongs to another module", m->name);
    return NULL;
  }
  if (g->nexports != m->info.nexports) {
    *err = wp_format("%s: compiled code does not match the module's exports", m->name);
    return NULL;
  }
  g->init_module(wp_rt_api());
  return g;
}

void wp_code_free(wp_code_t *code) {
  if (code->tcc) wp_tcc_release(code->tcc);
  if (code->dl) {
    dlclose(code->dl);
    close(code->memfd);
  }
  memset(code, 0, sizeof *code);
}

/* ------------------------------------------------------------ C sources */

void wp_strv_free(char **v) {
  if (!v) return;
  for (char **p = v; *p; p++) free(*p);
  free(v);
}

static char *write_text(const char *dir, const char *name, const wp_buf_t *b) {
  char *path = wp_format("%s/%s", dir, name);
  if (!path) return wp_strdup("out of memory");
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  char *err = NULL;
  if (fd < 0) {
    err = wp_format("cannot create %s: %s", path, strerror(errno));
    free(path);
    return err;
  }
  size_t off = 0;
  while (off < b->len) {
    ssize_t n = write(fd, b->s + off, b->len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) { err = wp_format("cannot write %s: %s", path, strerror(errno)); break; }
    off += (size_t)n;
  }
  if (close(fd) != 0 && !err) err = wp_format("cannot write %s: %s", path, strerror(errno));
  free(path);
  return err;
}

char *wp_emit_c(const wasmplug_module_t *m, bool baseline, const char *dir, char ***files) {
  *files = NULL;
  if (m->engine->translator == WP_TRANSLATOR_WASM2C) {
    char *err = wp_codegen(m, dir);
    if (err) return err;
    char **v = calloc(2, sizeof *v);
    if (!v || !(v[0] = wp_strdup("glue.c"))) {
      free(v);
      return wp_strdup("out of memory");
    }
    *files = v;
    return NULL;
  }
  wp_xlate_opts_t o = {baseline, baseline ? 0 : WP_OPT_UNIT_BYTES, m->engine->config.fuel != 0,
                        m->engine->config.epoch_ticks != 0};
  wp_xlate_t x;
  char *err = wp_translate(m, &o, &x);
  if (err) return err;
  char **v = calloc(x.nunits + 2, sizeof *v);
  if (!v) err = wp_strdup("out of memory");
  if (!err) err = write_text(dir, "wp.h", &x.header);
  if (!err) err = write_text(dir, "glue.c", &x.glue);
  if (!err && !(v[0] = wp_strdup("glue.c"))) err = wp_strdup("out of memory");
  for (uint32_t i = 0; !err && i < x.nunits; i++) {
    v[i + 1] = wp_format("u%u.c", i);
    if (!v[i + 1]) err = wp_strdup("out of memory");
    else err = write_text(dir, v[i + 1], &x.units[i].c);
  }
  wp_xlate_free(&x);
  if (err) {
    wp_strv_free(v);
    return err;
  }
  *files = v;
  return NULL;
}

/* --------------------------------------------------------------- baseline */

bool wp_baseline_cached(const wasmplug_module_t *m) {
  uint64_t code = 0;
  for (uint32_t i = 0; i < m->info.nfuncs; i++) code += m->info.bodies[i].len;
  return m->engine->translator == WP_TRANSLATOR_OWN && code > WP_BASE_LARGE;
}

char *wp_compile_baseline(wasmplug_module_t *m, wp_code_t *out) {
  memset(out, 0, sizeof *out);
  char *dir = make_tmpdir();
  if (!dir) return wp_format("%s: cannot create a temporary directory: %s", m->name, strerror(errno));
  char **files = NULL;
  /* a large module: units compiled (or found in the cache) in parallel */
  char *err = wp_baseline_cached(m) ? wp_build_baseline(m, dir, &files) : wp_emit_c(m, true, dir, &files);
  void *state = NULL, *entry = NULL;
  if (!err)
    err = wp_tcc_build(m->name, dir, files, m->engine->translator == WP_TRANSLATOR_OWN, &state, &entry);
  wp_strv_free(files);
  if (!err) {
    const wp_glue_t *g = check_glue(m, (wp_glue_entry_t)entry, &err);
    if (g) {
      out->tier = WASMPLUG_TIER_BASELINE;
      out->tcc = state;
      out->glue = g;
    } else {
      wp_tcc_release(state);
    }
  }
  remove_tree(dir);
  free(dir);
  return err;
}

/* -------------------------------------------------------------- optimized */

static void key_hex(const wasmplug_module_t *m, char hex[65]) {
  wp_sha256_t s;
  uint8_t d[32];
  wp_sha256_init(&s);
  wp_sha256_update(&s, m->hash, 32);
  wp_sha256_update(&s, m->engine->tool_id, strlen(m->engine->tool_id));
  wp_sha256_final(&s, d);
  wp_sha256_hex(d, hex);
}


/* dlopen()s a verified shared object image by way of a memfd, so that what
** is loaded is exactly the bytes that were checked. */
void *wp_dlopen_bytes(const uint8_t *data, size_t len, int *memfd) {
  int fd = memfd_create("wasmplug-code", MFD_CLOEXEC);
  *memfd = -1;
  if (fd < 0) return NULL;
  size_t off = 0;
  while (off < len) {
    ssize_t n = write(fd, data + off, len - off);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      close(fd);
      return NULL;
    }
    off += (size_t)n;
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (h) *memfd = fd;
  else close(fd);
  return h;
}

static char *load_so_bytes(wasmplug_module_t *m, const uint8_t *so, size_t len, wp_code_t *out) {
  char *bad = wp_trust_check_elf(m->name, so, len);
  if (bad) return bad;
  int memfd;
  void *h = wp_dlopen_bytes(so, len, &memfd);
  if (!h) {
    const char *e = dlerror();
    return wp_format("%s: cannot load compiled code: %s", m->name, e ? e : "dlopen failed");
  }
  char *err = NULL;
  const wp_glue_t *g = check_glue(m, (wp_glue_entry_t)dlsym(h, "wasmplug_glue_v1"), &err);
  if (!g) {
    dlclose(h);
    close(memfd);
    return err;
  }
  out->tier = WASMPLUG_TIER_OPTIMIZED;
  out->dl = h;
  out->memfd = memfd;
  out->glue = g;
  return NULL;
}

/* The .meta of a cache entry: the entry's key, the SHA-256 of its .so and
** the MAC of both (trust.c).  False when no secret is available (the
** entry is then neither written nor trusted). */
static char *cache_meta(wasmplug_module_t *m, const uint8_t *so, size_t slen) {
  char sum[65], key[65], mac[65];
  key_hex(m, key);
  wp_sha256_hex_of(so, slen, sum);
  if (!wp_trust_mac(m->engine, key, sum, mac)) return NULL;
  return wp_format("wasmplug-cache 2\nkey %s\nsha256 %s\nmac %s\n", key, sum, mac);
}

static bool cache_entry_verified(wasmplug_module_t *m, const uint8_t *meta, size_t mlen, const uint8_t *so,
                                 size_t slen) {
  char *expect = cache_meta(m, so, slen);
  char *got = malloc(mlen + 1);
  bool ok = expect && got;
  if (ok) {
    memcpy(got, meta, mlen);
    got[mlen] = 0;
    ok = strlen(got) == mlen && wp_trust_mac_equal(got, expect);
  }
  free(got);
  free(expect);
  return ok;
}

/* Tries the cache; returns true on a verified hit. */
static bool cache_load(wasmplug_module_t *m, const char *so_path, const char *meta_path,
                       wp_code_t *out) {
  uint8_t *meta = NULL, *so = NULL;
  size_t mlen, slen;
  bool ok = false;
  if (!wp_read_all(meta_path, &meta, &mlen)) return false;
  if (!wp_read_all(so_path, &so, &slen)) goto out;
  ok = cache_entry_verified(m, meta, mlen, so, slen);
  if (ok) {
    char *err = load_so_bytes(m, so, slen, out);
    ok = !err;
    free(err);
  }
out:
  free(meta);
  free(so);
  return ok;
}

char *wp_mkdir_p(const char *dir) {
  char *p = wp_strdup(dir);
  if (!p) return wp_strdup("out of memory");
  for (char *s = p + 1; *s; s++) {
    if (*s != '/') continue;
    *s = 0;
    mkdir(p, 0700);
    *s = '/';
  }
  char *err = NULL;
  if (mkdir(p, 0700) != 0 && errno != EEXIST)
    err = wp_format("cannot create cache directory %s: %s", p, strerror(errno));
  free(p);
  return err;
}

char *wp_write_atomic(const char *path, const uint8_t *data, size_t len) {
  char *tmp = wp_format("%s.tmp.%ld", path, (long)getpid());
  if (!tmp) return wp_strdup("out of memory");
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  char *err = NULL;
  if (fd < 0) {
    err = wp_format("cannot write %s: %s", tmp, strerror(errno));
    free(tmp);
    return err;
  }
  size_t off = 0;
  while (off < len) {
    ssize_t n = write(fd, data + off, len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) { err = wp_format("cannot write %s: %s", tmp, strerror(errno)); break; }
    off += (size_t)n;
  }
  if (close(fd) != 0 && !err) err = wp_format("cannot write %s: %s", tmp, strerror(errno));
  if (!err && rename(tmp, path) != 0) err = wp_format("cannot rename %s: %s", tmp, strerror(errno));
  if (err) unlink(tmp);
  free(tmp);
  return err;
}

char *wp_compile_optimized(wasmplug_module_t *m, bool may_build, wp_code_t *out) {
  memset(out, 0, sizeof *out);
  char key[65];
  key_hex(m, key);
  const char *cache = m->engine->cache_dir;
  char *so_path = wp_format("%s/%s.so", cache, key);
  char *meta_path = wp_format("%s/%s.meta", cache, key);
  char *err = NULL, *dir = NULL;
  uint8_t *so = NULL;
  size_t slen = 0;
  if (!so_path || !meta_path) { err = wp_strdup("out of memory"); goto out; }
  if (cache_load(m, so_path, meta_path, out)) goto out;
  if (!may_build) { err = wp_strdup("not cached"); goto out; }
  if ((err = wp_mkdir_p(cache))) goto out;
  dir = make_tmpdir();
  if (!dir) { err = wp_format("cannot create a temporary directory: %s", strerror(errno)); goto out; }
  char *built = wp_format("%s/module.so", dir);
  if (!built) { err = wp_strdup("out of memory"); goto out; }
  err = wp_build_optimized(m, dir, built);
  if (!err && !wp_read_all(built, &so, &slen))
    err = wp_format("%s: the C compiler produced no output", m->name);
  free(built);
  if (err) goto out;
  /* Write the code first, then the meta that vouches for it.  Without a
  ** secret to vouch with, the code is used but not cached. */
  char *meta = cache_meta(m, so, slen);
  if (meta) {
    unlink(meta_path);
    err = wp_write_atomic(so_path, so, slen);
    if (!err) err = wp_write_atomic(meta_path, (const uint8_t *)meta, strlen(meta));
    free(meta);
    if (err) goto out;
  }
  err = load_so_bytes(m, so, slen, out);
out:
  if (dir) {
    remove_tree(dir);
    free(dir);
  }
  free(so);
  free(so_path);
  free(meta_path);
  return err;
}

/* ------------------------------------------------------------- artifacts */

/* `wasmplug compile -o OUT` writes: "WPLUGAOT" magic, u32 format version,
** u64 wasm length, u64 code length, 32-byte SHA-256 of all that follows,
** then the wasm bytes and the shared object. */
#define ARTIFACT_MAGIC "WPLUGAOT"
/* 2: the glue's module_hash is the module's digest (wp_module_digest),
** no longer the SHA-256 of all its bytes */
#define ARTIFACT_VERSION 2
#define ARTIFACT_HEADER (8 + 4 + 8 + 8 + 32)

bool wp_artifact_is(const uint8_t *b, size_t len) {
  return len >= 8 && !memcmp(b, ARTIFACT_MAGIC, 8);
}

static uint64_t get64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
  return v;
}
static void put64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Splits a verified artifact; returns an error message or NULL. */
char *wp_artifact_split(const char *name, const uint8_t *b, size_t len, const uint8_t **wasm,
                        size_t *wlen, const uint8_t **so, size_t *slen) {
  if (len < ARTIFACT_HEADER) return wp_format("%s: truncated wasmplug artifact", name);
  uint32_t ver = (uint32_t)b[8] | (uint32_t)b[9] << 8 | (uint32_t)b[10] << 16 | (uint32_t)b[11] << 24;
  if (ver != ARTIFACT_VERSION)
    return wp_format("%s: wasmplug artifact format %u is not supported (expected %u)", name, ver,
                     ARTIFACT_VERSION);
  uint64_t wl = get64(b + 12), sl = get64(b + 20);
  if (wl > len || sl > len || ARTIFACT_HEADER + wl + sl != len)
    return wp_format("%s: corrupt wasmplug artifact (bad lengths)", name);
  uint8_t d[32];
  wp_sha256_t s;
  wp_sha256_init(&s);
  wp_sha256_update(&s, b + ARTIFACT_HEADER, len - ARTIFACT_HEADER);
  wp_sha256_final(&s, d);
  if (memcmp(d, b + 28, 32)) return wp_format("%s: corrupt wasmplug artifact (checksum mismatch)", name);
  *wasm = b + ARTIFACT_HEADER;
  *wlen = (size_t)wl;
  *so = b + ARTIFACT_HEADER + wl;
  *slen = (size_t)sl;
  return NULL;
}

char *wp_artifact_load(wasmplug_module_t *m, const uint8_t *so, size_t slen, wp_code_t *out) {
  memset(out, 0, sizeof *out);
  return load_so_bytes(m, so, slen, out);
}

char *wp_artifact_write(wasmplug_module_t *m, const char *path) {
  uint8_t *buf;
  size_t total;
  char *err = wp_artifact_bytes(m, &buf, &total);
  if (err) return err;
  err = wp_write_atomic(path, buf, total);
  free(buf);
  return err;
}

char *wp_artifact_bytes(wasmplug_module_t *m, uint8_t **out, size_t *out_len) {
  *out = NULL;
  *out_len = 0;
  char key[65];
  key_hex(m, key);
  char *so_path = wp_format("%s/%s.so", m->engine->cache_dir, key);
  char *meta_path = wp_format("%s/%s.meta", m->engine->cache_dir, key);
  uint8_t *so = NULL, *meta = NULL;
  size_t slen, mlen;
  char *err = NULL;
  /* Only code the cache vouches for goes into an artifact. */
  if (!so_path || !meta_path || !wp_read_all(so_path, &so, &slen) || !wp_read_all(meta_path, &meta, &mlen) ||
      !cache_entry_verified(m, meta, mlen, so, slen)) {
    err = wp_format("%s: no verified optimized code in the cache to write", m->name);
    free(so_path);
    free(meta_path);
    free(so);
    free(meta);
    return err;
  }
  free(so_path);
  free(meta_path);
  free(meta);
  size_t total = ARTIFACT_HEADER + m->len + slen;
  uint8_t *buf = malloc(total);
  if (!buf) {
    free(so);
    return wp_strdup("out of memory");
  }
  memcpy(buf, ARTIFACT_MAGIC, 8);
  buf[8] = ARTIFACT_VERSION; buf[9] = buf[10] = buf[11] = 0;
  put64(buf + 12, m->len);
  put64(buf + 20, slen);
  memcpy(buf + ARTIFACT_HEADER, m->bytes, m->len);
  memcpy(buf + ARTIFACT_HEADER + m->len, so, slen);
  wp_sha256_t s;
  wp_sha256_init(&s);
  wp_sha256_update(&s, buf + ARTIFACT_HEADER, total - ARTIFACT_HEADER);
  wp_sha256_final(&s, buf + 28);
  free(so);
  *out = buf;
  *out_len = total;
  return NULL;
}
