/*
** test_digest.c — a core module's identity (wp_module_digest, check.c;
** issue 18, start time): the payloads of custom sections are not hashed,
** everything else is, lengths and places of custom sections included.
**   - the digest: equal for modules differing only in a custom payload,
**     different for any other change (code, a custom section's size, name
**     or place);
**   - the cache: a module with another custom payload runs the cached
**     code of its twin; a module with other code never does, also when it
**     carries the same custom section;
**   - the command: a file changed in place (same size, its mtime set back)
**     runs its new code from the next `wasmplug run`, nothing stale;
**   - the command's reader (cli/read_module.c): a module with a 64 MiB
**     custom section runs without that section in memory (its peak RSS
**     within 16 MiB of its twin's without it), as the same module (the
**     cached code `compile` made of the whole file), with the names of the
**     "name" section after it; a custom section running past the end is
**     the decoder's error, as before;
**   - the main thread's stack bounds (src/core/rt.c: main_stack): a
**     recursion through `run` is a stack overflow trap with the stack
**     limit raised (ulimit -s 32768) as with the default.
**   test_digest WASMPLUG_BINARY WORK_DIR   (WORK_DIR emptied first)
*/
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core_test.h" /* CHECK, checks, failures */
#include "wasmplug.h"

/* core internal under test (src/core/internal.h) */
void wp_module_digest(const uint8_t *bytes, size_t len, uint8_t out[32]);


/* (module (func (export "f") (result i32) i32.const 7)) */
static const uint8_t mod_7[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00,
                                0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00,
                                0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x07, 0x0b};
#define CONST_AT (sizeof mod_7 - 2) /* the i32.const's immediate */

/* mod_7 with a custom section named `name` holding `payload`, before the
** code section (before = true) or at the end. */
static size_t with_custom(uint8_t *out, const uint8_t *mod, const char *name, const char *payload, bool before) {
  uint8_t sec[64];
  size_t nl = strlen(name), pl = strlen(payload), n = 0;
  sec[n++] = 0;
  sec[n++] = (uint8_t)(1 + nl + pl);
  sec[n++] = (uint8_t)nl;
  memcpy(sec + n, name, nl), n += nl;
  memcpy(sec + n, payload, pl), n += pl;
  size_t split = before ? 26 : sizeof mod_7; /* the code section starts at 26 */
  memcpy(out, mod, split);
  memcpy(out + split, sec, n);
  memcpy(out + split + n, mod + split, sizeof mod_7 - split);
  return sizeof mod_7 + n;
}

static bool same(const uint8_t *a, size_t an, const uint8_t *b, size_t bn) {
  uint8_t da[32], db[32];
  wp_module_digest(a, an, da);
  wp_module_digest(b, bn, db);
  return !memcmp(da, db, 32);
}

static char work[4096];

static int count_so(const char *dir) {
  char cmd[4300];
  snprintf(cmd, sizeof cmd, "ls '%s' 2>/dev/null | grep -c '[.]so$'", dir);
  FILE *p = popen(cmd, "r");
  int n = -1;
  if (p && fscanf(p, "%d", &n) != 1) n = -1;
  if (p) pclose(p);
  return n;
}

/* Loads b on the optimized tier with the cache in WORK/cache and calls f. */
static int32_t run_f(const uint8_t *b, size_t n, const char *what) {
  char cache[4200];
  snprintf(cache, sizeof cache, "%s/cache", work);
  wasmplug_config_t *cfg = wasmplug_config_new();
  wasmplug_config_tier_set(cfg, WASMPLUG_TIER_OPTIMIZED);
  wasmplug_config_cache_dir_set(cfg, cache);
  wasmplug_engine_t *e = NULL;
  wasmplug_module_t *m = NULL;
  wasmplug_linker_t *l = NULL;
  wasmplug_instance_t *in = NULL;
  wasmplug_trap_t *trap = NULL;
  e = core_test_engine(cfg);
  int32_t r = -1;
  wasmplug_error_t *err = wasmplug_module_new(e, b, n, what, &m);
  if (!err && !(l = wasmplug_linker_new(e))) err = wasmplug_error_new("no linker");
  if (!err) wasmplug_linker_instantiate(l, m, NULL, &in, &err, &trap);
  if (!err && !trap) {
    wasmplug_func_t *f = wasmplug_instance_func(in, "f");
    wasmplug_val_t res;
    if (f && !(trap = wasmplug_func_call(f, NULL, 0, &res, 1))) r = res.of.i32;
  }
  CHECK(!err && !trap, "%s: %s", what, err ? wasmplug_error_message(err) : trap ? wasmplug_trap_message(trap) : "");
  wasmplug_trap_delete(trap);
  wasmplug_error_delete(err);
  wasmplug_instance_delete(in);
  wasmplug_linker_delete(l);
  wasmplug_module_delete(m);
  wasmplug_engine_delete(e);
  return r;
}

static bool write_file(const char *path, const uint8_t *b, size_t n, bool in_place) {
  int fd = open(path, in_place ? O_WRONLY : O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return false;
  bool ok = pwrite(fd, b, n, 0) == (ssize_t)n;
  return close(fd) == 0 && ok;
}

/* `wasmplug run --invoke f FILE` with the cache in WORK/cli-cache: its output. */
static int cli_f(const char *wasmplug, const char *file) {
  char cmd[9000];
  snprintf(cmd, sizeof cmd, "WASMPLUG_CACHE_DIR='%s/cli-cache' '%s' run --tier optimized --invoke f '%s'", work,
           wasmplug, file);
  FILE *p = popen(cmd, "r");
  int v = -1;
  if (p && fscanf(p, "%d", &v) != 1) v = -1;
  if (p) pclose(p);
  return v;
}


/* The reader's module: exports f (returns 7), t (calls the function the
** "name" section calls gee_whiz, which traps) and r (recurses forever);
** with `big`, a custom section ".debug_info" of `big` zero bytes (a hole
** in the file) before the "name" section.  `cut`: the big section claims
** `cut` more bytes than the file has. */
static bool write_reader_module(const char *path, size_t big, size_t cut) {
  static const uint8_t head[] = {
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,             /* magic, version */
      0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,                   /* type: () -> i32 */
      0x03, 0x05, 0x04, 0x00, 0x00, 0x00, 0x00,                   /* four functions */
      0x07, 0x0d, 0x03, 0x01, 'f', 0x00, 0x00, 0x01, 't', 0x00, 0x01, 0x01, 'r', 0x00, 0x03,
      0x0a, 0x14, 0x04, 0x04, 0x00, 0x41, 0x07, 0x0b,             /* f: i32.const 7 */
      0x04, 0x00, 0x10, 0x02, 0x0b,                               /* t: call 2 */
      0x03, 0x00, 0x00, 0x0b,                                     /* 2: unreachable */
      0x04, 0x00, 0x10, 0x03, 0x0b};                              /* r: call 3 */
  static const uint8_t names[] = {0x00, 0x12, 0x04, 'n', 'a', 'm', 'e', 0x01, 0x0b, 0x01, 0x02, 0x08,
                                  'g', 'e', 'e', '_', 'w', 'h', 'i', 'z'};
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return false;
  bool ok = write(fd, head, sizeof head) == (ssize_t)sizeof head;
  off_t at = (off_t)sizeof head;
  if (big) {
    static const char dname[] = ".debug_info";
    uint64_t size = 1 + (sizeof dname - 1) + big + cut;
    uint8_t h[32]; /* id, size (up to 5), name length, name */
    size_t n = 0;
    h[n++] = 0;
    do {
      h[n++] = (uint8_t)((size & 0x7f) | (size > 0x7f ? 0x80 : 0));
      size >>= 7;
    } while (size);
    h[n++] = (uint8_t)(sizeof dname - 1);
    memcpy(h + n, dname, sizeof dname - 1), n += sizeof dname - 1;
    ok = ok && write(fd, h, n) == (ssize_t)n;
    at += (off_t)(n + big); /* the payload: a hole, zeros */
  }
  ok = ok && pwrite(fd, names, sizeof names, at) == (ssize_t)sizeof names;
  return close(fd) == 0 && ok;
}

/* Runs `sh -c CMD` (output to OUT); its exit status, and its peak RSS in KiB. */
static int run_rss(const char *cmd, const char *out, long *rss_kib) {
  pid_t p = fork();
  if (p == 0) {
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) dup2(fd, 1), dup2(fd, 2);
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
  }
  int st = 0;
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  if (p < 0 || wait4(p, &st, 0, &ru) != p) return -1;
  *rss_kib = ru.ru_maxrss;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static bool file_has(const char *path, const char *what) {
  char buf[8192];
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f) fclose(f);
  buf[n] = 0;
  return strstr(buf, what) != NULL;
}

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  snprintf(work, sizeof work, "%s", argv[2]);
  char cmd[8300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", work, work);
  if (system(cmd) != 0) return 1;
  uint8_t mod_8[sizeof mod_7];
  memcpy(mod_8, mod_7, sizeof mod_7);
  mod_8[CONST_AT] = 8;

  /* 1. the digest */
  uint8_t a[128], a2[128], a3[128], a4[128], a5[128], b[128];
  size_t an = with_custom(a, mod_7, "x", "aaaa", false), a2n = with_custom(a2, mod_7, "x", "bbbb", false),
         a3n = with_custom(a3, mod_7, "x", "bbbbb", false), a4n = with_custom(a4, mod_7, "y", "aaaa", false),
         a5n = with_custom(a5, mod_7, "x", "aaaa", true), bn = with_custom(b, mod_8, "x", "aaaa", false);
  CHECK(same(a, an, a2, a2n), "another custom payload of the same length: the same digest");
  CHECK(!same(a, an, a3, a3n), "a longer custom payload: another digest");
  CHECK(!same(a, an, a4, a4n), "another custom section name: another digest");
  CHECK(!same(a, an, a5, a5n), "the custom section elsewhere: another digest");
  CHECK(!same(a, an, b, bn), "other code with the same custom section: another digest");
  CHECK(!same(mod_7, sizeof mod_7, mod_8, sizeof mod_8), "other code: another digest");
  CHECK(!same(mod_7, sizeof mod_7, a, an), "a custom section added: another digest");
  uint8_t trunc[128];
  memcpy(trunc, a, an);
  trunc[sizeof mod_7 + 1] = 0x7f; /* the custom section's size past the end: not a section */
  CHECK(!same(a, an, trunc, an), "a malformed section: hashed as it is");

  /* 2. the cache: twins share code, other code never does */
  char cache[4200];
  snprintf(cache, sizeof cache, "%s/cache", work);
  CHECK(run_f(a, an, "A") == 7, "A returns 7");
  int entries = count_so(cache);
  CHECK(entries == 1, "A's code cached (%d entries)", entries);
  CHECK(run_f(a2, a2n, "A with another payload") == 7, "its twin returns 7");
  CHECK(count_so(cache) == entries, "its twin ran A's cached code (%d entries)", count_so(cache));
  CHECK(run_f(b, bn, "B") == 8, "B (same custom section, other code) returns 8");
  CHECK(count_so(cache) == entries + 1, "B was compiled (%d entries)", count_so(cache));
  CHECK(run_f(a3, a3n, "A with a longer payload") == 7, "A with a longer payload returns 7");

  /* 3. a file changed in place, same size, its mtime set back */
  char file[4200];
  snprintf(file, sizeof file, "%s/m.wasm", work);
  CHECK(write_file(file, a, an, false), "writing %s", file);
  CHECK(cli_f(argv[1], file) == 7, "wasmplug run: 7");
  CHECK(cli_f(argv[1], file) == 7, "wasmplug run again (cached): 7");
  struct stat st;
  CHECK(stat(file, &st) == 0, "stat");
  CHECK(write_file(file, b, bn, true), "rewriting %s in place", file);
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  CHECK(utimensat(AT_FDCWD, file, times, 0) == 0, "setting the mtime back");
  struct stat st2;
  CHECK(stat(file, &st2) == 0 && st2.st_size == st.st_size && st2.st_mtim.tv_sec == st.st_mtim.tv_sec &&
            st2.st_mtim.tv_nsec == st.st_mtim.tv_nsec,
        "same size and mtime");
  CHECK(cli_f(argv[1], file) == 8, "wasmplug run after the change: the new code's 8");

  /* 4. the command's reader: a large custom payload is never read */
  char big[4200], twin[4200], cut[4200], out[4200], rcache[4200], run[9000];
  snprintf(big, sizeof big, "%s/big.wasm", work);
  snprintf(twin, sizeof twin, "%s/twin.wasm", work);
  snprintf(cut, sizeof cut, "%s/cut.wasm", work);
  snprintf(out, sizeof out, "%s/out.txt", work);
  snprintf(rcache, sizeof rcache, "%s/reader-cache", work);
  enum { BIG = 64 << 20 };
  CHECK(write_reader_module(big, BIG, 0) && write_reader_module(twin, 0, 0) && write_reader_module(cut, BIG, 4096),
        "writing the reader's modules");
  snprintf(run, sizeof run, "WASMPLUG_CACHE_DIR='%s' '%s' compile '%s'", rcache, argv[1], big);
  long rss_big = 0, rss_twin = 0, rss = 0;
  CHECK(run_rss(run, out, &rss) == 0, "compile of the whole file");
  CHECK(count_so(rcache) == 1, "compiled once (%d entries)", count_so(rcache));
  snprintf(run, sizeof run, "WASMPLUG_CACHE_DIR='%s' '%s' run --tier optimized --invoke f '%s'", rcache, argv[1], big);
  CHECK(run_rss(run, out, &rss_big) == 0 && file_has(out, "7"), "run --invoke f of the module with 64 MiB of DWARF: 7");
  CHECK(count_so(rcache) == 1, "its cached code, the same module's (%d entries)", count_so(rcache));
  snprintf(run, sizeof run, "WASMPLUG_CACHE_DIR='%s' '%s' run --tier optimized --invoke f '%s'", rcache, argv[1], twin);
  CHECK(run_rss(run, out, &rss_twin) == 0 && file_has(out, "7"), "its twin without the custom section: 7");
  CHECK(rss_big < rss_twin + 16 * 1024, "the custom payload was not read: peak RSS %ld KiB, its twin's %ld KiB",
        rss_big, rss_twin);
  /* (baseline: the optimized tier inlines gee_whiz into t) */
  snprintf(run, sizeof run, "WASMPLUG_CACHE_DIR='%s' '%s' run --tier baseline --invoke t '%s'", rcache, argv[1], big);
  CHECK(run_rss(run, out, &rss) == 134 && file_has(out, "gee_whiz"),
        "a trap's backtrace names the function from the name section after the skipped one");
  snprintf(run, sizeof run, "WASMPLUG_CACHE_DIR='%s' '%s' run --invoke f '%s'", rcache, argv[1], cut);
  CHECK(run_rss(run, out, &rss) == 1 && file_has(out, "exceeds"), "a custom section past the end: the decoder's error");

  /* 5. the main thread's stack bounds, with the stack limit raised */
  snprintf(run, sizeof run, "'%s' run --tier baseline --invoke r '%s'", argv[1], twin);
  CHECK(run_rss(run, out, &rss) == 134 && file_has(out, "stack overflow"), "recursion: a stack overflow trap");
  snprintf(run, sizeof run, "ulimit -s 32768 && '%s' run --tier baseline --invoke r '%s'", argv[1], twin);
  CHECK(run_rss(run, out, &rss) == 134 && file_has(out, "stack overflow"),
        "recursion with ulimit -s 32768: a stack overflow trap");

  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures != 0;
}
