/*
** streams.c — wasmplug:keyvalue/streams (the async variant only,
** keyvalue-sqlite-async.so; plugin ABI 1.3, docs/plugin-abi.md section 14):
**
**   read   the value as a stream<u8>: the whole value is read from SQLite
**          at once, then written to the stream as the guest takes bytes;
**          the plugin drops its end after the last byte.
**   write  async: reads the guest's stream<u8> until the guest drops its
**          end, then stores the bytes and completes the call.  Meanwhile
**          the guest keeps running (async ABI) or only its thread waits.
**          A value longer than the max-value option (or SQLite's length
**          limit) ends the call with other("value too long"), the guest's
**          end dropped, and stores nothing; so does a cancel
**          (WASMPLUG_CANCELLED).
**
** Every callback runs on the guest's thread, one at a time (the host's
** event loop), so the instance's connection still needs no mutex.  A
** stream copy or call still open when the guest instance goes is void: its
** state is freed by kv_streams_drop (instance_drop) without callbacks.
*/
#include <stdlib.h>
#include <string.h>

#include "kv.h"

#define CHUNK (64u * 1024u)

typedef enum { KV_READER, KV_WRITER } kv_op_kind_t;

/* One open stream of the instance: a value being written to the guest
** (read) or a pending write call reading the guest's bytes. */
typedef struct kv_op {
  kv_op_kind_t kind;
  kv_ctx_t cx;                    /* KV_WRITER: the pending call's (valid until completed) */
  wasmplug_plugin_instance_t *pin;
  uint32_t end;
  uint8_t *data;                  /* the value's bytes */
  size_t len, cap, at;            /* at: KV_READER's bytes already taken */
  char *bucket;                   /* KV_WRITER: where to store, */
  uint8_t *key;                   /* which key */
  size_t klen, max;               /* max: the longest value stored */
  wasi_keyvalue_result_u64_error_t *ret;
  bool cancelled;
  struct kv_op *next;
} kv_op_t;

static void op_unlink_free(kv_op_t *op) {
  kv_instance_t *in = kv_inst(&op->cx);
  for (kv_op_t **p = &in->streams; *p; p = &(*p)->next)
    if (*p == op) {
      *p = op->next;
      break;
    }
  free(op->data);
  free(op->bucket);
  free(op->key);
  free(op);
}

void kv_streams_drop(kv_instance_t *in) {
  while (in->streams) {
    kv_op_t *op = in->streams;
    in->streams = op->next;
    free(op->data);
    free(op->bucket);
    free(op->key);
    free(op);
  }
}

static kv_op_t *op_new(kv_ctx_t *cx, kv_op_kind_t kind) {
  kv_op_t *op = calloc(1, sizeof *op);
  if (!op) return NULL;
  op->kind = kind;
  op->cx = *cx;
  op->pin = wasi_keyvalue_instance(cx);
  kv_instance_t *in = kv_inst(cx);
  op->next = in->streams;
  in->streams = op;
  return op;
}

/* ------------------------------------------------------------------ read */

static void reader_next(kv_op_t *op);

static void reader_done(void *arg, int result, uint32_t count) {
  kv_op_t *op = arg;
  op->at += count;
  if (result != WASMPLUG_COPY_COMPLETED) op->at = op->len; /* the guest dropped its end */
  reader_next(op);
}

static void reader_next(kv_op_t *op) {
  const wasmplug_host_api_t *host = op->cx.host;
  if (op->at < op->len) {
    size_t n = op->len - op->at;
    if (n > UINT32_MAX) n = UINT32_MAX;
    if (!host->stream_write(op->pin, op->end, op->data + op->at, (uint32_t)n, reader_done, op)) return;
  }
  host->stream_drop(op->pin, op->end);
  op_unlink_free(op);
}

int wasmplug_keyvalue_streams_read(kv_ctx_t *cx, wasi_keyvalue_store_borrow_bucket_t bucket,
                                   const wasi_keyvalue_string_t *key,
                                   wasi_keyvalue_result_option_stream_u8_error_t *ret) {
  const kv_bucket_t *b = kv_bucket(cx, bucket.rep);
  if (!b) return wasi_keyvalue_trap(cx, "keyvalue-sqlite: unknown bucket rep %u", bucket.rep);
  bool found;
  uint8_t *val;
  size_t len;
  int rc = kv_read(cx, b->name, key->ptr, key->len, &found, &val, &len, true);
  if (rc != SQLITE_OK) {
    ret->is_err = true;
    return kv_sqlite_error(cx, rc, &ret->val.err);
  }
  if (!found) return 0; /* ok(none) */
  kv_op_t *op = op_new(cx, KV_READER);
  uint32_t r;
  if (!op || cx->host->stream_new(cx->call, 0, &r, &op->end)) {
    free(val);
    if (op) op_unlink_free(op);
    return wasi_keyvalue_trap(cx, "keyvalue-sqlite: cannot make a stream (out of memory)");
  }
  op->data = val;
  op->len = len;
  ret->val.ok.is_some = true;
  ret->val.ok.val = r;
  reader_next(op); /* a write waits in the host until the guest reads */
  return 0;
}

/* ------------------------------------------------------------------ write */

/* Completes the pending write call (the op goes). */
static void writer_finish(kv_op_t *op, int status) {
  const wasmplug_host_api_t *host = op->cx.host;
  wasmplug_plugin_call_t *call = op->cx.call;
  op_unlink_free(op);
  host->call_complete(call, status);
}

/* Ends the call with err(other(msg)), the guest's end dropped. */
static void writer_fail(kv_op_t *op, const char *msg) {
  op->cx.host->stream_drop(op->pin, op->end);
  op->ret->is_err = true;
  writer_finish(op, kv_other(&op->cx, &op->ret->val.err, msg) ? WASMPLUG_TRAP : WASMPLUG_OK);
}

static void writer_read(kv_op_t *op);

static void writer_done(void *arg, int result, uint32_t count) {
  kv_op_t *op = arg;
  op->len += count;
  if (op->cancelled || result == WASMPLUG_COPY_CANCELLED) {
    op->cx.host->stream_drop(op->pin, op->end);
    writer_finish(op, WASMPLUG_CANCELLED);
  } else if (result == WASMPLUG_COPY_DROPPED) {
    /* the guest wrote its last byte */
    op->cx.host->stream_drop(op->pin, op->end);
    int rc = op->len > op->max ? SQLITE_TOOBIG
                               : kv_write(kv_inst(&op->cx), op->bucket, op->key, op->klen, op->data, op->len);
    int status = WASMPLUG_OK;
    if (rc == SQLITE_TOOBIG) {
      op->ret->is_err = true;
      status = kv_other(&op->cx, &op->ret->val.err, "value too long") ? WASMPLUG_TRAP : WASMPLUG_OK;
    } else if (rc != SQLITE_OK) {
      op->ret->is_err = true;
      status = kv_sqlite_error(&op->cx, rc, &op->ret->val.err) ? WASMPLUG_TRAP : WASMPLUG_OK;
    } else {
      op->ret->val.ok = op->len;
    }
    writer_finish(op, status);
  } else {
    writer_read(op);
  }
}

/* Reads the next chunk into the buffer (grown as needed). */
static void writer_read(kv_op_t *op) {
  if (op->len > op->max) {
    writer_fail(op, "value too long");
    return;
  }
  if (op->cap - op->len < CHUNK) {
    size_t cap = op->cap ? op->cap * 2 : CHUNK;
    if (cap - op->len < CHUNK) cap = op->len + CHUNK;
    uint8_t *d = realloc(op->data, cap);
    if (!d) {
      writer_fail(op, "out of memory");
      return;
    }
    op->data = d;
    op->cap = cap;
  }
  if (op->cx.host->stream_read(op->pin, op->end, op->data + op->len, CHUNK, writer_done, op))
    writer_fail(op, "cannot read the stream");
}

int wasmplug_keyvalue_streams_write(kv_ctx_t *cx, wasi_keyvalue_store_borrow_bucket_t bucket,
                                    const wasi_keyvalue_string_t *key, wasi_keyvalue_stream_u8_t data,
                                    wasi_keyvalue_result_u64_error_t *ret) {
  const kv_bucket_t *b = kv_bucket(cx, bucket.rep);
  if (!b) return wasi_keyvalue_trap(cx, "keyvalue-sqlite: unknown bucket rep %u", bucket.rep);
  kv_instance_t *in = kv_inst(cx);
  if (in->plugin->read_only) {
    /* refused before a byte is read, as a write to the file would be */
    cx->host->stream_drop(wasi_keyvalue_instance(cx), data);
    ret->is_err = true;
    ret->val.err.tag = WASI_KEYVALUE_STORE_ERROR_ACCESS_DENIED;
    return 0;
  }
  kv_op_t *op = op_new(cx, KV_WRITER);
  if (!op || !(op->bucket = strdup(b->name)) || !(op->key = malloc(key->len + 1))) {
    if (op) op_unlink_free(op);
    return wasi_keyvalue_trap(cx, "keyvalue-sqlite: out of memory");
  }
  memcpy(op->key, key->ptr, key->len);
  op->klen = key->len;
  op->end = data;
  op->ret = ret;
  op->max = (size_t)sqlite3_limit(in->db, SQLITE_LIMIT_LENGTH, -1);
  if (op->max > in->plugin->max_value) op->max = (size_t)in->plugin->max_value;
  writer_read(op); /* completes the call at once if the read cannot start */
  return WASMPLUG_PENDING;
}

/* The guest cancelled a pending write: stop reading; the copy's callback
** completes the call as cancelled (nothing stored). */
void wasi_keyvalue_cancel(kv_ctx_t *cx) {
  for (kv_op_t *op = kv_inst(cx)->streams; op; op = op->next)
    if (op->kind == KV_WRITER && op->cx.call == cx->call) {
      op->cancelled = true;
      if (cx->host->stream_cancel(op->pin, op->end)) {
        /* no copy in progress: nothing will call back */
        cx->host->stream_drop(op->pin, op->end);
        writer_finish(op, WASMPLUG_CANCELLED);
      }
      return;
    }
}
