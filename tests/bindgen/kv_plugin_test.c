/*
** kv_plugin_test.c — keyvalue-sqlite through its descriptor, as a loader
** would call it: dlopen, entry, init, instance_new, functions by name with
** native-layout params/results (hand-written below from cabi.h's rules),
** resource destructors.  Checks: the descriptor and its WIT (re-parsed),
** get/set/delete/exists, list-keys paging, bucket separation, instances
** sharing nothing in memory, persistence of path= across two loads,
** error mapping (no-such-store, access-denied, other), atomics, batch,
** and two instances incrementing one counter from two threads; a write
** waiting for another connection's lock ends when the guest call is
** interrupted or reaches its deadline (host->interrupted, host->deadline),
** and waits on (busy-timeout) otherwise.
**
** usage: kv_plugin_test PLUGIN.so TMPDIR
*/
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fake_host.h"
#include "wit/wit.h"
#include "../check.h"

/* ---- native layout of the keyvalue types, by hand ---- */
typedef struct { uint8_t *ptr; size_t len; } str_t;          /* string, list<u8> */
typedef struct { str_t *ptr; size_t len; } strs_t;           /* list<string> */
typedef struct { uint8_t tag; union { str_t other; } val; } kverr_t;
enum { NO_SUCH_STORE = 0, ACCESS_DENIED = 1, OTHER = 2 };
typedef struct { bool is_err; union { uint32_t ok; kverr_t err; } val; } res_own_t;
typedef struct { bool is_some; str_t val; } opt_str_t;
typedef struct { bool is_err; union { opt_str_t ok; kverr_t err; } val; } res_get_t;
typedef struct { bool is_err; union { kverr_t err; } val; } res_void_t;
typedef struct { bool is_err; union { bool ok; kverr_t err; } val; } res_bool_t;
typedef struct { strs_t keys; opt_str_t cursor; } keyresp_t;
typedef struct { bool is_err; union { keyresp_t ok; kverr_t err; } val; } res_list_t;
typedef struct { bool is_err; union { int64_t ok; kverr_t err; } val; } res_s64_t;
typedef struct { uint8_t tag; union { kverr_t store_error; uint32_t cas_failed; } val; } caserr_t;
typedef struct { bool is_err; union { caserr_t err; } val; } res_swap_t;
typedef struct { str_t f0; str_t f1; } kv_t;
typedef struct { bool is_some; kv_t val; } opt_kv_t;
typedef struct { bool is_err; union { struct { opt_kv_t *ptr; size_t len; } ok; kverr_t err; } val; } res_many_t;

typedef struct { str_t identifier; } p_open_t;
typedef struct { uint32_t self; str_t key; } p_key_t;
typedef struct { uint32_t self; str_t key; str_t value; } p_set_t;
typedef struct { uint32_t self; opt_str_t cursor; } p_list_t;
typedef struct { uint32_t bucket; str_t key; int64_t delta; } p_incr_t;
typedef struct { uint32_t cas; str_t value; } p_swap_t;
typedef struct { uint32_t bucket; strs_t keys; } p_many_t;
typedef struct { uint32_t bucket; struct { kv_t *ptr; size_t len; } kvs; } p_setmany_t;

#define NS "wasi:keyvalue/store@0.2.0-draft2#"
#define AT "wasi:keyvalue/atomics@0.2.0-draft2#"
#define BA "wasi:keyvalue/batch@0.2.0-draft2#"
#define BUCKET_RES "wasi:keyvalue/store@0.2.0-draft2#bucket"
#define CAS_RES "wasi:keyvalue/atomics@0.2.0-draft2#cas"

/* Strings as the host passes them: copied, NUL-terminated. */
static str_t S(const char *s) {
  str_t r = {(uint8_t *)s, strlen(s)};
  return r;
}
static bool eq(str_t a, const char *b) { return a.len == strlen(b) && !memcmp(a.ptr, b, a.len); }

typedef struct {
  fh_plugin_t *p;
  void *inst;
} inst_t;

static int call(inst_t *in, const char *name, const void *params, void *res, size_t size,
                wasmplug_plugin_call_t *c) {
  int rc = fh_call(in->p, in->inst, c, name, params, res, size);
  if (rc) fprintf(stderr, "%s trapped: %s\n", name, c->trap);
  return rc;
}

static uint32_t open_bucket(inst_t *in, const char *name) {
  wasmplug_plugin_call_t c;
  p_open_t p = {S(name)};
  res_own_t r;
  int rc = call(in, NS "open", &p, &r, sizeof r, &c);
  fh_call_end(&c);
  CHECK(rc == 0 && !r.is_err && r.val.ok != 0);
  return r.is_err ? 0 : r.val.ok;
}

static res_void_t set(inst_t *in, uint32_t b, const char *k, const char *v) {
  wasmplug_plugin_call_t c;
  p_set_t p = {b, S(k), S(v)};
  res_void_t r;
  CHECK(call(in, NS "[method]bucket.set", &p, &r, sizeof r, &c) == 0);
  if (r.is_err && r.val.err.tag == OTHER) r.val.err.val.other.ptr = NULL; /* call memory ends */
  fh_call_end(&c);
  return r;
}

/* get into buf: 1 found, 0 absent, -1 error (err tag in *tag) */
static int get(inst_t *in, uint32_t b, const char *k, char *buf, size_t cap, int *tag) {
  wasmplug_plugin_call_t c;
  p_key_t p = {b, S(k)};
  res_get_t r;
  CHECK(call(in, NS "[method]bucket.get", &p, &r, sizeof r, &c) == 0);
  int out;
  if (r.is_err) {
    *tag = r.val.err.tag;
    out = -1;
  } else if (r.val.ok.is_some) {
    size_t n = r.val.ok.val.len < cap - 1 ? r.val.ok.val.len : cap - 1;
    memcpy(buf, r.val.ok.val.ptr, n);
    buf[n] = 0;
    out = 1;
  } else {
    out = 0;
  }
  fh_call_end(&c);
  return out;
}

static void test_descriptor(fh_plugin_t *p) {
  const wasmplug_plugin_t *d = p->desc;
  CHECK(!strcmp(d->name, "keyvalue-sqlite"));
  CHECK(d->size == sizeof(wasmplug_plugin_t));
  CHECK(d->world == NULL);
  CHECK(d->nfuncs == 13); /* store 6, atomics 4, batch 3 */
  CHECK(d->nresources == 2);
  bool has_path = false;
  for (uint32_t i = 0; i < d->noptions; i++)
    if (!strcmp(d->options[i].name, "path") && !strcmp(d->options[i].type, "path")) has_path = true;
  CHECK(has_path);
  /* the embedded WIT parses back and declares every function it exports */
  wp_wit_resolve_t *r = wp_wit_resolve_new();
  wp_wit_error_t *err = NULL;
  uint32_t pkg;
  int rc = wp_wit_push_str(r, "<descriptor>", d->wit, strlen(d->wit), &pkg, &err);
  if (rc) fprintf(stderr, "descriptor WIT: %s\n", err ? err->message : "oom");
  CHECK(rc == 0);
  if (rc == 0) {
    const wp_wit_package_t *pk = &r->packages[pkg];
    CHECK(!strcmp(pk->name.ns, "wasi") && !strcmp(pk->name.name, "keyvalue"));
    CHECK(pk->n_interfaces == 3);
    for (uint32_t i = 0; i < d->nfuncs; i++) {
      const char *name = d->funcs[i].name, *hash = strchr(name, '#');
      bool found = false;
      for (uint32_t k = 0; hash && k < pk->n_interfaces; k++) {
        char *id = wp_wit_interface_id(r, pk->interfaces[k].id);
        if (id && strlen(id) == (size_t)(hash - name) && !strncmp(id, name, (size_t)(hash - name))) {
          const wp_wit_interface_t *in = &r->interfaces[pk->interfaces[k].id];
          for (uint32_t f = 0; f < in->n_funcs; f++)
            if (!strcmp(in->funcs[f].name, hash + 1)) found = true;
        }
        free(id);
      }
      if (!found) fprintf(stderr, "descriptor function %s is not in its WIT\n", name);
      CHECK(found);
    }
  }
  wp_wit_error_delete(err);
  wp_wit_resolve_delete(r);
}

static void test_store(fh_plugin_t *p) {
  inst_t a = {p, fh_instance(p)}, b = {p, fh_instance(p)};
  CHECK(a.inst && b.inst);
  if (!a.inst || !b.inst) return;
  char buf[64];
  int tag = -1;
  uint32_t b1 = open_bucket(&a, "b1"), b2 = open_bucket(&a, "b2");
  CHECK(b1 != b2);
  CHECK(!set(&a, b1, "k", "v1").is_err);
  CHECK(get(&a, b1, "k", buf, sizeof buf, &tag) == 1 && !strcmp(buf, "v1"));
  CHECK(!set(&a, b1, "k", "v2").is_err); /* overwrite */
  CHECK(get(&a, b1, "k", buf, sizeof buf, &tag) == 1 && !strcmp(buf, "v2"));
  /* buckets are kept apart */
  CHECK(get(&a, b2, "k", buf, sizeof buf, &tag) == 0);
  /* in memory, another instance shares nothing */
  uint32_t bb = open_bucket(&b, "b1");
  CHECK(get(&b, bb, "k", buf, sizeof buf, &tag) == 0);
  /* empty values are values */
  CHECK(!set(&a, b2, "empty", "").is_err);
  CHECK(get(&a, b2, "empty", buf, sizeof buf, &tag) == 1 && buf[0] == 0);

  wasmplug_plugin_call_t c;
  /* exists, delete */
  p_key_t pk = {b1, S("k")};
  res_bool_t rb;
  CHECK(call(&a, NS "[method]bucket.exists", &pk, &rb, sizeof rb, &c) == 0 && !rb.is_err && rb.val.ok);
  fh_call_end(&c);
  res_void_t rv;
  CHECK(call(&a, NS "[method]bucket.delete", &pk, &rv, sizeof rv, &c) == 0 && !rv.is_err);
  fh_call_end(&c);
  CHECK(call(&a, NS "[method]bucket.exists", &pk, &rb, sizeof rb, &c) == 0 && !rb.is_err && !rb.val.ok);
  fh_call_end(&c);
  CHECK(get(&a, b1, "k", buf, sizeof buf, &tag) == 0);

  /* open("") -> no-such-store */
  p_open_t po = {S("")};
  res_own_t ro;
  CHECK(call(&a, NS "open", &po, &ro, sizeof ro, &c) == 0 && ro.is_err && ro.val.err.tag == NO_SUCH_STORE);
  fh_call_end(&c);

  /* list-keys: page-size is 3 in this load; 7 keys -> 3 + 3 + 1, in order */
  const char *keys[] = {"a", "b", "c", "d", "e", "f", "g"};
  for (int i = 6; i >= 0; i--) CHECK(!set(&a, b1, keys[i], "x").is_err);
  CHECK(!set(&a, b2, "zz-other-bucket", "x").is_err);
  int seen = 0, pages = 0;
  opt_str_t cursor = {false, {NULL, 0}};
  char cur[16] = "";
  for (;;) {
    p_list_t pl = {b1, cursor};
    res_list_t rl;
    CHECK(call(&a, NS "[method]bucket.list-keys", &pl, &rl, sizeof rl, &c) == 0 && !rl.is_err);
    pages++;
    for (size_t i = 0; i < rl.val.ok.keys.len; i++, seen++)
      CHECK(seen < 7 && eq(rl.val.ok.keys.ptr[i], keys[seen]));
    bool more = rl.val.ok.cursor.is_some;
    if (more) {
      snprintf(cur, sizeof cur, "%.*s", (int)rl.val.ok.cursor.val.len, (const char *)rl.val.ok.cursor.val.ptr);
      CHECK(rl.val.ok.keys.len == 3);
    }
    fh_call_end(&c);
    if (!more || pages > 5) break;
    cursor.is_some = true;
    cursor.val = S(cur);
  }
  CHECK(seen == 7 && pages == 3);

  /* atomics: increment creates, adds, rejects non-counters */
  p_incr_t pi = {b2, S("n"), 5};
  res_s64_t rs;
  CHECK(call(&a, AT "increment", &pi, &rs, sizeof rs, &c) == 0 && !rs.is_err && rs.val.ok == 5);
  fh_call_end(&c);
  pi.delta = -7;
  CHECK(call(&a, AT "increment", &pi, &rs, sizeof rs, &c) == 0 && !rs.is_err && rs.val.ok == -2);
  fh_call_end(&c);
  pi.key = S("empty");
  CHECK(call(&a, AT "increment", &pi, &rs, sizeof rs, &c) == 0 && rs.is_err && rs.val.err.tag == OTHER &&
        rs.val.err.val.other.len > 0 && rs.val.err.val.other.ptr[rs.val.err.val.other.len] == 0);
  fh_call_end(&c);

  /* cas: snapshot, current, swap ok; a stale cas fails and comes back */
  CHECK(!set(&a, b2, "c", "old").is_err);
  p_key_t pc = {b2, S("c")};
  res_own_t rc1, rc2;
  CHECK(call(&a, AT "[static]cas.new", &pc, &rc1, sizeof rc1, &c) == 0 && !rc1.is_err);
  fh_call_end(&c);
  CHECK(call(&a, AT "[static]cas.new", &pc, &rc2, sizeof rc2, &c) == 0 && !rc2.is_err);
  fh_call_end(&c);
  uint32_t cur_self = rc1.val.ok;
  res_get_t rg;
  CHECK(call(&a, AT "[method]cas.current", &cur_self, &rg, sizeof rg, &c) == 0 && !rg.is_err &&
        rg.val.ok.is_some && eq(rg.val.ok.val, "old"));
  fh_call_end(&c);
  p_swap_t ps = {rc1.val.ok, S("new")};
  res_swap_t rw;
  CHECK(call(&a, AT "swap", &ps, &rw, sizeof rw, &c) == 0 && !rw.is_err);
  fh_call_end(&c);
  CHECK(get(&a, b2, "c", buf, sizeof buf, &tag) == 1 && !strcmp(buf, "new"));
  ps.cas = rc2.val.ok;
  ps.value = S("lost");
  CHECK(call(&a, AT "swap", &ps, &rw, sizeof rw, &c) == 0 && rw.is_err && rw.val.err.tag == 1 &&
        rw.val.err.val.cas_failed == rc2.val.ok);
  fh_call_end(&c);
  CHECK(get(&a, b2, "c", buf, sizeof buf, &tag) == 1 && !strcmp(buf, "new"));
  fh_drop(p, a.inst, CAS_RES, rc2.val.ok); /* the guest drops the returned cas */

  /* batch */
  kv_t kvs[] = {{S("m1"), S("one")}, {S("m2"), S("two")}};
  p_setmany_t psm = {b2, {kvs, 2}};
  CHECK(call(&a, BA "set-many", &psm, &rv, sizeof rv, &c) == 0 && !rv.is_err);
  fh_call_end(&c);
  str_t ks[] = {S("m1"), S("nope"), S("m2")};
  p_many_t pm = {b2, {ks, 3}};
  res_many_t rm;
  CHECK(call(&a, BA "get-many", &pm, &rm, sizeof rm, &c) == 0 && !rm.is_err && rm.val.ok.len == 3);
  if (!rm.is_err && rm.val.ok.len == 3) {
    CHECK(rm.val.ok.ptr[0].is_some && eq(rm.val.ok.ptr[0].val.f0, "m1") && eq(rm.val.ok.ptr[0].val.f1, "one"));
    CHECK(!rm.val.ok.ptr[1].is_some);
    CHECK(rm.val.ok.ptr[2].is_some && eq(rm.val.ok.ptr[2].val.f1, "two"));
  }
  fh_call_end(&c);
  CHECK(call(&a, BA "delete-many", &pm, &rv, sizeof rv, &c) == 0 && !rv.is_err);
  fh_call_end(&c);
  CHECK(get(&a, b2, "m1", buf, sizeof buf, &tag) == 0 && get(&a, b2, "m2", buf, sizeof buf, &tag) == 0);

  /* a rep the plugin never made traps (the host would never pass it) */
  p_key_t bad = {0x7ffff, S("k")};
  CHECK(fh_call(p, a.inst, &c, NS "[method]bucket.get", &bad, &rg, sizeof rg) == WASMPLUG_TRAP && c.trapped);
  fh_call_end(&c);

  fh_drop(p, a.inst, BUCKET_RES, b1);
  fh_drop(p, a.inst, BUCKET_RES, b2);
  fh_drop(p, b.inst, BUCKET_RES, bb);
  fh_instance_drop(p, a.inst);
  fh_instance_drop(p, b.inst);
}

/* Two loads of the plugin on one file: data written by the first is read
** by the second; read-only=true maps writes to access-denied. */
static void test_persistence(const char *so, const char *db) {
  char setting[600];
  snprintf(setting, sizeof setting, "path=%s", db);
  unlink(db);
  char buf[64];
  int tag = -1;
  {
    fh_plugin_t p;
    const char *cfg[] = {setting, NULL};
    CHECK(fh_load(&p, so, cfg) == 0);
    inst_t a = {&p, fh_instance(&p)};
    uint32_t b = open_bucket(&a, "persist");
    CHECK(!set(&a, b, "greeting", "hello").is_err);
    uint32_t o = open_bucket(&a, "other");
    CHECK(!set(&a, o, "greeting", "not this one").is_err);
    fh_drop(&p, a.inst, BUCKET_RES, b);
    fh_drop(&p, a.inst, BUCKET_RES, o);
    fh_instance_drop(&p, a.inst);
    fh_unload(&p);
  }
  {
    fh_plugin_t p;
    const char *cfg[] = {setting, NULL};
    CHECK(fh_load(&p, so, cfg) == 0);
    inst_t a = {&p, fh_instance(&p)};
    uint32_t b = open_bucket(&a, "persist");
    CHECK(get(&a, b, "greeting", buf, sizeof buf, &tag) == 1 && !strcmp(buf, "hello"));
    fh_drop(&p, a.inst, BUCKET_RES, b);
    fh_instance_drop(&p, a.inst);
    fh_unload(&p);
  }
  {
    fh_plugin_t p;
    const char *cfg[] = {setting, "read-only=true", NULL};
    CHECK(fh_load(&p, so, cfg) == 0);
    inst_t a = {&p, fh_instance(&p)};
    uint32_t b = open_bucket(&a, "persist");
    CHECK(get(&a, b, "greeting", buf, sizeof buf, &tag) == 1 && !strcmp(buf, "hello"));
    res_void_t r = set(&a, b, "greeting", "changed");
    CHECK(r.is_err && r.val.err.tag == ACCESS_DENIED);
    CHECK(get(&a, b, "greeting", buf, sizeof buf, &tag) == 1 && !strcmp(buf, "hello"));
    fh_drop(&p, a.inst, BUCKET_RES, b);
    fh_instance_drop(&p, a.inst);
    fh_unload(&p);
  }
  {
    /* a database that cannot be opened refuses the instance, clearly */
    fh_plugin_t p;
    const char *cfg[] = {"path=/nonexistent-dir/kv.db", NULL};
    CHECK(fh_load(&p, so, cfg) == 0);
    fprintf(stderr, "(expected) ");
    CHECK(fh_instance(&p) == NULL);
    fh_unload(&p);
  }
}

typedef struct {
  fh_plugin_t *p;
  int n, errors;
} worker_t;

static void *increment_worker(void *arg) {
  worker_t *w = arg;
  inst_t in = {w->p, fh_instance(w->p)};
  if (!in.inst) {
    w->errors = w->n;
    return NULL;
  }
  wasmplug_plugin_call_t c;
  p_open_t po = {S("counters")};
  res_own_t ro;
  if (fh_call(in.p, in.inst, &c, NS "open", &po, &ro, sizeof ro) || ro.is_err) w->errors++;
  fh_call_end(&c);
  for (int i = 0; i < w->n; i++) {
    p_incr_t pi = {ro.val.ok, S("hits"), 1};
    res_s64_t rs;
    if (fh_call(in.p, in.inst, &c, AT "increment", &pi, &rs, sizeof rs) || rs.is_err) w->errors++;
    fh_call_end(&c);
  }
  fh_drop(w->p, in.inst, BUCKET_RES, ro.val.ok);
  fh_instance_drop(w->p, in.inst);
  return NULL;
}

static void test_concurrency(const char *so, const char *db) {
  char setting[600];
  snprintf(setting, sizeof setting, "path=%s", db);
  unlink(db);
  fh_plugin_t p;
  const char *cfg[] = {setting, NULL};
  CHECK(fh_load(&p, so, cfg) == 0);
  worker_t w[2] = {{&p, 200, 0}, {&p, 200, 0}};
  pthread_t t[2];
  for (int i = 0; i < 2; i++) CHECK(pthread_create(&t[i], NULL, increment_worker, &w[i]) == 0);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  CHECK(w[0].errors == 0 && w[1].errors == 0);
  inst_t a = {&p, fh_instance(&p)};
  uint32_t b = open_bucket(&a, "counters");
  wasmplug_plugin_call_t c;
  p_incr_t pi = {b, S("hits"), 0};
  res_s64_t rs;
  CHECK(call(&a, AT "increment", &pi, &rs, sizeof rs, &c) == 0 && !rs.is_err && rs.val.ok == 400);
  fh_call_end(&c);
  fh_drop(&p, a.inst, BUCKET_RES, b);
  fh_instance_drop(&p, a.inst);
  fh_unload(&p);
}

typedef struct {
  fh_plugin_t *p;
  pthread_barrier_t *start;
  int refused;
} opener_t;

static void *open_worker(void *arg) {
  opener_t *o = arg;
  pthread_barrier_wait(o->start);
  void *inst = fh_instance(o->p);
  if (!inst) o->refused = 1;
  else fh_instance_drop(o->p, inst);
  return NULL;
}

/* Instances opening the same new file at the same moment all succeed:
** each switches the file to WAL, and SQLite answers all but one of them
** "database is locked" without waiting (a regression: bindgen_kv_plugin
** failed this way under load). */
static void test_concurrent_open(const char *so, const char *db) {
  enum { THREADS = 6, ROUNDS = 25 };
  char setting[600], side[600];
  snprintf(setting, sizeof setting, "path=%s", db);
  fh_plugin_t p;
  const char *cfg[] = {setting, NULL};
  CHECK(fh_load(&p, so, cfg) == 0);
  int refused = 0;
  for (int r = 0; r < ROUNDS; r++) {
    unlink(db);
    snprintf(side, sizeof side, "%s-wal", db);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", db);
    unlink(side);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, THREADS);
    opener_t o[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
      o[i] = (opener_t){&p, &start, 0};
      CHECK(pthread_create(&t[i], NULL, open_worker, &o[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
      pthread_join(t[i], NULL);
      refused += o[i].refused;
    }
    pthread_barrier_destroy(&start);
  }
  if (refused) fprintf(stderr, "concurrent open: %d of %d instances refused\n", refused, THREADS * ROUNDS);
  CHECK(refused == 0);
  fh_unload(&p);
}

static uint64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

typedef struct {
  _Atomic bool *flag;
  sqlite3 *holder; /* not NULL: roll its transaction back instead */
} later_t;

/* After 100 ms: sets the flag (an interrupt) or ends the holder's lock. */
static void *later(void *arg) {
  later_t *l = arg;
  usleep(100000);
  if (l->holder) sqlite3_exec(l->holder, "ROLLBACK", NULL, NULL, NULL);
  else atomic_store(l->flag, true);
  return NULL;
}

/* A set() on `in` while `holder` holds the write lock, under `lim`: 0 when
** it stored, 1 when it failed with other("...locked..."), -1 otherwise. */
static int set_limited(inst_t *in, uint32_t b, fh_limits_t *lim) {
  wasmplug_plugin_call_t c;
  p_set_t p = {b, S("k"), S("v2")};
  res_void_t r;
  int rc = fh_call_limited(in->p, in->inst, &c, NS "[method]bucket.set", &p, &r, sizeof r, lim);
  int out = rc ? -1 : !r.is_err ? 0 : -1;
  if (!rc && r.is_err && r.val.err.tag == OTHER && memmem(r.val.err.val.other.ptr, r.val.err.val.other.len, "locked", 6))
    out = 1;
  if (out < 0) fprintf(stderr, "locked set: rc %d, %s\n", rc, rc ? c.trap : r.is_err ? "an unexpected error" : "ok");
  fh_call_end(&c);
  return out;
}

/* plugin ABI 1.4: a guest call blocked on a locked database ends with it.
** Another connection (SQLite directly) holds the write lock; the plugin's
** busy-timeout is an hour, so only asking the host ends the waits below
** (before the fix nothing asked: each waited the hour out). */
static void test_busy_interrupt(const char *so, const char *db) {
  char setting[600];
  snprintf(setting, sizeof setting, "path=%s", db);
  unlink(db);
  fh_plugin_t p;
  const char *cfg[] = {setting, "busy-timeout=3600000", NULL};
  CHECK(fh_load(&p, so, cfg) == 0);
  inst_t a = {&p, fh_instance(&p)};
  uint32_t b = open_bucket(&a, "locks");
  CHECK(!set(&a, b, "k", "v1").is_err);
  sqlite3 *holder = NULL;
  CHECK(sqlite3_open(db, &holder) == SQLITE_OK);
  CHECK(sqlite3_exec(holder, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);

  /* interrupted mid-wait (by another thread, as the watchdog would) */
  _Atomic bool stop = false;
  fh_limits_t lim = {0, &stop, 0};
  later_t l = {&stop, NULL};
  pthread_t t;
  CHECK(pthread_create(&t, NULL, later, &l) == 0);
  CHECK(set_limited(&a, b, &lim) == 1);
  pthread_join(t, NULL);
  CHECK(atomic_load(&lim.asked) > 0);

  /* already interrupted: no wait at all; past its deadline: the same */
  fh_limits_t now = {0, &stop, 0};
  CHECK(set_limited(&a, b, &now) == 1 && atomic_load(&now.asked) > 0);
  fh_limits_t dl = {mono_ns() + 100000000u, NULL, 0};
  CHECK(set_limited(&a, b, &dl) == 1 && atomic_load(&dl.asked) > 0);

  /* neither: the write waits for the lock and then stores */
  _Atomic bool never = false;
  fh_limits_t none = {0, &never, 0};
  later_t release = {NULL, holder};
  CHECK(pthread_create(&t, NULL, later, &release) == 0);
  CHECK(set_limited(&a, b, &none) == 0);
  pthread_join(t, NULL);
  sqlite3_close(holder);
  fh_drop(&p, a.inst, BUCKET_RES, b);
  fh_instance_drop(&p, a.inst);
  fh_unload(&p);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s PLUGIN.so TMPDIR\n", argv[0]);
    return 2;
  }
  const char *so = argv[1];
  char db[512];
  snprintf(db, sizeof db, "%s/kv_plugin_test.db", argv[2]);
  fh_plugin_t p;
  const char *cfg[] = {"page-size=3", NULL};
  if (fh_load(&p, so, cfg)) return 1;
  test_descriptor(&p);
  test_store(&p);
  fh_unload(&p);
  test_persistence(so, db);
  test_concurrency(so, db);
  test_concurrent_open(so, db);
  test_busy_interrupt(so, db);
  unlink(db);
  printf("kv_plugin_test: %d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
