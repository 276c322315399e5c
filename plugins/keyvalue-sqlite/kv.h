/*
** kv.h — keyvalue-sqlite internals: plugin and instance state, the rep
** tables behind the bucket and cas resources, and SQLite helpers.
**
** State model.  The plugin state is immutable after init (the options), so
** instances on different threads share nothing mutable.  Each guest
** instance owns one SQLite connection: a private in-memory database by
** default (two instances of a guest share nothing), or the `path=` file,
** shared between instances and processes through SQLite's own locking
** (busy timeout, BEGIN IMMEDIATE for read-modify-write).  Calls for one
** instance never overlap (plugin.h), so the connection needs no mutex.
** A wait for another connection's lock is the plugin's own busy handler
** (db.c: kv_busy), which asks the call it serves whether the guest call
** must end (host->interrupted, host->deadline), so a time limit or an
** interrupt ends a guest blocked on a locked database at once.
*/
#ifndef KV_H
#define KV_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "slots.h"
#include "wasi_keyvalue.h"

typedef wasi_keyvalue_ctx_t kv_ctx_t;
typedef wasi_keyvalue_store_error_t kv_error_t;

typedef struct {
  const wasmplug_host_api_t *host;
  char *path;          /* NULL: in-memory */
  bool read_only;
  uint32_t page_size;  /* keys per list-keys page */
  uint32_t busy_ms;
  uint64_t max_value;  /* the async variant: bytes a streamed value may have */
} kv_plugin_t;

/* What a bucket rep stands for. */
typedef struct {
  char *name;
} kv_bucket_t;

/* A compare-and-swap snapshot of one key. */
typedef struct {
  char *bucket, *key;
  size_t klen;     /* keys may contain U+0000 */
  bool had;        /* the key existed when the cas was made */
  uint8_t *value;  /* its value then */
  size_t len;
} kv_cas_t;

typedef struct {
  const kv_plugin_t *plugin;
  sqlite3 *db;
  wp_slots_t buckets, cases; /* of kv_bucket_t, kv_cas_t (plugins/common/slots.h) */
  struct kv_op *streams; /* the async variant's open streams (streams.c) */
  /* The call the instance serves now (kv_inst), NULL outside calls and in
  ** destructors: the busy handler asks it whether to stop waiting. */
  wasmplug_plugin_call_t *call;
  uint64_t busy_since; /* CLOCK_MONOTONIC ns: when the current lock wait began */
} kv_instance_t;

/* Frees what a bucket or cas holds and its slot (nothing for a rep that
** finds nothing). */
void kv_bucket_drop(kv_instance_t *in, uint32_t rep);
void kv_cas_drop(kv_instance_t *in, uint32_t rep);
/* The async variant (KV_STREAMS): frees the instance's open streams and
** pending calls, which are void once the guest instance goes. */
void kv_streams_drop(kv_instance_t *in);
/* Frees what a cas holds (the cas itself is a slot's or the caller's). */
void kv_cas_clear(kv_cas_t *c);

/* The instance of a call, which serves that call from now on: every
** function reaches its connection through here, so the busy handler
** always asks the call that runs (calls of one instance never overlap). */
static inline kv_instance_t *kv_inst(kv_ctx_t *cx) {
  kv_instance_t *in = (kv_instance_t *)cx->instance;
  if (in) in->call = cx->call;
  return in;
}

/* Maps a SQLite failure to the WIT error: read-only/permission/auth ->
** access-denied, anything else -> other("sqlite: ..."). Returns 0, or the
** trap status when the message cannot be allocated. */
int kv_sqlite_error(kv_ctx_t *cx, int rc, kv_error_t *err);
/* other(msg) */
int kv_other(kv_ctx_t *cx, kv_error_t *err, const char *msg);
/* The bucket of a borrowed rep; traps on a rep the plugin never made. */
const kv_bucket_t *kv_bucket(kv_ctx_t *cx, uint32_t rep);

/* Reads bucket/key's value (copied into call memory when found).  Returns
** SQLITE_OK/SQLITE_ROW-agnostic: SQLITE_OK with *found set, or the error. */
int kv_read(kv_ctx_t *cx, const char *bucket, const uint8_t *key, size_t klen, bool *found,
            uint8_t **val, size_t *vlen, bool heap);
int kv_write(kv_instance_t *in, const char *bucket, const uint8_t *key, size_t klen,
             const uint8_t *val, size_t vlen);
int kv_erase(kv_instance_t *in, const char *bucket, const uint8_t *key, size_t klen);
/* SQLite's busy handler of an instance's connection (arg: the instance). */
int kv_busy(void *arg, int count);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK */
int kv_begin(kv_instance_t *in);
int kv_commit(kv_instance_t *in);
void kv_rollback(kv_instance_t *in);

#endif
