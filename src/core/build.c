/*
** build.c — C to native code for the optimized tier (and the baseline's
** large modules): the translator's units are compiled in parallel, one
** compiler process per unit and at most one per core at a time, each
** started as soon as the translator has made its unit, and each
** unit's object is cached on its own under a key that hashes its C (the
** shared header included), the compiler's identity and the flags.  So a
** large module keeps every core busy with a bounded amount of C each (the
** memory a compile needs is bounded too), and a module that changed in a
** few functions recompiles only the units those are in.
**
** Unit objects are cache entries like whole modules (compile.c): a .o
** beside a .meta whose MAC vouches for it (trust.c), verified before the
** bytes are used; what is linked is the verified copy.
**
** wasm2c's single file goes through the same job runner, as one job.
*/
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "load.h"
#include "cpu.h"
#include "translate.h"
#include "wasmplug/clock.h"

/* ------------------------------------------------------------- the jobs */

typedef struct job {
  char **argv;   /* NULL-terminated, owned */
  char *errfile; /* the job's stderr and stdout */
  pid_t pid;
  int pidfd; /* readable once the job has exited; -1: none (poll by time) */
  bool running, done;
  size_t unit, len; /* build_units: the unit it compiles, the size of its C */
} job_t;

/* A job not started: no pidfd is -1 everywhere (fd 0 is a real one). */
static void job_init(job_t *j) {
  memset(j, 0, sizeof *j);
  j->pidfd = -1;
}

static void job_free(job_t *j) {
  if (j->pidfd >= 0) close(j->pidfd);
  if (j->argv)
    for (char **a = j->argv; *a; a++) free(*a);
  free(j->argv);
  free(j->errfile);
}

/* The first line of a job's output that says "error" (or the first). */
static char *job_error(const job_t *j) {
  FILE *f = fopen(j->errfile, "r");
  char line[400] = "", first[400] = "";
  if (f) {
    while (fgets(line, sizeof line, f)) {
      if (!first[0]) memcpy(first, line, sizeof line);
      if (strstr(line, "error")) break;
      line[0] = 0;
    }
    fclose(f);
  }
  const char *l = line[0] ? line : first;
  size_t n = strcspn(l, "\n");
  return wp_format("%.*s", (int)n, n ? l : "the compiler failed");
}

/* posix_spawn, not fork: glibc starts the child in the parent's memory
** (CLONE_VM | CLONE_VFORK), so no page table is copied and the parent,
** which goes on translating while the first units compile (build_units),
** takes no copy-on-write faults until the child has exec'd. */
static bool job_start(job_t *j, bool no_pidfd) {
  posix_spawn_file_actions_t fa;
  if (posix_spawn_file_actions_init(&fa) != 0) return false;
  int rc = posix_spawn_file_actions_addopen(&fa, 2, j->errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&fa, 2, 1);
  pid_t pid = -1;
  if (rc == 0) rc = posix_spawnp(&pid, j->argv[0], &fa, NULL, j->argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    errno = rc;
    return false;
  }
  j->pid = pid;
  j->running = true;
  /* A pidfd of our own child, taken before it is reaped: no other
  ** process's exit can wake us, and waitpid(-1) (which would reap an
  ** embedder's children) is never needed.  Without one (a kernel before
  ** 5.3, a seccomp filter; or $WASMPLUG_NO_PIDFD=1, for tests of this
  ** path) the runner checks every 20 ms instead. */
  j->pidfd = -1;
#ifdef SYS_pidfd_open
  if (!no_pidfd) j->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
#else
  (void)no_pidfd;
#endif
  return true;
}

/* Waits until one of the running jobs may have exited: on their pidfds
** when all have one, so the next job starts the moment a core frees
** (bench/README.md, "Optimized compile of SQLite, seventh pass": the
** 20 ms naps left a core idle 10 ms on average after each of SQLite's 17
** jobs); else 20 ms.  At most 1 s either way (the progress tick). */
static void jobs_wait(const job_t *jobs, size_t n) {
  struct pollfd fds[64];
  nfds_t k = 0;
  bool all = true;
  for (size_t i = 0; i < n && all; i++) {
    if (!jobs[i].running) continue;
    if (jobs[i].pidfd < 0 || k == sizeof fds / sizeof fds[0]) all = false;
    else fds[k++] = (struct pollfd){.fd = jobs[i].pidfd, .events = POLLIN};
  }
  if (all && k > 0 && poll(fds, k, 1000) >= 0) return;
  struct timespec ts = {0, 20 * 1000 * 1000};
  nanosleep(&ts, NULL);
}

unsigned wp_build_jobs(void) {
  const char *e = getenv("WASMPLUG_JOBS");
  long n = e && *e ? strtol(e, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

/* A compile's progress for the embedder's callback: `what` names the
** module and the tier it is compiled for ("NAME (baseline tier)"), and,
** for a build in units, how many there are. */
typedef struct progress {
  wasmplug_module_t *m;
  const char *tier; /* "baseline" or "optimized" */
  char *what;       /* NULL: "NAME (TIER tier)" is made at the first tick */
  bool shown;
  uint64_t last_ns; /* the last tick shown (wasmplug_monotonic_ns) */
} progress_t;

static void tick(progress_t *p, bool force) {
  wasmplug_config_t *cfg = &p->m->engine->config;
  if (!cfg->progress) return;
  uint64_t now = wasmplug_monotonic_ns();
  if (!force && now - p->last_ns < 1000000000u) return;
  p->last_ns = now;
  if (!p->what) p->what = wp_format("%s (%s tier)", p->m->name, p->tier);
  cfg->progress(cfg->progress_data, p->what ? p->what : p->m->name, 0);
  p->shown = true;
}

/* Jobs run `par` at a time in their order; more can be queued while some
** run (build_units: each unit as soon as the translator has made it). */
typedef struct runner {
  job_t *jobs;
  size_t n, cap;  /* jobs queued, room */
  size_t next;    /* the first not started */
  size_t running;
  unsigned par;
  progress_t *pg;
  char *(*on_done)(void *, size_t); /* after job i succeeded: (arg, i) */
  void *arg;
  char *err; /* the first failure: nothing more starts */
} runner_t;

/* A new, empty job at the end of the queue; NULL when out of memory. */
static job_t *runner_add(runner_t *r) {
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 16;
    job_t *j = realloc(r->jobs, cap * sizeof *j);
    if (!j) return NULL;
    for (size_t k = r->cap; k < cap; k++) job_init(&j[k]);
    r->jobs = j;
    r->cap = cap;
  }
  return &r->jobs[r->n++];
}

/* The first failure: kept, and the running jobs killed (they are ours). */
static void runner_fail(runner_t *r, char *err) {
  if (r->err) {
    free(err);
    return;
  }
  r->err = err ? err : wp_strdup("out of memory");
  for (size_t k = 0; k < r->next; k++)
    if (r->jobs[k].running) kill(r->jobs[k].pid, SIGTERM);
}

/* Starts queued jobs while fewer than `par` run, and reaps those that
** ended.  With `all`, returns once every queued job has ended (after a
** failure: once none runs); without, as soon as nothing ended. */
static void runner_pump(runner_t *r, bool all) {
  for (;;) {
    while (!r->err && r->running < r->par && r->next < r->n) {
      job_t *j = &r->jobs[r->next];
      if (!job_start(j, r->pg->m->engine->config.no_pidfd)) {
        runner_fail(r, wp_format("cannot start %s: %s", j->argv[0], strerror(errno)));
        break;
      }
      r->next++;
      r->running++;
    }
    if (r->running == 0) return;
    bool any = false;
    for (size_t i = 0; i < r->next; i++) {
      job_t *j = &r->jobs[i];
      if (!j->running) continue;
      int status;
      pid_t w = waitpid(j->pid, &status, WNOHANG);
      if (w == 0) continue;
      if (w < 0 && errno == EINTR) continue;
      j->running = false;
      j->done = true;
      if (j->pidfd >= 0) close(j->pidfd);
      j->pidfd = -1;
      r->running--;
      any = true;
      if (r->err) continue; /* draining after a failure */
      char *err = NULL;
      if (w < 0) {
        err = wp_format("cannot wait for %s: %s", j->argv[0], strerror(errno));
      } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char *line = WIFEXITED(status) && WEXITSTATUS(status) == 127 ? wp_format("cannot run %s", j->argv[0])
                                                                      : job_error(j);
        err = wp_format("%s", line ? line : "out of memory");
        free(line);
      } else if (r->on_done) {
        err = r->on_done(r->arg, i);
      }
      if (err) runner_fail(r, err);
      else tick(r->pg, true);
    }
    if (!any) {
      if (!all) return;
      jobs_wait(r->jobs, r->next);
      tick(r->pg, false);
    }
  }
}

/* Runs the jobs, `par` at a time; on_done(arg, i) after each success.
** Stops at the first failure (the others are killed: they are ours). */
static char *run_jobs(job_t *jobs, size_t n, unsigned par, progress_t *pg,
                      char *(*on_done)(void *, size_t), void *arg) {
  runner_t r = {jobs, n, n, 0, 0, par, pg, on_done, arg, NULL};
  runner_pump(&r, true);
  return r.err;
}

/* -------------------------------------------------------- the commands */

/* argv builder */
typedef struct args {
  char **v;
  size_t n, cap;
  bool oom;
} args_t;

static void arg(args_t *a, const char *s) {
  if (a->oom) return;
  if (a->n + 2 > a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 32;
    char **n = realloc(a->v, cap * sizeof *n);
    if (!n) {
      a->oom = true;
      return;
    }
    a->v = n;
    a->cap = cap;
  }
  a->v[a->n] = wp_strdup(s);
  if (!a->v[a->n]) a->oom = true;
  else a->v[++a->n] = NULL;
}

/* The optimized tier's optimization level: -O1, which compiles the SQLite
** module's C in 0.58x the CPU time of -O2 for a workload within a few
** per cent (the C is a wasm module's code, optimized once already;
** bench/README.md, "Compile speed"), except for modules using SIMD, whose
** lane loops (translate_simd.c) need -O2's vectorizer. */
static const char *cc_level(const wasmplug_module_t *m, bool cold) {
  if (m->info.features & WP_FEAT_SIMD) return "-O2";
  return cold ? "-Og" : "-O1";
}
/* -Og for a unit of cold functions (translate.h: WP_OPT_HUGE_BYTES): 25 %
** less compile time than -O1 on them, for functions whose code runs at
** most once a call (bench/README.md, "Huge straight functions at -Og"). */
#define CC_LEVELS "-O1 (no SIMD; -Og for cold functions) / -O2 (SIMD)"

/* -O1's passes that cost compile time and gain nothing on C translated
** from wasm that LLVM (or another wasm producer) optimized already: every
** memory access goes through linear memory's base with a may_alias type,
** so points-to analysis and the IPA summaries of what a function reads or
** writes find next to nothing that the producer left; there are few
** aggregates to scalarize and no
** count registers on x86.  Measured on the SQLite module (bench/README.md,
** "Compile speed": cc1's instructions per unit, and the workload's
** instructions under callgrind).  The dominator pass (redundancies along
** dominating paths, jump threading) is the costliest -O1 pass left on this
** C (8.5 % of cc1's instructions) and finds little that value numbering
** (FRE) and the RTL passes do not (bench/README.md, "Optimized compile of
** SQLite, fifth pass").  With -O1 and -Og only: a SIMD module's -O2 keeps
** them all. */
static const char *const o1_trims[] = {
    "-fno-tree-pta", "-fno-tree-sra", "-fno-ipa-modref",
    "-fno-ipa-pure-const", "-fno-ipa-reference", "-fno-ipa-profile", "-fno-tree-bit-ccp",
    "-fno-branch-count-reg", "-fno-tree-dominator-opts", NULL};
/* With -Og only (cold functions: translate.c, find_cold): one register
** allocation region for the whole function instead of one per loop.  The
** regional allocator places spills outside loops, which pays where loops
** run often; a cold function's code runs at most once a call, and this
** is the costliest pass left at -Og on SQLite's cold units (cc1 4 % fewer
** instructions; bench/README.md, "Optimized compile of SQLite, sixth
** pass").  Not at -O1: there it cost the workload 0.67 % (w25-sqlc).
** And no static branch probabilities, no RTL forward propagation, no
** block reordering: they lay out and tune code for the paths taken often,
** which a cold function's code is not; cc1 9.7 % fewer instructions on a
** cold unit (bench/README.md, "Optimized compile of SQLite, seventh and
** tenth passes"). */
static const char *const og_trims[] = {"-fira-region=one", "-fno-guess-branch-probability",
                                       "-fno-forward-propagate", "-fno-reorder-blocks", NULL};
/* With -O1 in a unit without a huge function nearly all in loops
** (translate.h: wp_unit_t's flat): one allocation region there too.  The
** loop regions pay where a large loop holds more live values than
** registers: SQLite's workload ran 0.67 % more instructions with one
** region everywhere (w25-sqlc), 0.29 % more with it everywhere but its
** interpreter loop's unit, 0.02 % more with it in the flat units only,
** where cc1 runs about 2 % fewer instructions (bench/README.md, "Optimized
** compile of SQLite, tenth pass").  The huge loops go into units of their
** own (translate.c), so every other -O1 unit is flat: 0.26 % more for the
** workload than the tenth pass's four flat units, cc1 2.35 % fewer on a
** unit that became flat (bench/README.md, "eleventh pass"). */
#define FLAT_REGION "-fira-region=one"
/* -O2's passes that -O1 and -Og lack and that pay on wasm-derived C.
** -free (redundant extension elimination): every wasm address is a u32
** widened to 64 bits (`M0 + (u64)l5`), and a loaded u32, u16 or u8 is
** used through WP_LD's asm, which keeps gcc's combiner from merging the
** load with the widening that follows; x86's 32-bit loads zero-extend
** already, so without it each such use costs a `mov %eax,%eax` or a second
** `movzbl` (5 347 in SQLite's module).  -free deletes them: the SQLite
** workload runs 4.9 % fewer instructions (bench/README.md, w27-sqlrun)
** for no measurable compile time.  It only rewrites register
** extensions: no load or store moves, widens or goes. */
static const char *const o1_adds[] = {"-free", NULL};

/* The optimized tier's other compiler flags.  All of them and the levels
** are part of the cache keys: the engine's tool_id lists them
** (wp_cc_flags_text), whole-module and unit keys hash it. */
static const char *const cc_flags[] = {
    /* No sibling-call optimisation: it turns unbounded wasm recursion into
    ** a loop, and call-stack exhaustion must trap, not hang. */
    "-fno-optimize-sibling-calls",
    /* frames larger than a stack's guard are probed page by page */
    "-fstack-clash-protection",
    /* Frame pointers: a trap's backtrace walks them (rt.c, backtrace.c). */
    "-fno-omit-frame-pointer",
    /* Stores stay where and as wide as the wasm put them, at every level
    ** (SIMD's -O2 too): a store to linear memory may trap, and what the
    ** stores before it wrote stays written, nothing after it (the memory
    ** is the embedder's to read after a trap).  Dead-store elimination
    ** drops a trapping store that a later one overwrites, so a store in
    ** between lands before the trap; store merging makes one wide store of
    ** a written byte and a trapping one, so neither lands; store motion
    ** sinks a loop's store past an access that traps in the loop (ctest
    ** core.trap_stores). */
    "-fno-tree-dse", "-fno-dse", "-fno-store-merging", "-fno-move-loop-stores",
    "-fPIC", "-fvisibility=hidden", "-DNDEBUG", "-w", "-fno-strict-aliasing",
    /* No unwind tables: nothing unwinds through this code (a trap leaves
    ** it by siglongjmp from a signal handler, a backtrace walks the frame
    ** pointers), and .eh_frame was 8 % of a small module's object, which
    ** every warm start copies, hashes and maps page by page (bench/README
    ** "Start time, ninth pass"). */
    "-fno-asynchronous-unwind-tables", "-fno-unwind-tables",
    /* A signalling NaN operand must come out of arithmetic quieted (an
    ** arithmetic NaN).  Without this gcc folds x * 1.0, x / 1.0, x - 0.0
    ** and x + -0.0 into x, handing the signalling NaN back unchanged
    ** (the spec suite's float_exprs.wast; tests/core/diff/cases/
    ** float_fold_snan.wast).  The baseline tier (tcc) folds none of it. */
    "-fsignaling-nans",
    NULL};
/* The link's flags (whole modules, hot objects).  Relative relocations
** packed (DT_RELR, which image.c applies): a small module's RELA table of
** 24 bytes per pointer was most of its first page. */
static const char *const link_flags[] = {"-Wl,-z,pack-relative-relocs", NULL};

/* Appends the link's flags to a compiler command line. */
static void link_args(args_t *a) {
  for (const char *const *f = link_flags; *f; f++) arg(a, *f);
}
/* Wasm float semantics for the own translator's C: no contraction into
** fused multiply-adds, no errno (so sqrt is one instruction). */
static const char *const own_flags[] = {"-ffp-contract=off", "-fno-math-errno", NULL};

char *wp_cc_flags_text(bool own) {
  wp_buf_t t = {0};
  wp_buf_puts(&t, CC_LEVELS);
  wp_buf_puts(&t, "; with -O1 and -Og:");
  for (const char *const *f = o1_trims; *f; f++) wp_buf_printf(&t, " %s", *f);
  for (const char *const *f = o1_adds; *f; f++) wp_buf_printf(&t, " %s", *f);
  wp_buf_puts(&t, "; with -Og:");
  for (const char *const *f = og_trims; *f; f++) wp_buf_printf(&t, " %s", *f);
  wp_buf_puts(&t, "; with -O1 in units without a huge loop: " FLAT_REGION);
  wp_buf_puts(&t, ";");
  for (const char *const *f = cc_flags; *f; f++) wp_buf_printf(&t, " %s", *f);
  for (const char *const *f = own_flags; own && *f; f++) wp_buf_printf(&t, " %s", *f);
  wp_buf_puts(&t, "; link:");
  for (const char *const *f = link_flags; *f; f++) wp_buf_printf(&t, " %s", *f);
  if (t.oom || !t.s) {
    wp_buf_free(&t);
    return NULL;
  }
  return t.s;
}

const char *wp_cc_isa_flag(void) {
#if defined(__x86_64__) && defined(__GNUC__)
  return wp_cpu_has_sse41() ? "-msse4.1" : NULL; /* not __builtin_cpu_supports: see cpu.h */
#else
  return NULL;
#endif
}

/* A unit's flags: `cold` its level (cc_level), `flat` no huge loop in it
** (FLAT_REGION with -O1). */
static void cc_args(args_t *a, const wasmplug_module_t *m, const char *dir, bool cold, bool flat) {
  arg(a, wp_cc_command());
  const char *level = cc_level(m, cold);
  arg(a, level);
  for (const char *const *f = o1_trims; strcmp(level, "-O2") && *f; f++) arg(a, *f);
  for (const char *const *f = o1_adds; strcmp(level, "-O2") && *f; f++) arg(a, *f);
  for (const char *const *f = og_trims; !strcmp(level, "-Og") && *f; f++) arg(a, *f);
  if (flat && !strcmp(level, "-O1")) arg(a, FLAT_REGION);
  for (const char *const *f = cc_flags; *f; f++) arg(a, *f);
  if (m->engine->translator == WP_TRANSLATOR_OWN) {
    for (const char *const *f = own_flags; *f; f++) arg(a, *f);
    if (wp_cc_isa_flag()) arg(a, wp_cc_isa_flag());
  }
  char *inc = wp_format("-I%s", dir);
  arg(a, inc ? inc : "-I.");
  free(inc);
}

/* tcc for the baseline tier's units */
static void tcc_args(args_t *a, const char *dir) {
  arg(a, "tcc");
  arg(a, "-DNDEBUG");
  arg(a, "-w");
  char *inc = wp_format("-I%s", dir);
  arg(a, inc ? inc : "-I.");
  free(inc);
}

/* ------------------------------------------------------ the unit cache */

typedef struct unit_build {
  wasmplug_module_t *m;
  const char *dir;
  bool baseline;
  char *units_dir;  /* cache/units, or NULL when not caching */
  char (*keys)[65]; /* per unit; the last is the glue's */
  size_t nunits;    /* units + 1 (the glue); 0 while the units are made */
  /* build_units: */
  size_t nkeys;  /* room in keys */
  bool begun;    /* wp.h written, units_dir set */
  runner_t run;  /* the compiles */
} unit_build_t;

/* The key of a unit's object: its C (with the shared header), the
** translator, the compiler and its flags. */
static void unit_key(const unit_build_t *b, const wp_buf_t *header, const wp_buf_t *unit, bool cold,
                     bool flat, char hex[65]) {
  static const char tag[] = "wasmplug unit 2\n";
  const wasmplug_engine_t *e = b->m->engine;
  wp_sha256_t s;
  uint8_t d[32];
  wp_sha256_init(&s);
  wp_sha256_update(&s, tag, sizeof tag - 1);
  wp_sha256_update(&s, e->tool_id, strlen(e->tool_id));
  if (b->baseline) {
    const char *tcc = wp_engine_tcc_id(b->m->engine);
    wp_sha256_update(&s, "tcc", 4);
    if (tcc) wp_sha256_update(&s, tcc, strlen(tcc) + 1);
  } else {
    for (const char *const *f = own_flags; *f; f++) wp_sha256_update(&s, *f, strlen(*f) + 1);
    const char *level = cc_level(b->m, cold); /* the unit's own level */
    wp_sha256_update(&s, level, strlen(level) + 1);
    if (flat && !strcmp(level, "-O1")) wp_sha256_update(&s, FLAT_REGION, sizeof FLAT_REGION);
  }
  wp_sha256_update(&s, header->s, header->len);
  wp_sha256_update(&s, "", 1);
  wp_sha256_update(&s, unit->s, unit->len);
  wp_sha256_final(&s, d);
  wp_sha256_hex(d, hex);
}

static char *unit_meta_sum(wasmplug_engine_t *e, const char *key, const char sum[65]) {
  char mac[65];
  if (!wp_trust_mac(e, key, sum, mac)) return NULL;
  return wp_format("wasmplug-unit 1\nkey %s\nsha256 %s\nmac %s\n", key, sum, mac);
}

static char *unit_meta(wasmplug_engine_t *e, const char *key, const uint8_t *o, size_t len) {
  char sum[65];
  wp_sha256_hex_of(o, len, sum);
  return unit_meta_sum(e, key, sum);
}

/* A verified cached object for `key` as a sealed memfd (wp_sealed_copy:
** verified on the copy tcc then reads), or -1 on a miss. */
static int unit_cached_fd(const unit_build_t *b, const char *key) {
  char *op = wp_format("%s/%s.o", b->units_dir, key), *mp = wp_format("%s/%s.meta", b->units_dir, key);
  uint8_t *meta = NULL;
  size_t mlen, olen;
  char sum[65];
  int fd = -1;
  if (op && mp && wp_read_all(mp, &meta, &mlen) && (fd = wp_sealed_copy(op, sum, NULL, &olen)) >= 0) {
    char *want = unit_meta_sum(b->m->engine, key, sum);
    char *got = wp_strndup((const char *)meta, mlen);
    bool ok = want && got && strlen(got) == mlen && wp_trust_mac_equal(want, got);
    free(got);
    free(want);
    if (!ok) {
      close(fd);
      fd = -1;
    }
  }
  free(meta);
  free(op);
  free(mp);
  return fd;
}

/* A verified cached object for `key`, written to `dst`; false on a miss. */
static bool unit_cached(const unit_build_t *b, const char *key, const char *dst) {
  if (!b->units_dir) return false;
  char *op = wp_format("%s/%s.o", b->units_dir, key), *mp = wp_format("%s/%s.meta", b->units_dir, key);
  uint8_t *o = NULL, *meta = NULL;
  size_t olen, mlen;
  bool ok = op && mp && wp_read_all(mp, &meta, &mlen) && wp_read_all(op, &o, &olen);
  if (ok) {
    char *want = unit_meta(b->m->engine, key, o, olen);
    char *got = wp_strndup((const char *)meta, mlen);
    ok = want && got && strlen(got) == mlen && wp_trust_mac_equal(want, got);
    free(got);
    free(want);
  }
  if (ok) {
    char *err = wp_write_atomic(dst, o, olen);
    ok = !err;
    free(err);
  }
  free(o);
  free(meta);
  free(op);
  free(mp);
  return ok;
}

static char *obj_name(const unit_build_t *b, size_t u) {
  return u + 1 == b->nunits ? wp_format("%s/glue.o", b->dir) : wp_format("%s/u%zu.o", b->dir, u);
}

/* After a unit compiled: store its object (best effort: a cache that
** cannot be written is only slower). */
static char *unit_done(void *arg, size_t job) {
  unit_build_t *b = arg;
  size_t u = b->run.jobs[job].unit;
  if (!b->units_dir) return NULL;
  char *obj = obj_name(b, u);
  uint8_t *o = NULL;
  size_t len;
  if (obj && wp_read_all(obj, &o, &len)) {
    char *meta = unit_meta(b->m->engine, b->keys[u], o, len);
    char *op = wp_format("%s/%s.o", b->units_dir, b->keys[u]);
    char *mp = wp_format("%s/%s.meta", b->units_dir, b->keys[u]);
    if (meta && op && mp) {
      char *err = wp_write_atomic(op, o, len);
      if (!err) err = wp_write_atomic(mp, (const uint8_t *)meta, strlen(meta));
      free(err);
    }
    free(meta);
    free(op);
    free(mp);
  }
  free(o);
  free(obj);
  return NULL;
}

static char *write_text(const char *dir, const char *name, const wp_buf_t *b) {
  char *path = wp_format("%s/%s", dir, name);
  if (!path) return wp_strdup("out of memory");
  char *err = wp_write_atomic(path, (const uint8_t *)(b->s ? b->s : ""), b->len);
  free(path);
  return err;
}

static void done_progress(progress_t *pg) {
  if (pg->shown && pg->m->engine->config.progress)
    pg->m->engine->config.progress(pg->m->engine->config.progress_data, pg->m->name, 1);
}

/* Before the first unit: wp.h written, the unit cache found. */
static char *units_begin(unit_build_t *b, const wp_xlate_t *x) {
  if (b->begun) return NULL;
  b->begun = true;
  char *err = write_text(b->dir, "wp.h", &x->header);
  if (err) return err;
  b->units_dir = wp_format("%s/units", b->m->engine->cache_dir);
  if (b->units_dir) {
    char *e2 = wp_mkdir_p(b->units_dir);
    if (e2) {
      free(e2);
      free(b->units_dir);
      b->units_dir = NULL;
    }
  }
  return NULL;
}

/* Unit u (the glue when u + 1 == b->nunits) into b->dir/u<u>.o or
** glue.o: copied from the cache, or its compile queued, and started at
** once if a core is free.  Its C is released here. */
static char *unit_add(unit_build_t *b, const wp_buf_t *header, wp_buf_t *c, bool cold, bool flat, size_t u) {
  if (u >= b->nkeys) {
    size_t n = b->nkeys ? b->nkeys * 2 : 32;
    if (n <= u) n = u + 1;
    char(*k)[65] = realloc(b->keys, n * sizeof *k);
    if (!k) return wp_strdup("out of memory");
    b->keys = k;
    b->nkeys = n;
  }
  bool glue = u + 1 == b->nunits;
  char src[64];
  if (glue) snprintf(src, sizeof src, "glue.c");
  else snprintf(src, sizeof src, "u%zu.c", u);
  char *objp = obj_name(b, u), *srcp = wp_format("%s/%s", b->dir, src), *err = NULL;
  if (!objp || !srcp) err = wp_strdup("out of memory");
  if (!err) {
    unit_key(b, header, c, cold, flat, b->keys[u]);
    size_t len = c->len;
    bool hit = unit_cached(b, b->keys[u], objp);
    if (!hit) err = write_text(b->dir, src, c);
    wp_buf_free(c); /* the C is on disk (or not needed) now */
    job_t *j = !err && !hit ? runner_add(&b->run) : NULL;
    if (!err && !hit && !j) err = wp_strdup("out of memory");
    if (j) {
      args_t a = {0};
      if (b->baseline) tcc_args(&a, b->dir);
      else cc_args(&a, b->m, b->dir, cold, flat);
      arg(&a, "-c");
      arg(&a, "-o");
      arg(&a, objp);
      arg(&a, srcp);
      j->argv = a.v;
      j->errfile = wp_format("%s/%s.err", b->dir, src);
      j->unit = u;
      j->len = len;
      if (a.oom || !j->errfile) err = wp_strdup("out of memory");
    }
  }
  free(objp);
  free(srcp);
  if (!err && !glue) runner_pump(&b->run, false);
  if (!err && b->run.err) err = wp_strdup(b->run.err);
  return err;
}

/* The translator's on_unit: a unit's C is complete, the next is not made
** yet.  Starting its compile now overlaps the translation of the rest
** with the compiles (bench/README.md, "Optimized compile of SQLite,
** seventh pass"). */
static char *unit_ready(void *arg, wp_xlate_t *x, uint32_t u) {
  unit_build_t *b = arg;
  char *err = units_begin(b, x);
  if (!err) err = unit_add(b, &x->header, &x->units[u].c, x->units[u].cold, x->units[u].flat, u);
  return err;
}

/* Translates `m` with `o` and compiles every unit and its glue into
** objects in b->dir (u<K>.o, glue.o): cached ones copied from the cache,
** the rest compiled in parallel, each unit's compile started as soon as
** the translator has made it.  b->keys receives the keys. */
static char *build_units(unit_build_t *b, wp_xlate_opts_t *o, progress_t *pg) {
  wasmplug_module_t *m = b->m;
  b->nunits = 0;
  b->begun = false;
  runner_t run = {NULL, 0, 0, 0, 0, wp_build_jobs(), pg, unit_done, b, NULL};
  b->run = run;
  o->on_unit = unit_ready;
  o->on_unit_arg = b;
  wp_xlate_t x;
  char *err = wp_translate(m, o, &x);
  size_t nu = 0;
  if (!err) {
    nu = x.nunits;
    err = units_begin(b, &x); /* no unit at all: the header and the glue */
    b->nunits = nu + 1;
    if (!err) err = unit_add(b, &x.header, &x.glue, false, false, nu);
    wp_xlate_free(&x);
  }
  if (err) {
    if (b->run.err) free(err); /* the copy of a compile's error */
    else runner_fail(&b->run, err);
  } else {
    /* The units not started yet, largest first: the compile ends when its
    ** last job does, so the long ones start while the short ones can
    ** still fill the other cores (a module's units are of a size in wasm,
    ** not in C or in compile time: a function like SQLite's interpreter
    ** loop makes one unit twice the others).  Stable, so equal sizes keep
    ** the module's order. */
    job_t *jobs = b->run.jobs;
    for (size_t i = b->run.next + 1; i < b->run.n; i++)
      for (size_t k = i; k > b->run.next && jobs[k].len > jobs[k - 1].len; k--) {
        job_t t = jobs[k];
        jobs[k] = jobs[k - 1];
        jobs[k - 1] = t;
      }
    free(pg->what);
    pg->what = wp_format("%s (%s tier): %zu of %zu C units to compile, %u at a time", m->name, pg->tier, b->run.n,
                         nu + 1, b->run.par);
    if (b->run.n > 4) tick(pg, true); /* a large module: say so at once */
  }
  runner_pump(&b->run, true);
  err = b->run.err;
  for (size_t i = 0; i < b->run.n; i++) job_free(&b->run.jobs[i]);
  free(b->run.jobs);
  memset(&b->run, 0, sizeof b->run);
  return err;
}

static void unit_build_free(unit_build_t *b) {
  free(b->keys);
  free(b->units_dir);
}

/* ------------------------------------------------------------ the builds */

/* wasm2c: glue.c (which includes module.c) in one compiler run. */
static char *build_wasm2c(wasmplug_module_t *m, const char *dir, const char *so_out) {
  char *err = wp_codegen(m, dir);
  if (err) return err;
  job_t j;
  job_init(&j);
  args_t a = {0};
  cc_args(&a, m, dir, false, false);
  arg(&a, "-shared");
  arg(&a, "-nostartfiles");
  link_args(&a);
  arg(&a, "-o");
  arg(&a, so_out);
  char *glue = wp_format("%s/glue.c", dir);
  arg(&a, glue ? glue : "glue.c");
  free(glue);
  arg(&a, "-lm");
  j.argv = a.v;
  j.errfile = wp_format("%s/cc.err", dir);
  if (a.oom || !j.errfile) err = wp_strdup("out of memory");
  progress_t pg = {m, "optimized", NULL, false, 0};
  if (!err) err = run_jobs(&j, 1, 1, &pg, NULL, NULL);
  done_progress(&pg);
  free(pg.what);
  job_free(&j);
  return err;
}

char *wp_build_optimized(wasmplug_module_t *m, const char *dir, const char *so_out, const uint8_t *hot) {
  char *err = NULL;
  if (m->engine->translator == WP_TRANSLATOR_WASM2C) {
    if (hot) return wp_format("%s: hot code needs the own translator", m->name);
    err = build_wasm2c(m, dir, so_out);
  } else {
    wp_xlate_opts_t o = {false, WP_OPT_UNIT_BYTES, m->engine->config.fuel != 0,
                        m->engine->config.epoch_ticks != 0, hot, NULL, NULL};
    unit_build_t b = {m, dir, false, NULL, NULL, 0, 0, false, {0}};
    progress_t pg = {m, hot ? "hot optimized" : "optimized", NULL, false, 0};
    err = build_units(&b, &o, &pg);
    if (!err) { /* link */
      args_t link = {0};
      cc_args(&link, m, dir, false, false);
      arg(&link, "-shared");
      arg(&link, "-nostartfiles");
      link_args(&link);
      arg(&link, "-o");
      arg(&link, so_out);
      for (size_t u = 0; u < b.nunits; u++) {
        char *o = obj_name(&b, u);
        arg(&link, o ? o : "");
        free(o);
      }
      arg(&link, "-lm");
      job_t lj;
      job_init(&lj);
      lj.argv = link.v;
      lj.errfile = wp_format("%s/link.err", dir);
      if (link.oom || !lj.errfile) err = wp_strdup("out of memory");
      else err = run_jobs(&lj, 1, 1, &pg, NULL, NULL);
      job_free(&lj);
    }
    done_progress(&pg);
    free(pg.what);
    unit_build_free(&b);
  }
  if (err) {
    char *e = wp_format("%s: optimized compile failed (%s): %s", m->name, wp_cc_command(), err);
    free(err);
    err = e ? e : wp_strdup("out of memory");
  }
  return err;
}

/* ------------------------------------------------------ the baseline tier */

/* A large module's baseline: units compiled by tcc processes in parallel
** into objects libtcc links in memory.  The objects are cached like the
** optimized tier's, and a manifest (MAC'ed like every entry) lists a
** module's objects, so a later run links them without translating. */

static void manifest_key(const wasmplug_module_t *m, char hex[65]) {
  wp_sha256_t s;
  uint8_t d[32];
  wp_sha256_init(&s);
  wp_sha256_update(&s, "baseline 1\n", 11);
  wp_sha256_update(&s, m->hash, 32);
  wp_sha256_update(&s, m->engine->tool_id, strlen(m->engine->tool_id));
  const char *tcc = wp_engine_tcc_id(m->engine);
  if (tcc) wp_sha256_update(&s, tcc, strlen(tcc));
  wp_sha256_final(&s, d);
  wp_sha256_hex(d, hex);
}

/* The manifest's text: the object keys, one a line, glue last. */
static char *manifest_text(wasmplug_engine_t *e, const char *key, char (*keys)[65], size_t n) {
  wp_buf_t t = {0};
  for (size_t i = 0; i < n; i++) wp_buf_printf(&t, "%s\n", keys[i]);
  char sum[65], mac[65];
  wp_sha256_hex_of(t.s ? t.s : "", t.len, sum);
  char *r = NULL;
  if (!t.oom && wp_trust_mac(e, key, sum, mac))
    r = wp_format("wasmplug-baseline 1\nkey %s\nobjects %zu\n%smac %s\n", key, n, t.s ? t.s : "", mac);
  wp_buf_free(&t);
  return r;
}

/* The objects a verified manifest lists, copied into dir, or (fds) into
** sealed memfds, fds[i] for object i; false on a miss. */
static bool manifest_load(unit_build_t *b, const char *path, const char *key, int **fds) {
  uint8_t *text = NULL;
  size_t len;
  if (!b->units_dir || !wp_read_all(path, &text, &len)) return false;
  bool ok = false;
  char *t = wp_strndup((const char *)text, len);
  free(text);
  size_t n;
  if (!t || sscanf(t, "wasmplug-baseline 1\nkey %*64s\nobjects %zu\n", &n) != 1 || n < 1 ||
      n > 1000000)
    goto out;
  b->nunits = n;
  b->keys = calloc(n, sizeof *b->keys);
  if (!b->keys) goto out;
  const char *p = strstr(t, "\nobjects ");
  p = p ? strchr(p + 1, '\n') : NULL;
  for (size_t i = 0; p && i < n; i++) {
    if (strlen(p + 1) < 65 || p[65] != '\n') goto out;
    memcpy(b->keys[i], p + 1, 64);
    b->keys[i][64] = 0;
    p += 65;
  }
  char *want = manifest_text(b->m->engine, key, b->keys, n);
  ok = want && !strcmp(want, t);
  free(want);
  if (ok && fds) {
    if (!(*fds = malloc(n * sizeof **fds))) ok = false;
    size_t i = 0;
    for (; ok && i < n; i++) ok = ((*fds)[i] = unit_cached_fd(b, b->keys[i])) >= 0;
    if (!ok && *fds) {
      for (size_t k = 0; k + 1 < i; k++) close((*fds)[k]); /* those before the miss */
      free(*fds);
      *fds = NULL;
    }
  }
  for (size_t i = 0; ok && !fds && i < n; i++) {
    char *o = obj_name(b, i);
    ok = o && unit_cached(b, b->keys[i], o);
    free(o);
  }
out:
  free(t);
  return ok;
}

static char *build_baseline(wasmplug_module_t *m, const char *dir, char ***files, int **fds, size_t *nfds);

char *wp_build_baseline(wasmplug_module_t *m, const char *dir, char ***files) {
  return build_baseline(m, dir, files, NULL, NULL);
}

char *wp_build_baseline_fds(wasmplug_module_t *m, const char *dir, char ***files, int **fds, size_t *nfds) {
  return build_baseline(m, dir, files, fds, nfds);
}

static char *build_baseline(wasmplug_module_t *m, const char *dir, char ***files, int **fds, size_t *nfds) {
  *files = NULL;
  if (fds) {
    *fds = NULL;
    *nfds = 0;
  }
  char mkey[65];
  manifest_key(m, mkey);
  char *mpath = wp_format("%s/%s.base", m->engine->cache_dir, mkey);
  unit_build_t b = {m, dir, true, wp_format("%s/units", m->engine->cache_dir), NULL, 0, 0, false, {0}};
  progress_t pg = {m, "baseline", NULL, false, 0};
  char *err = NULL;
  if (!mpath || !b.units_dir) {
    err = wp_strdup("out of memory");
    goto out;
  }
  int *got = NULL; /* the objects' memfds, on a hit with fds */
  if (!manifest_load(&b, mpath, mkey, fds ? &got : NULL)) {
    free(b.keys);
    b.keys = NULL;
    free(b.units_dir);
    b.units_dir = NULL;
    wp_xlate_opts_t o = {true, WP_BASE_UNIT_BYTES, m->engine->config.fuel != 0,
                        m->engine->config.epoch_ticks != 0, NULL, NULL, NULL};
    err = build_units(&b, &o, &pg);
    if (err) goto out;
    char *text = b.units_dir ? manifest_text(m->engine, mkey, b.keys, b.nunits) : NULL;
    if (text) {
      char *e2 = wp_write_atomic(mpath, (const uint8_t *)text, strlen(text));
      free(e2);
      free(text);
    }
  }
  char **v = calloc(b.nunits + 1, sizeof *v);
  if (!v) {
    err = wp_strdup("out of memory");
    goto out;
  }
  /* glue first: libtcc links in order */
  if (got) {
    v[0] = wp_format("/proc/self/fd/%d", got[b.nunits - 1]);
    for (size_t u = 0; u + 1 < b.nunits; u++) v[u + 1] = wp_format("/proc/self/fd/%d", got[u]);
  } else {
    v[0] = wp_strdup("glue.o");
    for (size_t u = 0; u + 1 < b.nunits; u++) v[u + 1] = wp_format("u%zu.o", u);
  }
  for (size_t u = 0; u < b.nunits; u++)
    if (!v[u] && !err) err = wp_strdup("out of memory");
  if (err) wp_strv_free(v);
  else *files = v;
out:
  if (got && err) {
    for (size_t u = 0; u < b.nunits; u++) close(got[u]);
    free(got);
    got = NULL;
  }
  if (got) {
    *fds = got;
    *nfds = b.nunits;
  }
  done_progress(&pg);
  free(pg.what);
  unit_build_free(&b);
  free(mpath);
  if (err) {
    char *e = wp_format("%s: baseline compile failed (tcc): %s", m->name, err);
    free(err);
    err = e ? e : wp_strdup("out of memory");
  }
  return err;
}
