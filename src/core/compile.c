/*
** compile.c — the two tiers and the on-disk cache.
**
** Baseline: wasm2c's C compiled by libtcc straight into memory (tens of
** milliseconds).  Optimized: the system C compiler at -O1 (-O2 with SIMD) into a shared
** object stored in the cache as KEY.so beside KEY.meta, where KEY hashes the
** wasm bytes and the tool identity.  A cache entry is loaded only after the
** SHA-256 of the .so matches the one its .meta recorded when we wrote it and
** the .meta's MAC (trust.c: a secret a guest cannot read) vouches for both,
** so a truncated, corrupt, swapped or planted file is rebuilt instead of
** loaded.  Every shared object from disk passes wp_trust_check_elf first,
** then image.c loads it (not dlopen: see there why).
*/
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "load.h"
#include "translate.h"
#include "wasmplug/clock.h"


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

/* WASMPLUG_KEEP_C: a debugging aid for translator work (DEVELOPERS.md):
** keep the C (a small baseline module's is then written to files too). */
static bool keep_c(void) {
  const char *keep = getenv("WASMPLUG_KEEP_C");
  return keep && *keep && strcmp(keep, "0");
}

static void remove_tree(const char *dir) {
  if (keep_c()) {
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
  /* O_NONBLOCK: a FIFO planted in the cache must not make open() wait for
  ** a writer (it is then refused as not a regular file) */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
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
  wp_image_delete(code->hot_image);
  free(code->ftab);
  free(code->hot_idx);
  if (code->tcc) wp_tcc_release(code->tcc);
  wp_image_delete(code->image);
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
                        m->engine->config.epoch_ticks != 0, NULL, NULL, NULL};
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

/* The own translator's C of a small module (wp_translate_inline: one
** text, in the glue when the module defines no function, else in the
** unit) for wp_tcc_build_texts, taken from x (no copy).  NULL: no memory. */
static char **baseline_texts(wp_xlate_t *x) {
  char **v = calloc(2, sizeof *v);
  wp_buf_t *b = x->nunits ? &x->units[0].c : &x->glue;
  if (!v || !b->s) {
    free(v);
    return NULL;
  }
  v[0] = b->s;
  memset(b, 0, sizeof *b);
  return v;
}

/* A small module on the baseline tier, its C handed to the in-process
** libtcc in memory: no temporary directory, no file written, read back
** and removed (a cold start's syscalls on the file system, ~3 % of it). */
static char *compile_baseline_in_memory(wasmplug_module_t *m, wp_code_t *out) {
  wp_xlate_opts_t o = {true, 0, m->engine->config.fuel != 0, m->engine->config.epoch_ticks != 0, NULL, NULL, NULL};
  wp_xlate_t x;
  char *err = wp_translate_inline(m, &o, &x);
  if (err) return err;
  char **texts = baseline_texts(&x);
  wp_xlate_free(&x);
  if (!texts) return wp_strdup("out of memory");
  void *state = NULL, *entry = NULL;
  err = wp_tcc_build_texts(m->name, texts, &state, &entry);
  wp_strv_free(texts);
  if (err) return err;
  const wp_glue_t *g = check_glue(m, (wp_glue_entry_t)entry, &err);
  if (!g) {
    wp_tcc_release(state);
    return err;
  }
  out->tier = WASMPLUG_TIER_BASELINE;
  out->tcc = state;
  out->glue = g;
  return NULL;
}

char *wp_compile_baseline(wasmplug_module_t *m, wp_code_t *out) {
  memset(out, 0, sizeof *out);
  if (!wp_baseline_cached(m) && m->engine->translator == WP_TRANSLATOR_OWN && wp_tcc_in_process() && !keep_c())
    return compile_baseline_in_memory(m, out);
  char *dir = make_tmpdir();
  if (!dir) return wp_format("%s: cannot create a temporary directory: %s", m->name, strerror(errno));
  char **files = NULL;
  int *fds = NULL;
  size_t nfds = 0;
  /* a large module: units compiled (or found in the cache) in parallel;
  ** cached ones handed to an in-process tcc as sealed memfds */
  char *err = !wp_baseline_cached(m) ? wp_emit_c(m, true, dir, &files)
              : wp_tcc_in_process()  ? wp_build_baseline_fds(m, dir, &files, &fds, &nfds)
                                     : wp_build_baseline(m, dir, &files);
  void *state = NULL, *entry = NULL;
  if (!err)
    err = wp_tcc_build(m->name, dir, files, m->engine->translator == WP_TRANSLATOR_OWN, &state, &entry);
  wp_strv_free(files);
  for (size_t i = 0; i < nfds; i++) close(fds[i]);
  free(fds);
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


/* A memfd holding a copy of `data`, or -1: what is loaded is exactly the
** bytes checked.  Sealed (nothing can change them afterwards) for image.c's
** loader; tcc_exec.c's dlopen path takes it unsealed. */
int wp_memfd_copy(const uint8_t *data, size_t len, bool seal) {
  int fd = memfd_create("wasmplug-code", MFD_CLOEXEC | (seal ? MFD_ALLOW_SEALING : 0));
  if (fd < 0) return -1;
  size_t off = 0;
  while (off < len) {
    ssize_t n = write(fd, data + off, len - off);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      close(fd);
      return -1;
    }
    off += (size_t)n;
  }
  if (seal && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* The shared object in the sealed memfd `mfd`, seen at `so` (the same
** bytes): ELF-checked, loaded (image.c), its glue checked and made the
** module's code.  On success the memfd is the code's; on failure still
** the caller's. */
static char *load_so_sealed(wasmplug_module_t *m, int mfd, const uint8_t *so, size_t len, wp_code_t *out) {
  char *err = wp_trust_check_elf(m->name, so, len);
  wp_image_t *im = NULL;
  if (err || (err = wp_image_load(m->name, mfd, so, len, &im))) return err;
  const wp_glue_t *g = check_glue(m, (wp_glue_entry_t)wp_image_symbol(im, "wasmplug_glue_v1"), &err);
  if (!g) {
    wp_image_unload(im); /* the memfd stays the caller's */
    return err;
  }
  out->tier = WASMPLUG_TIER_OPTIMIZED;
  out->image = im;
  out->glue = g;
  return NULL;
}

/* The same for bytes in memory (a fresh build, an artifact's code). */
static char *load_so_bytes(wasmplug_module_t *m, const uint8_t *so, size_t len, wp_code_t *out) {
  int mfd = wp_memfd_copy(so, len, true);
  if (mfd < 0) return wp_format("%s: cannot load compiled code: %s", m->name, strerror(errno));
  char *err = load_so_sealed(m, mfd, so, len, out);
  if (err) close(mfd);
  return err;
}

/* The .meta of the cache entry `key` whose .so has the SHA-256 `sum` (in
** hex): the key, the sum and the MAC of both (trust.c).  NULL when no
** secret is available (the entry is then neither written nor trusted). */
static char *cache_meta_sum(wasmplug_module_t *m, const char *key, const char sum[65]) {
  char mac[65];
  if (!wp_trust_mac(m->engine, key, sum, mac)) return NULL;
  return wp_format("wasmplug-cache 2\nkey %s\nsha256 %s\nmac %s\n", key, sum, mac);
}

static char *cache_meta_key(wasmplug_module_t *m, const char *key, const uint8_t *so, size_t slen) {
  char sum[65];
  wp_sha256_hex_of(so, slen, sum);
  return cache_meta_sum(m, key, sum);
}

static char *cache_meta(wasmplug_module_t *m, const uint8_t *so, size_t slen) {
  char key[65];
  key_hex(m, key);
  return cache_meta_key(m, key, so, slen);
}

/* Whether meta vouches for a .so whose SHA-256 is `sum` (hex) as the entry
** `key` (NULL: the module's). */
static bool cache_meta_verified(wasmplug_module_t *m, const char *key, const uint8_t *meta, size_t mlen,
                                const char sum[65]) {
  char own[65];
  if (!key) {
    key_hex(m, own);
    key = own;
  }
  char *expect = cache_meta_sum(m, key, sum);
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

/* Whether meta vouches for so as the entry `key` (NULL: the module's). */
static bool cache_entry_verified_key(wasmplug_module_t *m, const char *key, const uint8_t *meta, size_t mlen,
                                     const uint8_t *so, size_t slen) {
  char sum[65];
  wp_sha256_hex_of(so, slen, sum);
  return cache_meta_verified(m, key, meta, mlen, sum);
}

static bool cache_entry_verified(wasmplug_module_t *m, const uint8_t *meta, size_t mlen, const uint8_t *so,
                                 size_t slen) {
  return cache_entry_verified_key(m, NULL, meta, mlen, so, slen);
}

/* wp_sealed_copy (load.h).  The copy goes through a small buffer that is
** hashed on the way, so a 15 MB .so is read once, without a heap buffer of
** its size (the old path read it into one, hashed it, and wrote it into a
** memfd: two more passes over memory and thousands of page faults).  What
** the MAC is then checked against is exactly what image.c maps: nothing can
** change a sealed memfd, whereas the cache's file may be rewritten by
** others at any moment (docs/security.md; a MAP_PRIVATE mapping of it
** would show their later writes).
**
** A file that fits in one chunk (every small module's code) is read whole
** into the buffer, and that buffer is the view `map` gives: the very bytes
** written into the memfd before it was sealed (no one else holds it), so
** the checks read what is mapped without a mapping of their own — whose
** mmap, page faults and munmap were a few percent of a warm start. */
enum { SEALED_CHUNK = 256 << 10 };

int wp_sealed_copy(const char *path, char sum[65], const uint8_t **map, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK); /* (wp_read_all) */
  if (fd < 0) return -1;
  struct stat st;
  int mfd = -1;
  uint8_t *buf = NULL;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > (1ll << 31)) goto fail;
  size_t n = (size_t)st.st_size, done = 0, chunk = n < SEALED_CHUNK ? n : SEALED_CHUNK;
  bool whole = n <= SEALED_CHUNK; /* the buffer holds the whole file */
  mfd = memfd_create("wasmplug-code", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  buf = malloc(chunk);
  if (mfd < 0 || !buf || ftruncate(mfd, (off_t)n) != 0) goto fail;
  wp_populate(buf, chunk); /* (a page fault per page otherwise, each costly under a hypervisor) */
  wp_sha256_t h;
  wp_sha256_init(&h);
  while (done < n) {
    uint8_t *at = whole ? buf + done : buf;
    size_t want = n - done < chunk ? n - done : chunk;
    ssize_t r = read(fd, at, want);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) goto fail; /* shorter than fstat said: being rewritten */
    wp_sha256_update(&h, at, (size_t)r);
    for (size_t w = 0; w < (size_t)r;) {
      ssize_t k = pwrite(mfd, at + w, (size_t)r - w, (off_t)(done + w));
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) goto fail;
      w += (size_t)k;
    }
    done += (size_t)r;
  }
  uint8_t d[32];
  wp_sha256_final(&h, d);
  wp_sha256_hex(d, sum);
  if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) goto fail;
  if (map && whole) {
    *map = buf;
    buf = NULL;
  } else if (map) {
    void *p = mmap(NULL, n, PROT_READ, MAP_PRIVATE, mfd, 0);
    if (p == MAP_FAILED) goto fail;
    *map = p;
  }
  free(buf);
  close(fd);
  *len = n;
  return mfd;
fail:
  free(buf);
  if (mfd >= 0) close(mfd);
  close(fd);
  return -1;
}

void wp_sealed_view_free(const uint8_t *map, size_t len) {
  if (!map) return;
  if (len <= SEALED_CHUNK) free((void *)map);
  else munmap((void *)map, len);
}

/* Tries the cache; returns true on a verified hit. */
static bool cache_load(wasmplug_module_t *m, const char *so_path, const char *meta_path,
                       wp_code_t *out) {
  uint8_t *meta = NULL;
  size_t mlen, slen;
  const uint8_t *so;
  char sum[65];
  if (!wp_read_all(meta_path, &meta, &mlen)) return false;
  int mfd = wp_sealed_copy(so_path, sum, &so, &slen);
  bool ok = mfd >= 0 && cache_meta_verified(m, NULL, meta, mlen, sum);
  free(meta);
  if (mfd < 0) return false;
  char *err = ok ? load_so_sealed(m, mfd, so, slen, out) : NULL;
  wp_sealed_view_free(so, slen);
  if (ok && !err) return true;
  free(err);
  close(mfd);
  return false;
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

/* Stores a built .so as the cache entry at so_path/meta_path: the code
** first, then the meta that vouches for it, each by an atomic rename, so a
** process killed at any point leaves either no entry or a whole one (a .so
** without its .meta is never loaded).  Nothing is stored without a secret. */
static char *cache_store(wasmplug_module_t *m, const char *key, const char *so_path, const char *meta_path,
                         const uint8_t *so, size_t slen) {
  char *meta = key ? cache_meta_key(m, key, so, slen) : cache_meta(m, so, slen);
  if (!meta) return NULL;
  unlink(meta_path);
  char *err = wp_write_atomic(so_path, so, slen);
  if (!err) err = wp_write_atomic(meta_path, (const uint8_t *)meta, strlen(meta));
  free(meta);
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
  err = wp_build_optimized(m, dir, built, NULL);
  if (!err && !wp_read_all(built, &so, &slen))
    err = wp_format("%s: the C compiler produced no output", m->name);
  free(built);
  if (err) goto out;
  /* Without a secret to vouch with, the code is used but not cached. */
  if ((err = cache_store(m, NULL, so_path, meta_path, so, slen))) goto out;
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

/* ------------------------------------------------------ hot-first code */

/* Hot-first tier-up: a large module's full optimized compile takes
** minutes, but a run spends its time in a small part of it.  The baseline
** counts the calls of every function (translate_func.c: wp_hits[i]++ at
** entry); with tier-up, those counts go to a shared mapping the builder
** reads once the run ends (or after a time budget, for a server), and the
** builder compiles the functions that ran first (build.c: cc_level) into a "hot
** object" (translate.h: opts.hot), stored as a cache entry of its own
** (HKEY.so and HKEY.meta, MAC'ed like every entry, HKEY derived from the
** module's key), before the whole module.  The next start without the
** whole module's optimized code loads the baseline (cached for large
** modules) and the hot object, and gives instances a function table
** whose hot entries point into the hot object: the baseline's calls and
** funcrefs reach the hot code through the table, the hot code calls the
** other hot functions directly and the rest through the table.  The
** profile on disk is never read: the counts only ever decide what is
** compiled, and what runs is code the cache vouches for. */

/* translate.c's gen_hot_desc writes this layout */
typedef struct wp_hot {
  uint32_t abi, nfuncs;
  uint8_t module_hash[32];
  void (*init_module)(const wp_rt_api_t *rt);
  uint32_t nhot;
  const uint32_t *idx;
  void *const *fn;
} wp_hot_t;

enum { HOT_OFF, HOT_ON, HOT_ONLY };

/* $WASMPLUG_TIER_UP_HOT: 0 never, 1 always, "only" the hot object and no
** whole-module build after it; default: modules over WP_BASE_LARGE of
** code (smaller ones compile whole in seconds). */
static int hot_mode(const wasmplug_module_t *m) {
  const char *e = getenv("WASMPLUG_TIER_UP_HOT");
  if (e && !strcmp(e, "0")) return HOT_OFF;
  if (e && !strcmp(e, "only")) return HOT_ONLY;
  if (e && !strcmp(e, "1")) return HOT_ON;
  return wp_baseline_cached(m) ? HOT_ON : HOT_OFF;
}

bool wp_hot_possible(const wasmplug_module_t *m) {
  /* tail calls find a callee's body by its entry's address and
  ** exceptions' handlers are not shared between the two: not mixed */
  return m->engine->translator == WP_TRANSLATOR_OWN && m->info.nfuncs &&
         !(m->info.features & (WP_FEAT_TAILCALL | WP_FEAT_EH | WP_FEAT_EH_LEGACY));
}

static void hot_key(const wasmplug_module_t *m, char hex[65]) {
  char key[65];
  key_hex(m, key);
  wp_sha256_t s;
  uint8_t d[32];
  wp_sha256_init(&s);
  wp_sha256_update(&s, "wasmplug hot 1\n", 15);
  wp_sha256_update(&s, key, 64);
  wp_sha256_final(&s, d);
  wp_sha256_hex(d, hex);
}

static void hot_note(wasmplug_module_t *m, char *note) {
  free(m->hot_note);
  m->hot_note = note;
}

void wp_hot_load(wasmplug_module_t *m) {
  if (!m->code.tcc || !wp_hot_possible(m)) return;
  const char *e = getenv("WASMPLUG_TIER_UP_HOT");
  if (e && !strcmp(e, "0")) return;
  char key[65];
  hot_key(m, key);
  char *so_path = wp_format("%s/%s.so", m->engine->cache_dir, key);
  char *meta_path = wp_format("%s/%s.meta", m->engine->cache_dir, key);
  uint8_t *meta = NULL;
  const uint8_t *so = NULL;
  size_t mlen = 0, slen = 0;
  wp_image_t *h = NULL;
  int memfd = -1;
  void **ftab = NULL;
  uint32_t *idx = NULL;
  char sum[65];
  if (!so_path || !meta_path || !wp_read_all(meta_path, &meta, &mlen)) goto out; /* none */
  /* as a cache hit of the whole module (cache_load): the MAC and ELF checks
  ** read the sealed copy that is then mapped */
  memfd = wp_sealed_copy(so_path, sum, &so, &slen);
  if (memfd < 0 || !cache_meta_verified(m, key, meta, mlen, sum)) {
    hot_note(m, wp_format("%s: hot code in the cache refused (%s.so does not match its MAC'ed .meta: "
                          "truncated, corrupted or not ours); running the baseline tier only",
                          m->name, key));
    goto out;
  }
  char *bad = wp_trust_check_elf(m->name, so, slen);
  if (bad) {
    hot_note(m, bad);
    goto out;
  }
  if ((bad = wp_image_load(m->name, memfd, so, slen, &h))) {
    hot_note(m, bad);
    goto out;
  }
  memfd = -1; /* the image's now */
  const wp_hot_t *(*entry)(void) = (const wp_hot_t *(*)(void))wp_image_symbol(h, "wasmplug_hot_v1");
  const wp_hot_t *d = entry ? entry() : NULL;
  uint32_t nf = wp_nfuncs(&m->info), nimp = m->info.nimported_funcs;
  bool ok = d && d->abi == WP_GLUE_ABI && d->nfuncs == nf && !memcmp(d->module_hash, m->hash, 32) &&
            d->nhot >= 1 && d->nhot <= m->info.nfuncs;
  for (uint32_t k = 0; ok && k < d->nhot; k++)
    ok = d->idx[k] >= nimp && d->idx[k] < nf && (k == 0 || d->idx[k] > d->idx[k - 1]) && d->fn[k];
  void *const *base = ok ? wp_tcc_symbol(m->code.tcc, "wp_ftab0") : NULL;
  if (!ok || !base) {
    hot_note(m, wp_format("%s: hot code in the cache refused (it does not describe this module's code)",
                          m->name));
    goto out;
  }
  ftab = malloc(nf * sizeof *ftab);
  idx = malloc(d->nhot * sizeof *idx);
  if (!ftab || !idx) goto out;
  memcpy(ftab, base, nf * sizeof *ftab);
  for (uint32_t k = 0; k < d->nhot; k++) {
    ftab[d->idx[k]] = d->fn[k];
    idx[k] = d->idx[k];
  }
  d->init_module(wp_rt_api());
  m->code.hot_image = h;
  m->code.ftab = ftab;
  m->code.nhot = d->nhot;
  m->code.hot_idx = idx;
  h = NULL;
  memfd = -1;
  ftab = NULL;
  idx = NULL;
out:
  wp_image_delete(h);
  if (memfd >= 0) close(memfd);
  wp_sealed_view_free(so, slen);
  free(ftab);
  free(idx);
  free(meta);
  free(so_path);
  free(meta_path);
  /* a refusal is worth a line on stderr (the cache is damaged or was
  ** tampered with) unless WASMPLUG_LOG=error; hot code in use with
  ** WASMPLUG_LOG=debug */
  const char *log = getenv("WASMPLUG_LOG");
  if (m->hot_note && !(log && !strcmp(log, "error"))) fprintf(stderr, "wasmplug: %s\n", m->hot_note);
  if (m->code.nhot && log && !strcmp(log, "debug")) {
    uint64_t hb = 0, all = 0, big = 0;
    for (uint32_t i = 0; i < m->info.nfuncs; i++) all += m->info.bodies[i].len;
    for (uint32_t k = 0; k < m->code.nhot; k++) {
      uint32_t len = m->info.bodies[m->code.hot_idx[k] - m->info.nimported_funcs].len;
      hb += len;
      if (len > big) big = len;
    }
    fprintf(stderr, "wasmplug: %s: hot code (tier-up) for %u of %u functions (%llu of %llu bytes of wasm code, "
                    "the largest function %llu)\n", m->name, m->code.nhot, m->info.nfuncs, (unsigned long long)hb,
            (unsigned long long)all, (unsigned long long)big);
  }
}

size_t wasmplug_module_hot_functions(const wasmplug_module_t *m, const uint32_t **indices, const char **note) {
  if (indices) *indices = m->code.hot_idx;
  if (note) *note = m->hot_note;
  return m->code.nhot;
}

/* Which defined functions go into the hot object: those the profile saw
** run, the most called first up to $WASMPLUG_TIER_UP_HOT_BYTES of wasm
** code (default 4 MiB).  NULL: none ran (or out of memory). */
static uint8_t *hot_choose(const wasmplug_module_t *m, uint32_t *nhot) {
  uint32_t n = m->info.nfuncs, k = 0;
  *nhot = 0;
  const volatile uint32_t *hits = m->hits;
  uint32_t *ran = malloc((size_t)n * sizeof *ran);
  uint32_t *count = malloc((size_t)n * sizeof *count);
  uint8_t *hot = calloc(n, 1);
  if (!ran || !count || !hot) goto fail;
  for (uint32_t i = 0; i < n; i++) {
    count[i] = hits[i];
    if (count[i]) ran[k++] = i;
  }
  const char *e = getenv("WASMPLUG_TIER_UP_HOT_BYTES");
  uint64_t budget = e && *e ? strtoull(e, NULL, 10) : 4u << 20, used = 0;
  /* the most called first (insertion by count into ran[]: a shell sort) */
  for (uint32_t gap = k / 2; gap > 0; gap /= 2)
    for (uint32_t i = gap; i < k; i++)
      for (uint32_t j = i; j >= gap && count[ran[j - gap]] < count[ran[j]]; j -= gap) {
        uint32_t t = ran[j];
        ran[j] = ran[j - gap];
        ran[j - gap] = t;
      }
  for (uint32_t i = 0; i < k; i++) {
    uint32_t len = m->info.bodies[ran[i]].len;
    if (used + len > budget && *nhot) continue;
    used += len;
    hot[ran[i]] = 1;
    (*nhot)++;
  }
  free(ran);
  free(count);
  if (*nhot) return hot;
  free(hot);
  return NULL;
fail:
  free(ran);
  free(count);
  free(hot);
  return NULL;
}

/* Waits for the run's end: EOF on `prof` (the module's prof_fd closed),
** or $WASMPLUG_TIER_UP_PROFILE_SECONDS (default 10) for a run that goes on
** (a server): its counts so far are the profile. */
static void hot_wait_profile(int prof) {
  const char *e = getenv("WASMPLUG_TIER_UP_PROFILE_SECONDS");
  long secs = e && *e ? strtol(e, NULL, 10) : 10;
  uint64_t end = wasmplug_monotonic_ns() + (uint64_t)(secs < 0 ? 0 : secs) * 1000000000u;
  char c;
  for (;;) {
    uint64_t now = wasmplug_monotonic_ns();
    if (now >= end) return;
    long ms = (long)((end - now) / 1000000u);
    if (ms <= 0) return;
    struct pollfd p = {prof, POLLIN, 0};
    int r = poll(&p, 1, (int)(ms > 60000 ? 60000 : ms));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    ssize_t n = read(prof, &c, 1);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) return; /* EOF: the run ended */
  }
}

/* --------------------------------------------------------------- tier-up */

/* Background tier-up (wasmplug_config_tier_up_set, `run --tier-up`): a
** module that started on the baseline tier because the cache had no
** optimized code for it gets that code built by a detached process, so the
** next run (or the next wasmplug_module_new) finds it in the cache.
**
** A process, not a thread: the build runs for seconds to minutes, and the
** program that started it is free to exit meanwhile (a short `run`); a
** thread would die with it, leaving its compilers orphaned and nothing
** stored.  The module is forked twice so the builder is nobody's child to
** wait for: the intermediate exits at once and is reaped here, the builder
** is reparented to init (or the nearest subreaper), which reaps it.  It is
** bounded: its own session and process group, nice 19, and an alarm of
** WP_TIER_UP_SECONDS after which it kills its whole group (itself and its
** compilers).  Its stdin/stdout/stderr are /dev/null and it keeps no other
** descriptor of the program's (a server's socket, a pipe a caller reads to
** its end), except the write end of a pipe the module keeps the read end of:
** wasmplug_module_tier_up_wait reads the builder's result from it and sees
** its end (EOF) however the builder ends.
**
** In the cache it takes KEY.lock (flock: released by the kernel however the
** process dies) so one builder per entry works, and tier-up.lock so the
** builders of one cache (a component's several core modules, concurrent
** runs) compile one after another instead of all at once.  It compiles in
** a private directory under $TMPDIR and stores the entry exactly as
** `wasmplug compile` does (cache_store: atomic renames, MAC'ed meta); a
** builder killed midway leaves no entry, only that directory (as a killed
** `wasmplug compile` does) and, in the cache, rename temporaries, which
** the next builder of that key removes under the lock. */
#define WP_TIER_UP_SECONDS (30 * 60)

static void tier_up_alarm(int sig) {
  (void)sig;
  kill(0, SIGKILL); /* the builder and its compilers: its own process group */
}

/* Removes the rename temporaries (KEY.so.tmp.PID, KEY.meta.tmp.PID) a
** builder of `key` killed midway left in the cache (unlink: a planted
** symlink is removed, never followed). */
static void tier_up_sweep(const char *cache, const char *key) {
  DIR *d = opendir(cache);
  if (!d) return;
  char so_tmp[80], meta_tmp[80];
  snprintf(so_tmp, sizeof so_tmp, "%s.so.tmp.", key);
  snprintf(meta_tmp, sizeof meta_tmp, "%s.meta.tmp.", key);
  struct dirent *e;
  while ((e = readdir(d))) {
    if (strncmp(e->d_name, so_tmp, strlen(so_tmp)) && strncmp(e->d_name, meta_tmp, strlen(meta_tmp)))
      continue;
    char *p = wp_format("%s/%s", cache, e->d_name);
    if (p) unlink(p);
    free(p);
  }
  closedir(d);
}

static int lock_file(const char *path, bool wait) {
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return -1;
  while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
    if (errno == EINTR) continue;
    close(fd);
    return -1;
  }
  return fd;
}

/* The builder (the grandchild).  Writes '1' to `res` when the cache holds
** the module's verified optimized code at its end, '0' otherwise. */
/* Hot-first: the hot object built from the profile and stored, unless a
** verified one is there already.  True when the cache holds one. */
static bool tier_up_hot(wasmplug_module_t *m, int prof, int *all_lock, const char *all_path) {
  const char *cache = m->engine->cache_dir;
  char key[65];
  hot_key(m, key);
  char *so_path = wp_format("%s/%s.so", cache, key), *meta_path = wp_format("%s/%s.meta", cache, key);
  char *dir = NULL, *built = NULL, *err = NULL;
  uint8_t *meta = NULL, *so = NULL, *hot = NULL;
  size_t mlen, slen;
  bool ok = false;
  if (!so_path || !meta_path) goto out;
  if (wp_read_all(meta_path, &meta, &mlen) && wp_read_all(so_path, &so, &slen) &&
      cache_entry_verified_key(m, key, meta, mlen, so, slen)) {
    ok = true;
    goto out;
  }
  free(so);
  so = NULL;
  if (prof < 0 || !m->hits) goto out; /* no profile to go by */
  hot_wait_profile(prof);
  uint32_t nhot;
  if (!(hot = hot_choose(m, &nhot))) goto out;
  if (*all_lock < 0 && (*all_lock = lock_file(all_path, true)) < 0) goto out;
  tier_up_sweep(cache, key);
  if (!(dir = make_tmpdir()) || !(built = wp_format("%s/module.so", dir))) goto out;
  err = wp_build_optimized(m, dir, built, hot);
  if (!err && !wp_read_all(built, &so, &slen)) err = wp_strdup("no output");
  if (!err) err = wp_trust_check_elf(m->name, so, slen);
  if (!err) err = cache_store(m, key, so_path, meta_path, so, slen);
  ok = !err;
out:
  if (dir) remove_tree(dir);
  free(dir);
  free(built);
  free(err);
  free(hot);
  free(meta);
  free(so);
  free(so_path);
  free(meta_path);
  return ok;
}

static void tier_up_build(wasmplug_module_t *m, int res, int prof) {
  wasmplug_engine_t *e = m->engine;
  /* A fork of a process whose other threads may have held this lock. */
  pthread_mutex_init(&e->trust.lock, NULL);
  e->config.progress = NULL;
  char key[65];
  key_hex(m, key);
  const char *cache = e->cache_dir;
  char *so_path = wp_format("%s/%s.so", cache, key), *meta_path = wp_format("%s/%s.meta", cache, key);
  char *lock_path = wp_format("%s/%s.lock", cache, key), *all_path = wp_format("%s/tier-up.lock", cache);
  char *dir = NULL;
  char ok = '0';
  if (!so_path || !meta_path || !lock_path || !all_path) goto out;
  char *err = wp_mkdir_p(cache);
  if (err) { free(err); goto out; }
  /* waits for another builder of this entry, then finds its work done */
  if (lock_file(lock_path, true) < 0) goto out;
  uint8_t *meta = NULL, *so = NULL;
  size_t mlen, slen;
  if (wp_read_all(meta_path, &meta, &mlen) && wp_read_all(so_path, &so, &slen) &&
      cache_entry_verified(m, meta, mlen, so, slen)) {
    ok = '1';
    free(meta);
    free(so);
    goto out;
  }
  free(meta);
  free(so);
  so = NULL;
  int all_lock = -1;
  int mode = hot_mode(m);
  if (mode != HOT_OFF && wp_hot_possible(m)) {
    /* the hot object first, from this run's profile; 'h' says it is in
    ** the cache */
    bool hot = tier_up_hot(m, prof, &all_lock, all_path);
    if (hot) {
      char h = 'h';
      while (write(res, &h, 1) < 0 && errno == EINTR) {}
    }
    if (mode == HOT_ONLY) {
      ok = hot ? '1' : '0';
      goto out;
    }
  }
  if (all_lock < 0 && lock_file(all_path, true) < 0) goto out;
  tier_up_sweep(cache, key);
  /* the C and objects in a private directory (mkdtemp under $TMPDIR), as
  ** for any optimized compile: not in the cache, where whoever can write
  ** there could swap a directory for a symlink under the compiler */
  if (!(dir = make_tmpdir())) goto out;
  char *built = wp_format("%s/module.so", dir);
  err = built ? wp_build_optimized(m, dir, built, NULL) : wp_strdup("out of memory");
  if (!err && !wp_read_all(built, &so, &slen)) err = wp_strdup("no output");
  /* the ELF check a load would make: never store what would be refused */
  if (!err) err = wp_trust_check_elf(m->name, so, slen);
  if (!err) err = cache_store(m, NULL, so_path, meta_path, so, slen);
  if (!err) {
    wp_ticket_write(e, m->hash, m->info.features);
    ok = '1';
  }
  free(err);
  free(so);
  free(built);
out:
  if (dir) remove_tree(dir);
  while (write(res, &ok, 1) < 0 && errno == EINTR) {}
  _exit(ok == '1' ? 0 : 1);
}

/* The profile of a baseline start that may go hot-first (q: the pipe, or
** -1s).  Best effort: without it the builder compiles the whole module. */
static void u32_hits_setup(wasmplug_module_t *m, int q[2]) {
  if (m->hits || !m->code.tcc || m->code.hot_image || !wp_hot_possible(m) || hot_mode(m) == HOT_OFF) return;
  uint32_t **sym = wp_tcc_symbol(m->code.tcc, "wp_hits");
  size_t len = (size_t)m->info.nfuncs * sizeof(uint32_t);
  if (!sym || pipe2(q, O_CLOEXEC) != 0) {
    q[0] = q[1] = -1;
    return;
  }
  void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    close(q[0]);
    close(q[1]);
    q[0] = q[1] = -1;
    return;
  }
  /* counts so far (the start function's) carry over */
  memcpy(p, *sym, len);
  m->hits = p;
  *sym = p;
  if (m->prof_fd >= 0) close(m->prof_fd);
  m->prof_fd = q[1];
}

void wp_tier_up_start(wasmplug_module_t *m) {
  int p[2], q[2] = {-1, -1};
  if (pipe2(p, O_CLOEXEC) != 0) return;
  /* hot-first: the baseline's call counts into a mapping the builder
  ** shares, and a pipe whose end (this module's end, or
  ** wasmplug_module_tier_up_wait) tells it the profile is complete */
  u32_hits_setup(m, q);
  pid_t mid = fork();
  if (mid < 0) {
    close(p[0]);
    close(p[1]);
    return;
  }
  if (mid == 0) {
    /* the intermediate: starts the builder and exits, so the builder is
    ** reparented to init, which reaps it */
    pid_t b = fork();
    if (b != 0) _exit(b < 0);
    setsid(); /* its own session and group: no terminal's signals; killable as one */
    prctl(PR_SET_NAME, "wasmplug-tierup"); /* what ps and top call it */
    if (setpriority(PRIO_PROCESS, 0, 19) != 0) { /* a lower priority is best effort */ }
    /* the result pipe as fd 3 (close-on-exec: compilers do not hold it),
    ** stdin/stdout/stderr /dev/null, nothing else of the program's */
    int hi = fcntl(p[1], F_DUPFD_CLOEXEC, 10);
    /* and the profile's read end as fd 4 (the write end is closed below:
    ** the builder must see the program's end) */
    int qhi = q[0] >= 0 ? fcntl(q[0], F_DUPFD_CLOEXEC, 10) : -1;
    int null = open("/dev/null", O_RDWR);
    if (hi < 0 || null < 0 || (q[0] >= 0 && qhi < 0)) _exit(1);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    int res = dup3(hi, 3, O_CLOEXEC);
    if (res < 0) _exit(1);
    int prof = qhi >= 0 ? dup3(qhi, 4, O_CLOEXEC) : -1;
    if (qhi >= 0 && prof < 0) _exit(1);
    unsigned first = prof >= 0 ? 5u : 4u;
    if (syscall(SYS_close_range, first, ~0u, 0u) != 0) {
      long max = sysconf(_SC_OPEN_MAX);
      for (long fd = first; fd < (max > 0 && max < 65536 ? max : 65536); fd++) close((int)fd);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = tier_up_alarm;
    sigaction(SIGALRM, &sa, NULL);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGCHLD, &sa, NULL); /* its compilers are waited for */
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    alarm(WP_TIER_UP_SECONDS);
    tier_up_build(m, res, prof);
  }
  close(p[1]);
  if (q[0] >= 0) close(q[0]);
  int status;
  while (waitpid(mid, &status, 0) < 0 && errno == EINTR) {}
  if (m->tier_up_fd >= 0) close(m->tier_up_fd);
  m->tier_up_fd = p[0];
}

bool wasmplug_module_tier_up_wait(wasmplug_module_t *m) {
  if (!m || m->tier_up_fd < 0) return false;
  /* the profile is what ran until now: the builder waits for no more */
  if (m->prof_fd >= 0) {
    close(m->prof_fd);
    m->prof_fd = -1;
  }
  char c = 0, last = 0;
  ssize_t n;
  /* the builder writes one byte and exits; EOF however it ends */
  while ((n = read(m->tier_up_fd, &c, 1)) != 0) {
    if (n < 0 && errno != EINTR) break;
    if (n == 1) last = c;
  }
  close(m->tier_up_fd);
  m->tier_up_fd = -1;
  return last == '1';
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
