/*
** engine.c — configuration and the engine (compile settings + cache).
*/
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "translator_id.h"

void wasmplug_store_limits_default(wasmplug_store_limits_t *out) {
  memset(out, 0, sizeof *out);
  out->size = sizeof *out;
  out->memory_bytes = (uint64_t)65536 * 65536;
  out->table_elements = 10000000;
  out->instances = 10000;
  out->handles = 1000000;
  out->host_memory_bytes = (uint64_t)128 << 20;
}

void wasmplug_store_limits_merge(wasmplug_store_limits_t *dst, const wasmplug_store_limits_t *src) {
  if (!src || src->size < sizeof(uint32_t)) return;
  wasmplug_store_limits_t n;
  memset(&n, 0, sizeof n);
  /* Read only the fields the caller's struct has (it may be older). */
  memcpy(&n, src, src->size < sizeof n ? src->size : sizeof n);
  if (n.memory_bytes) dst->memory_bytes = n.memory_bytes;
  if (n.table_elements) dst->table_elements = n.table_elements;
  if (n.instances) dst->instances = n.instances;
  if (n.handles) dst->handles = n.handles;
  if (n.host_memory_bytes) dst->host_memory_bytes = n.host_memory_bytes;
}

wasmplug_config_t *wasmplug_config_new(void) {
  wasmplug_config_t *c = calloc(1, sizeof(wasmplug_config_t));
  if (c) wasmplug_store_limits_default(&c->limits);
  return c;
}

void wasmplug_config_limits_set(wasmplug_config_t *c, const wasmplug_store_limits_t *limits) {
  wasmplug_store_limits_merge(&c->limits, limits);
}

const wasmplug_store_limits_t *wasmplug_engine_limits(const wasmplug_engine_t *e) { return &e->config.limits; }

typedef struct limited {
  void (*fn)(void *);
  void *arg;
} limited_t;

/* fn is host code: marked so, the limit's signal never unwinds it (it may
** be inside malloc or hold a lock); the guest code it reaches runs with
** the mark cleared (guarded calls and fibers clear it). */
static void run_limited(void *p) {
  limited_t *l = p;
  wasmplug_thread_marks.in_host = 1;
  l->fn(l->arg);
}

wasmplug_trap_t *wasmplug_engine_call_limited(const wasmplug_engine_t *e, void (*fn)(void *arg), void *arg) {
  limited_t l = {fn, arg};
  return wp_rt_call_guarded(run_limited, &l, e);
}

void wasmplug_config_delete(wasmplug_config_t *c) {
  if (!c) return;
  free(c->cache_dir);
  free(c);
}

void wasmplug_config_tier_set(wasmplug_config_t *c, wasmplug_tier_t tier) { c->tier = tier; }

void wasmplug_config_cache_dir_set(wasmplug_config_t *c, const char *dir) {
  free(c->cache_dir);
  c->cache_dir = dir ? wp_strdup(dir) : NULL;
}

void wasmplug_config_timeout_set(wasmplug_config_t *c, uint64_t ms) { c->timeout_ms = ms; }
void wasmplug_config_fuel_set(wasmplug_config_t *c, uint64_t fuel) {
  c->fuel = fuel > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : fuel;
}
void wasmplug_config_epoch_deadline_set(wasmplug_config_t *c, uint64_t ticks) { c->epoch_ticks = ticks; }

uint64_t wasmplug_engine_increment_epoch(wasmplug_engine_t *e) {
  return __atomic_add_fetch(&e->epoch, 1, __ATOMIC_RELAXED);
}

void wasmplug_config_tier_up_set(wasmplug_config_t *c, bool yes) { c->tier_up = yes; }

void wasmplug_config_allow_precompiled_set(wasmplug_config_t *c, bool yes) { c->allow_precompiled = yes; }

void wasmplug_config_progress_set(wasmplug_config_t *c, wasmplug_progress_t cb, void *data) {
  c->progress = cb;
  c->progress_data = data;
}

/* Whether the $PATH entry at dir (n bytes) appeared earlier in path:
** looking there again finds what the first look found (nothing), so it
** costs a stat but cannot change the answer (a $PATH built up by shell
** profiles often names a directory twice; the bench machine's does). */
static bool seen_before(const char *path, const char *dir, size_t n) {
  while (path < dir) {
    size_t k = strcspn(path, ":");
    if (k == n && !memcmp(path, dir, n)) return true;
    path += k;
    if (*path == ':') path++;
  }
  return false;
}

/* Finds `prog` on $PATH and describes it by path and the identity of the
** file it resolves to (device, inode, size, mtime; stat follows symlinks,
** so /usr/bin/cc switched to another compiler reads differently): enough
** to notice an upgraded compiler without running it (running it would
** cost milliseconds on every start), and without realpath's readlink of
** every component. */
static char *file_stamp(const char *file, const struct stat *st) {
  return wp_format("%s:%llu:%llu:%lld:%lld.%09ld", file, (unsigned long long)st->st_dev,
                   (unsigned long long)st->st_ino, (long long)st->st_size, (long long)st->st_mtim.tv_sec,
                   st->st_mtim.tv_nsec);
}

static char *tool_stamp(const char *prog) {
  struct stat st;
  /* a name with a slash is run as it is, no $PATH search (as execvp): its
  ** own file is the one to describe ($WASMPLUG_CC=/opt/x/cc; described as
  ** "PATH-entry/opt/x/cc", missing, two compilers at one path shared code) */
  if (strchr(prog, '/'))
    return stat(prog, &st) == 0 && S_ISREG(st.st_mode) ? file_stamp(prog, &st) : wp_format("%s:missing", prog);
  const char *path = getenv("PATH");
  if (!path || !*path) path = "/usr/bin:/bin";
  const char *start = path;
  while (*path) {
    size_t n = strcspn(path, ":");
    char *cand = seen_before(start, path, n) ? NULL : wp_format("%.*s/%s", (int)n, path, prog);
    if (cand && stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
      char *r = file_stamp(cand, &st);
      free(cand);
      return r;
    }
    free(cand);
    path += n;
    if (*path == ':') path++;
  }
  return wp_format("%s:missing", prog);
}

const char *wp_engine_tcc_id(wasmplug_engine_t *e) {
  pthread_mutex_lock(&e->trust.lock);
  if (!e->tcc_id) e->tcc_id = tool_stamp("tcc");
  const char *id = e->tcc_id;
  pthread_mutex_unlock(&e->trust.lock);
  return id;
}

const char *wp_cc_command(void) {
  const char *cc = getenv("WASMPLUG_CC");
  return cc && *cc ? cc : "cc";
}

const char *wasmplug_version(void) { return WASMPLUG_VERSION; }

wasmplug_error_t *wasmplug_engine_new_checked(const wasmplug_config_t *config, wasmplug_engine_t **out,
                                              uint32_t header_version, uint64_t header_sizes) {
  *out = NULL;
  unsigned hmaj = header_version / 10000, hmin = header_version / 100 % 100, hpat = header_version % 100;
  if (hmaj != WASMPLUG_VERSION_MAJOR || (hmaj == 0 && hmin != WASMPLUG_VERSION_MINOR))
    return wasmplug_error_new_kind(WASMPLUG_ERROR_VERSION,
                                   "this program was compiled against wasmplug.h %u.%u.%u; the library is %s "
                                   "(rebuild the program against this wasmplug)",
                                   hmaj, hmin, hpat, WASMPLUG_VERSION);
  if (header_sizes != WASMPLUG_HEADER_SIZES)
    return wasmplug_error_new_kind(WASMPLUG_ERROR_VERSION,
                                   "this program's wasmplug.h %u.%u.%u lays out the API's structs differently from "
                                   "the library's (%s): sizes 0x%llx, library 0x%llx; rebuild it",
                                   hmaj, hmin, hpat, WASMPLUG_VERSION, (unsigned long long)header_sizes,
                                   (unsigned long long)WASMPLUG_HEADER_SIZES);
  wasmplug_engine_t *e = calloc(1, sizeof *e);
  if (!e) return wasmplug_error_new("out of memory");
  pthread_mutex_init(&e->trust.lock, NULL);
  if (config) {
    e->config = *config;
    e->config.cache_dir = NULL;
  } else {
    wasmplug_store_limits_default(&e->config.limits);
  }
  const char *dir = config && config->cache_dir ? config->cache_dir : getenv("WASMPLUG_CACHE_DIR");
  if (dir && *dir) e->cache_dir = wp_strdup(dir);
  else if (getenv("XDG_CACHE_HOME") && *getenv("XDG_CACHE_HOME"))
    e->cache_dir = wp_format("%s/wasmplug", getenv("XDG_CACHE_HOME"));
  else if (getenv("HOME") && *getenv("HOME"))
    e->cache_dir = wp_format("%s/.cache/wasmplug", getenv("HOME"));
  else
    e->cache_dir = wp_strdup("/tmp/wasmplug-cache");
  /* $WASMPLUG_TIER picks the tier where the embedder left it to the
  ** engine (auto): a way to run any program, or the whole test suite, on
  ** one tier. */
  const char *tier = getenv("WASMPLUG_TIER");
  if (tier && *tier && e->config.tier == WASMPLUG_TIER_AUTO) {
    if (!strcmp(tier, "baseline")) e->config.tier = WASMPLUG_TIER_BASELINE;
    else if (!strcmp(tier, "optimized")) e->config.tier = WASMPLUG_TIER_OPTIMIZED;
    else if (strcmp(tier, "auto")) {
      wasmplug_engine_delete(e);
      return wasmplug_error_new("WASMPLUG_TIER=%s: unknown tier (expected baseline, optimized or "
                                "auto)", tier);
    }
  }
  /* $WASMPLUG_NO_PIDFD=1: compiles wait for their jobs without pidfds
  ** (build.c's fallback, made testable on kernels that have them). */
  const char *np = getenv("WASMPLUG_NO_PIDFD");
  e->config.no_pidfd = false;
  if (np && *np) {
    if (strcmp(np, "0") && strcmp(np, "1")) {
      wasmplug_engine_delete(e);
      return wasmplug_error_new("WASMPLUG_NO_PIDFD=%s: expected 0 or 1", np);
    }
    e->config.no_pidfd = !strcmp(np, "1");
  }
  /* $WASMPLUG_TIER_UP=1|0 turns background tier-up on or off for any
  ** program (a user's override of the embedder's choice). */
  const char *tu = getenv("WASMPLUG_TIER_UP");
  if (tu && *tu) e->config.tier_up = strcmp(tu, "0") != 0;
  /* The translator: wasmplug's own unless WASMPLUG_TRANSLATOR=wasm2c
  ** asks for wabt's (kept for comparison while it is built in). */
  const char *tr = getenv("WASMPLUG_TRANSLATOR");
  e->translator = WP_TRANSLATOR_OWN;
  if (tr && *tr) {
    if (!strcmp(tr, "own")) {
      e->translator = WP_TRANSLATOR_OWN;
    } else if (!strcmp(tr, "wasm2c")) {
#ifdef WASMPLUG_HAVE_WASM2C
      e->translator = WP_TRANSLATOR_WASM2C;
#else
      wasmplug_engine_delete(e);
      return wasmplug_error_new("WASMPLUG_TRANSLATOR=wasm2c: this build has no wasm2c translator "
                                "(configured with -DWASMPLUG_WASM2C=OFF)");
#endif
    } else {
      wasmplug_engine_delete(e);
      return wasmplug_error_new("WASMPLUG_TRANSLATOR=%s: unknown translator (expected 'own' or "
                                "'wasm2c')", tr);
    }
  }
  if ((e->config.fuel || e->config.epoch_ticks) && e->translator != WP_TRANSLATOR_OWN) {
    const char *what = e->config.fuel ? "fuel metering" : "epoch interruption";
    wasmplug_engine_delete(e);
    return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID,
                                   "%s needs wasmplug's own translator, not WASMPLUG_TRANSLATOR=wasm2c (its "
                                   "code has no such checks)", what);
  }
  char *w = e->translator == WP_TRANSLATOR_WASM2C ? tool_stamp("wasm2c")
                                                   : wp_strdup("own " WP_TRANSLATOR_ID);
  char *c = tool_stamp(wp_cc_command());
  const char *isa = e->translator == WP_TRANSLATOR_OWN ? wp_cc_isa_flag() : NULL;
  /* every flag the C is compiled with: a changed flag never reuses code */
  char *flags = wp_cc_flags_text(e->translator == WP_TRANSLATOR_OWN);
  e->tool_id = wp_format("wasmplug " WASMPLUG_VERSION "; glue %d; %s; %s; "
                         "%s%s%s%s%s", WP_GLUE_ABI, w ? w : "?", c ? c : "?", flags ? flags : "?",
                         isa ? " " : "", isa ? isa : "", e->config.fuel ? "; fuel" : "",
                         e->config.epoch_ticks ? "; epoch" : "");
  free(flags);
  free(w);
  free(c);
  if (!e->cache_dir || !e->tool_id) {
    wasmplug_engine_delete(e);
    return wasmplug_error_new("out of memory");
  }
  wp_rt_global_init();
  *out = e;
  return NULL;
}

void wasmplug_engine_delete(wasmplug_engine_t *e) {
  if (!e) return;
  memset(e->trust.key, 0, sizeof e->trust.key);
  pthread_mutex_destroy(&e->trust.lock);
  free(e->cache_dir);
  free(e->tool_id);
  free(e->tcc_id);
  free(e);
}
