/*
** plugin.c — keyvalue-sqlite's hooks: options, one SQLite connection per
** guest instance, and the resource destructors.
**
** Options (`--plugin keyvalue-sqlite.so,path=/tmp/kv.db`):
**   path       database file; default: a private in-memory database per
**              guest instance (nothing is shared or kept)
**   read-only  open the file read-only: writes fail with access-denied
**   page-size  keys per list-keys page (default 100)
**   busy-timeout  how long a write waits for another instance's, in ms
**              (default 5000); then the call fails with other("...locked");
**              a guest call's time limit or interrupt ends the wait sooner
**   max-value  (keyvalue-sqlite-async only) bytes a value written through
**              wasmplug:keyvalue/streams may have (default 64 MiB): more
**              fails with other("value too long")
*/
#include <stdlib.h>
#include <string.h>

#include "kv.h"

static bool truthy(const char *v) {
  return v && (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "on"));
}

int wasi_keyvalue_plugin_init(const wasmplug_host_api_t *host, const wasmplug_plugin_config_t *config,
                              void **plugin, const char **error) {
  kv_plugin_t *p = calloc(1, sizeof *p);
  if (!p) {
    *error = "keyvalue-sqlite: out of memory";
    return 1;
  }
  p->host = host;
  const char *path = host->config_get(config, "path");
  if (path && *path) {
    p->path = strdup(path);
    if (!p->path) {
      free(p);
      *error = "keyvalue-sqlite: out of memory";
      return 1;
    }
  }
  p->read_only = truthy(host->config_get(config, "read-only"));
  const char *ps = host->config_get(config, "page-size");
  char *end = NULL;
  unsigned long long n = ps ? strtoull(ps, &end, 10) : 100;
  if (ps && (*end || n == 0 || n > 100000)) {
    free(p->path);
    free(p);
    *error = "keyvalue-sqlite: page-size must be 1..100000";
    return 1;
  }
  p->page_size = (uint32_t)n;
  const char *bt = host->config_get(config, "busy-timeout");
  n = bt ? strtoull(bt, &end, 10) : 5000;
  if (bt && (*end || n > 3600000)) {
    free(p->path);
    free(p);
    *error = "keyvalue-sqlite: busy-timeout must be 0..3600000 (milliseconds)";
    return 1;
  }
  p->busy_ms = (uint32_t)n;
#ifdef KV_STREAMS
  const char *mv = host->config_get(config, "max-value");
  n = mv ? strtoull(mv, &end, 10) : 64u << 20;
  if (mv && (*end || n == 0 || n > 1000000000)) {
    free(p->path);
    free(p);
    *error = "keyvalue-sqlite: max-value must be 1..1000000000 (bytes)";
    return 1;
  }
  p->max_value = n;
#endif
  if (!sqlite3_threadsafe()) {
    /* instances may run on different threads, each with its own connection */
    free(p->path);
    free(p);
    *error = "keyvalue-sqlite: the SQLite library was built without thread support";
    return 1;
  }
  *plugin = p;
  return 0;
}

void wasi_keyvalue_plugin_fini(void *plugin) {
  kv_plugin_t *p = plugin;
  free(p->path);
  free(p);
}

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS kv ("
    "  bucket TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  value BLOB NOT NULL,"
    "  PRIMARY KEY (bucket, key)"
    ") WITHOUT ROWID";

/* Switching a file to WAL takes an exclusive lock.  Two connections
** switching the same new file at once: one of them gets SQLITE_BUSY
** without its busy handler being called (SQLite does not wait where waiting
** could deadlock).  The failed statement holds no lock, so trying again is
** safe; keep trying within the configured busy-timeout. */
static int kv_wal(sqlite3 *db, uint32_t busy_ms) {
  for (uint32_t waited = 0;; waited += 2) {
    int rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
    if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || waited >= busy_ms) return rc;
    sqlite3_sleep(2);
  }
}

int wasi_keyvalue_instance_new(const wasmplug_host_api_t *host, void *plugin,
                               const wasmplug_plugin_config_t *config, void **instance,
                               const char **error) {
  (void)config;
  const kv_plugin_t *p = plugin;
  kv_instance_t *in = calloc(1, sizeof *in);
  if (!in) {
    *error = "keyvalue-sqlite: out of memory";
    return 1;
  }
  in->plugin = p;
  wp_slots_init(&in->buckets, sizeof(kv_bucket_t), WP_SLOTS_MAX);
  wp_slots_init(&in->cases, sizeof(kv_cas_t), WP_SLOTS_MAX);
  int flags = SQLITE_OPEN_NOMUTEX; /* one connection per instance, never shared */
  flags |= p->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  const char *step = "open";
  int rc = sqlite3_open_v2(p->path ? p->path : ":memory:", &in->db, flags, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_busy_handler(in->db, kv_busy, in);
  if (rc == SQLITE_OK && p->path && !p->read_only) {
    /* WAL: readers never wait for a writer and commits need no fsync of
    ** the database file, so instances sharing a file mostly run in
    ** parallel; the mode is recorded in the file (idempotent). */
    step = "switch to WAL mode";
    rc = kv_wal(in->db, p->busy_ms);
    if (rc == SQLITE_OK) rc = sqlite3_exec(in->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
  }
  if (rc == SQLITE_OK && !p->read_only) {
    step = "create the table";
    rc = sqlite3_exec(in->db, schema, NULL, NULL, NULL);
  }
  if (rc == SQLITE_OK && p->read_only) {
    /* a read-only database must already have the table */
    sqlite3_stmt *st = NULL;
    step = "find the table";
    rc = sqlite3_prepare_v2(in->db, "SELECT 1 FROM kv LIMIT 1", -1, &st, NULL);
    sqlite3_finalize(st);
  }
  if (rc != SQLITE_OK) {
    host->log(config, WASMPLUG_LOG_ERROR, "cannot %s in %s: %s", step, p->path ? p->path : ":memory:",
              in->db ? sqlite3_errmsg(in->db) : sqlite3_errstr(rc));
    *error = "keyvalue-sqlite: cannot open the database (see the log)";
    sqlite3_close(in->db);
    free(in);
    return 1;
  }
  *instance = in;
  return 0;
}

void wasi_keyvalue_instance_drop(void *plugin, void *instance) {
  (void)plugin;
  kv_instance_t *in = instance;
#ifdef KV_STREAMS
  kv_streams_drop(in);
#endif
  uint32_t rep = 0;
  while (wp_slots_next(&in->buckets, &rep)) kv_bucket_drop(in, rep);
  rep = 0;
  while (wp_slots_next(&in->cases, &rep)) kv_cas_drop(in, rep);
  wp_slots_fini(&in->buckets);
  wp_slots_fini(&in->cases);
  in->call = NULL; /* no call runs now: a wait here is bounded by busy-timeout alone */
  kv_rollback(in);
  sqlite3_close(in->db);
  free(in);
}

void wasi_keyvalue_store_bucket_destructor(kv_ctx_t *cx, uint32_t rep) {
  kv_bucket_drop(kv_inst(cx), rep);
}

void wasi_keyvalue_atomics_cas_destructor(kv_ctx_t *cx, uint32_t rep) {
  kv_cas_drop(kv_inst(cx), rep);
}
