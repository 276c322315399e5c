/*
** db.c — the SQLite side: one table (bucket, key, value) keyed by
** (bucket, key), single-row read/write/erase, transactions, and the
** mapping of SQLite failures to the WIT `error` variant.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kv.h"
#include "wasmplug/clock.h"

int kv_other(kv_ctx_t *cx, kv_error_t *err, const char *msg) {
  err->tag = WASI_KEYVALUE_STORE_ERROR_OTHER;
  if (wasi_keyvalue_string_set(cx, &err->val.other, msg, strlen(msg)))
    return wasi_keyvalue_trap(cx, "keyvalue-sqlite: out of call memory");
  return 0;
}

int kv_sqlite_error(kv_ctx_t *cx, int rc, kv_error_t *err) {
  switch (rc & 0xff) {
  case SQLITE_READONLY:
  case SQLITE_PERM:
  case SQLITE_AUTH:
    err->tag = WASI_KEYVALUE_STORE_ERROR_ACCESS_DENIED;
    return 0;
  default: {
    char msg[300];
    const char *what = kv_inst(cx)->db ? sqlite3_errmsg(kv_inst(cx)->db) : sqlite3_errstr(rc);
    /* errmsg can be stale for codes that did not come from the connection */
    if (!what || !*what) what = sqlite3_errstr(rc);
    snprintf(msg, sizeof msg, "sqlite: %s", what);
    return kv_other(cx, err, msg);
  }
  }
}

const kv_bucket_t *kv_bucket(kv_ctx_t *cx, uint32_t rep) {
  return wp_slots_get(&kv_inst(cx)->buckets, rep);
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st) {
  return sqlite3_prepare_v2(db, sql, -1, st, NULL);
}

int kv_read(kv_ctx_t *cx, const char *bucket, const uint8_t *key, size_t klen, bool *found,
            uint8_t **val, size_t *vlen, bool heap) {
  kv_instance_t *in = kv_inst(cx);
  sqlite3_stmt *st = NULL;
  *found = false;
  *val = NULL;
  *vlen = 0;
  int rc = prepare(in->db, "SELECT value FROM kv WHERE bucket = ?1 AND key = ?2", &st);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 1, bucket, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 2, (const char *)key, (int)klen, SQLITE_STATIC);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      const void *b = sqlite3_column_blob(st, 0);
      int n = sqlite3_column_bytes(st, 0);
      /* call memory for results, the heap for cas snapshots that outlive the call */
      uint8_t *p = heap ? malloc((size_t)n + 1) : wasi_keyvalue_alloc(cx, (size_t)n + 1, 1);
      if (!p) {
        rc = SQLITE_NOMEM;
      } else {
        if (n) memcpy(p, b, (size_t)n);
        *found = true;
        *val = p;
        *vlen = (size_t)n;
        rc = SQLITE_OK;
      }
    } else if (rc == SQLITE_DONE) {
      rc = SQLITE_OK;
    }
  }
  sqlite3_finalize(st);
  return rc;
}

int kv_write(kv_instance_t *in, const char *bucket, const uint8_t *key, size_t klen,
             const uint8_t *val, size_t vlen) {
  sqlite3_stmt *st = NULL;
  int rc = prepare(in->db, "INSERT OR REPLACE INTO kv (bucket, key, value) VALUES (?1, ?2, ?3)", &st);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 1, bucket, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 2, (const char *)key, (int)klen, SQLITE_STATIC);
  /* zeroblob keeps an empty value a (non-NULL) blob */
  if (rc == SQLITE_OK)
    rc = vlen ? sqlite3_bind_blob(st, 3, val, (int)vlen, SQLITE_STATIC) : sqlite3_bind_zeroblob(st, 3, 0);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int kv_erase(kv_instance_t *in, const char *bucket, const uint8_t *key, size_t klen) {
  sqlite3_stmt *st = NULL;
  int rc = prepare(in->db, "DELETE FROM kv WHERE bucket = ?1 AND key = ?2", &st);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 1, bucket, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 2, (const char *)key, (int)klen, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}


/* Whether the guest call the instance serves must end now (plugin ABI
** 1.4's host->interrupted; older hosts: the deadline alone). */
static bool kv_stop(const kv_instance_t *in, uint64_t now) {
  const wasmplug_host_api_t *host = in->plugin->host;
  if (!in->call) return false; /* a destructor: no guest call to end */
  if (WASMPLUG_HOST_HAS(host, interrupted) && host->interrupted(in->call)) return true;
  uint64_t d = WASMPLUG_HOST_HAS(host, deadline) ? host->deadline(in->call) : 0;
  return d && now >= d;
}

/* Waits for another connection's lock, instead of sqlite3_busy_timeout's
** handler, which sleeps without asking anyone: a guest blocked on a
** locked database would outlive its --timeout, and an embedder's
** interrupt, until busy-timeout ran out.  Sleeps in steps of at most
** 10 ms (never past the call's deadline) and gives up -- SQLITE_BUSY,
** "database is locked" -- after busy-timeout or as soon as the guest call
** must end (docs/plugin-abi.md, section 9: the guest call traps with the
** interrupt whatever the plugin answers).  The interrupt's signal cuts a
** sleep short (EINTR); the next round asks again.  count is 0 at the
** first wait of each lock attempt. */
int kv_busy(void *arg, int count) {
  kv_instance_t *in = arg;
  uint64_t now = wasmplug_monotonic_ns();
  if (count == 0) in->busy_since = now;
  if (kv_stop(in, now)) return 0;
  uint64_t limit = (uint64_t)in->plugin->busy_ms * 1000000u, waited = now - in->busy_since;
  if (waited >= limit) return 0;
  uint64_t step = limit - waited < 10000000u ? limit - waited : 10000000u;
  const wasmplug_host_api_t *host = in->plugin->host;
  uint64_t d = in->call && WASMPLUG_HOST_HAS(host, deadline) ? host->deadline(in->call) : 0;
  if (d && d - now < step) step = d - now; /* d > now: kv_stop said so */
  struct timespec ts = {(time_t)(step / 1000000000u), (long)(step % 1000000000u)};
  (void)nanosleep(&ts, NULL); /* EINTR: the next round asks */
  return 1;
}

int kv_begin(kv_instance_t *in) {
  /* IMMEDIATE takes the write lock up front, so two instances doing
  ** read-modify-write wait for each other (busy timeout) instead of
  ** deadlocking on a lock upgrade. */
  return sqlite3_exec(in->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
}

int kv_commit(kv_instance_t *in) { return sqlite3_exec(in->db, "COMMIT", NULL, NULL, NULL); }

void kv_rollback(kv_instance_t *in) {
  if (!sqlite3_get_autocommit(in->db)) sqlite3_exec(in->db, "ROLLBACK", NULL, NULL, NULL);
}

void kv_cas_clear(kv_cas_t *c) {
  free(c->bucket);
  free(c->key);
  free(c->value);
}

void kv_bucket_drop(kv_instance_t *in, uint32_t rep) {
  kv_bucket_t *b = wp_slots_get(&in->buckets, rep);
  if (!b) return;
  free(b->name);
  wp_slots_free(&in->buckets, rep);
}

void kv_cas_drop(kv_instance_t *in, uint32_t rep) {
  kv_cas_t *c = wp_slots_get(&in->cases, rep);
  if (!c) return;
  kv_cas_clear(c);
  wp_slots_free(&in->cases, rep);
}
