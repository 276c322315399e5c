/*
** async_plugin.c — a native plugin using the async plugin ABI (1.3), for
** tests/async/wast/plugin_*.wast: async functions completed later from a
** timer, from a worker thread through a waker, or cancelled through the
** cancel hook; a stream it writes and one it reads; a future it resolves;
** error contexts; a resource holding the writable end of a stream it
** gave out, which its destructor drops (also when the guest trapped and
** its instance is torn down).
*/
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasmplug/plugin.h"

static const wasmplug_host_api_t *host;

static const char wit[] =
    "package test:aplug@0.1.0;\n"
    "interface ops {\n"
    "  sleep-ms: async func(ms: u32) -> u32;\n"
    "  later: async func(s: string) -> string;\n"
    "  produce: func(n: u32) -> stream<u8>;\n"
    "  consume: async func(s: stream<u8>) -> u64;\n"
    "  forever: async func();\n"
    "  cancels: func() -> u32;\n"
    "  fail-later: async func();\n"
    "  promise: func(v: u32) -> future<u32>;\n"
    "  oops: func(msg: string) -> error-context;\n"
    "  message: func(e: error-context) -> string;\n"
    "  resource holder {\n"
    "    constructor();\n"
    "    take: func() -> stream<u8>;\n"
    "  }\n"
    "}\n";

typedef struct {
  uint8_t *ptr;
  size_t len;
} str_t;

typedef struct inst {
  uint32_t cancels;
  wasmplug_plugin_call_t *forever; /* the pending `forever` call */
  struct holder {                  /* holder reps are 1 + the index */
    wasmplug_plugin_instance_t *in;
    uint32_t w;                    /* the writable end it keeps, 0 if none */
  } holders[8];
  uint32_t nholders;
} inst_t;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int instance_new(void *ps, const wasmplug_plugin_config_t *c, void **out, const char **err) {
  (void)ps;
  (void)c;
  if (!WASMPLUG_HOST_HAS(host, call_complete)) {
    *err = "the host has no async plugin ABI (1.3)";
    return 1;
  }
  *out = calloc(1, sizeof(inst_t));
  return *out ? 0 : 1;
}

static void instance_drop(void *st) { free(st); }

/* sleep-ms: a timer completes it with its argument */
typedef struct {
  wasmplug_plugin_call_t *call;
  uint32_t *result, ms;
} sleep_t;

static void sleep_done(void *arg) {
  sleep_t *s = arg;
  *s->result = s->ms;
  wasmplug_plugin_call_t *call = s->call;
  free(s);
  host->call_complete(call, WASMPLUG_OK);
}

static int sleep_ms(void *st, wasmplug_plugin_call_t *call, const void *params, void *result) {
  (void)st;
  sleep_t *s = malloc(sizeof *s);
  if (!s) return host->trap(call, "out of memory");
  s->call = call;
  s->result = result;
  s->ms = *(const uint32_t *)params;
  if (!host->watch_time(host->call_instance(call), now_ns() + (uint64_t)s->ms * 1000000u, sleep_done, s)) {
    free(s);
    return host->trap(call, "watch_time failed");
  }
  return WASMPLUG_PENDING;
}

/* later: a worker thread reverses the string and wakes the loop */
typedef struct {
  wasmplug_plugin_call_t *call;
  wasmplug_plugin_waker_t *waker;
  str_t in, *out;
  char *buf;
  pthread_t th;
} later_t;

static void *later_work(void *arg) {
  later_t *l = arg;
  for (size_t i = 0; i < l->in.len; i++) l->buf[i] = (char)l->in.ptr[l->in.len - 1 - i];
  host->wake(l->waker);
  return NULL;
}

static void later_done(void *arg) {
  later_t *l = arg;
  pthread_join(l->th, NULL);
  l->out->ptr = (uint8_t *)l->buf;
  l->out->len = l->in.len;
  host->waker_delete(l->waker);
  wasmplug_plugin_call_t *call = l->call;
  free(l);
  host->call_complete(call, WASMPLUG_OK);
}

static int later(void *st, wasmplug_plugin_call_t *call, const void *params, void *result) {
  (void)st;
  later_t *l = calloc(1, sizeof *l);
  if (!l) return host->trap(call, "out of memory");
  l->call = call;
  l->in = *(const str_t *)params; /* params stay valid until the call completes */
  l->out = result;
  l->buf = host->alloc(call, l->in.len + 1, 1);
  l->waker = host->waker_new(host->call_instance(call), later_done, l);
  if (!l->buf || !l->waker || pthread_create(&l->th, NULL, later_work, l)) {
    if (l->waker) host->waker_delete(l->waker);
    free(l);
    return host->trap(call, "cannot start the worker");
  }
  return WASMPLUG_PENDING;
}

/* produce: writes 0, 1, ..., n-1 in chunks of up to 3, then drops the end */
typedef struct {
  wasmplug_plugin_instance_t *in;
  uint32_t w, n, at;
  uint8_t buf[3];
} producer_t;

static void produce_more(void *arg, int result, uint32_t count);

static void produce_next(producer_t *p) {
  if (p->at >= p->n) {
    host->stream_drop(p->in, p->w);
    free(p);
    return;
  }
  uint32_t k = p->n - p->at < 3 ? p->n - p->at : 3;
  for (uint32_t i = 0; i < k; i++) p->buf[i] = (uint8_t)(p->at + i);
  if (host->stream_write(p->in, p->w, p->buf, k, produce_more, p)) free(p);
}

static void produce_more(void *arg, int result, uint32_t count) {
  producer_t *p = arg;
  if (result == WASMPLUG_COPY_DROPPED) {
    host->stream_drop(p->in, p->w);
    free(p);
    return;
  }
  p->at += count;
  produce_next(p);
}

static int produce(void *st, wasmplug_plugin_call_t *call, const void *params, void *result) {
  (void)st;
  producer_t *p = calloc(1, sizeof *p);
  uint32_t r;
  if (!p) return host->trap(call, "out of memory");
  p->in = host->call_instance(call);
  p->n = *(const uint32_t *)params;
  if (host->stream_new(call, 0, &r, &p->w)) {
    free(p);
    return host->trap(call, "stream_new failed");
  }
  *(uint32_t *)result = r;
  produce_next(p); /* the first write waits for the guest to read */
  return WASMPLUG_OK;
}

/* consume: reads until the writer drops, completes with the sum */
typedef struct {
  wasmplug_plugin_call_t *call;
  wasmplug_plugin_instance_t *in;
  uint32_t r;
  uint64_t sum, *out;
  uint8_t buf[5];
} consumer_t;

static void consume_more(void *arg, int result, uint32_t count) {
  consumer_t *c = arg;
  for (uint32_t i = 0; i < count; i++) c->sum += c->buf[i];
  if (result == WASMPLUG_COPY_DROPPED || host->stream_read(c->in, c->r, c->buf, sizeof c->buf, consume_more, c)) {
    host->stream_drop(c->in, c->r);
    *c->out = c->sum;
    wasmplug_plugin_call_t *call = c->call;
    free(c);
    host->call_complete(call, WASMPLUG_OK);
  }
}

static int consume(void *st, wasmplug_plugin_call_t *call, const void *params, void *result) {
  (void)st;
  consumer_t *c = calloc(1, sizeof *c);
  if (!c) return host->trap(call, "out of memory");
  c->call = call;
  c->in = host->call_instance(call);
  c->r = *(const uint32_t *)params;
  c->out = result;
  if (host->stream_read(c->in, c->r, c->buf, sizeof c->buf, consume_more, c)) {
    free(c);
    return host->trap(call, "stream_read failed");
  }
  return WASMPLUG_PENDING;
}

/* forever: pending until cancelled */
static int forever(void *st, wasmplug_plugin_call_t *call, const void *params, void *result) {
  (void)params;
  (void)result;
  ((inst_t *)st)->forever = call;
  return WASMPLUG_PENDING;
}

static void cancel(void *st, wasmplug_plugin_call_t *call) {
  inst_t *in = st;
  in->cancels++;
  if (call == in->forever) {
    in->forever = NULL;
    host->call_complete(call, WASMPLUG_CANCELLED);
  }
}

static int cancels(void *st, wasmplug_plugin_call_t *call, const void *params, void *result) {
  (void)call;
  (void)params;
  *(uint32_t *)result = ((inst_t *)st)->cancels;
  return WASMPLUG_OK;
}

/* fail-later: traps from a timer */
static void fail_now(void *arg) {
  wasmplug_plugin_call_t *call = arg;
  host->trap(call, "failed later, as asked");
  host->call_complete(call, WASMPLUG_TRAP);
}

static int fail_later(void *st, wasmplug_plugin_call_t *call, const void *params, void *result) {
  (void)st;
  (void)params;
  (void)result;
  host->watch_time(host->call_instance(call), now_ns() + 1000000, fail_now, call);
  return WASMPLUG_PENDING;
}

/* promise: a future resolved by a timer */
typedef struct {
  wasmplug_plugin_instance_t *in;
  uint32_t w, v;
} promise_t;

static void promise_written(void *arg, int result, uint32_t count) {
  (void)result;
  (void)count;
  promise_t *p = arg;
  host->stream_drop(p->in, p->w);
  free(p);
}

static void promise_fire(void *arg) {
  promise_t *p = arg;
  if (host->stream_write(p->in, p->w, &p->v, 1, promise_written, p)) free(p);
}

static int promise(void *st, wasmplug_plugin_call_t *call, const void *params, void *result) {
  (void)st;
  promise_t *p = calloc(1, sizeof *p);
  uint32_t r;
  if (!p) return host->trap(call, "out of memory");
  p->in = host->call_instance(call);
  p->v = *(const uint32_t *)params;
  if (host->stream_new(call, 0, &r, &p->w)) {
    free(p);
    return host->trap(call, "stream_new failed");
  }
  host->watch_time(p->in, now_ns() + 2000000, promise_fire, p);
  *(uint32_t *)result = r;
  return WASMPLUG_OK;
}

static int oops(void *st, wasmplug_plugin_call_t *call, const void *params, void *result) {
  (void)st;
  const str_t *m = params;
  uint32_t h = host->error_context_new(host->call_instance(call), (const char *)m->ptr, m->len);
  if (!h) return host->trap(call, "error_context_new failed");
  *(uint32_t *)result = h;
  return WASMPLUG_OK;
}

static int message(void *st, wasmplug_plugin_call_t *call, const void *params, void *result) {
  (void)st;
  wasmplug_plugin_instance_t *in = host->call_instance(call);
  uint32_t h = *(const uint32_t *)params;
  size_t len = 0;
  const char *m = host->error_context_message(in, h, &len);
  if (!m) return host->trap(call, "no such error context %u", h);
  str_t *out = result;
  out->ptr = host->alloc(call, len + 1, 1);
  if (!out->ptr) return host->trap(call, "out of memory");
  memcpy(out->ptr, m, len);
  out->len = len;
  host->error_context_drop(in, h);
  return WASMPLUG_OK;
}

/* holder: keeps the writable end of the stream `take` gave out; its
** destructor drops it, and must be able to (the plugin's ends outlive
** every resource of the instance). */
static int holder_new(void *st, wasmplug_plugin_call_t *call, const void *params, void *result) {
  (void)params;
  inst_t *i = st;
  if (i->nholders == sizeof i->holders / sizeof i->holders[0]) return host->trap(call, "too many holders");
  i->holders[i->nholders] = (struct holder){NULL, 0};
  *(uint32_t *)result = ++i->nholders;
  return WASMPLUG_OK;
}

static int holder_take(void *st, wasmplug_plugin_call_t *call, const void *params, void *result) {
  inst_t *i = st;
  struct holder *h = &i->holders[*(const uint32_t *)params - 1];
  uint32_t r;
  if (h->w) return host->trap(call, "already taken");
  h->in = host->call_instance(call); /* a call with a stream has the async services */
  if (host->stream_new(call, 0, &r, &h->w)) return host->trap(call, "stream_new failed");
  *(uint32_t *)result = r;
  return WASMPLUG_OK;
}

static void holder_drop(void *st, uint32_t rep) {
  inst_t *i = st;
  struct holder *h = &i->holders[rep - 1];
  if (h->w && host->stream_drop(h->in, h->w)) {
    fprintf(stderr, "async_plugin: holder %u: stream_drop of its end failed\n", rep);
    abort();
  }
  h->w = 0;
}

static const wasmplug_plugin_resource_t resources[] = {{"test:aplug/ops#holder", holder_drop}};

static const wasmplug_plugin_func_t funcs[] = {
    {"test:aplug/ops#[constructor]holder", holder_new}, {"test:aplug/ops#[method]holder.take", holder_take},
    {"test:aplug/ops#sleep-ms", sleep_ms}, {"test:aplug/ops#later", later},
    {"test:aplug/ops#produce", produce},   {"test:aplug/ops#consume", consume},
    {"test:aplug/ops#forever", forever},   {"test:aplug/ops#cancels", cancels},
    {"test:aplug/ops#fail-later", fail_later}, {"test:aplug/ops#promise", promise},
    {"test:aplug/ops#oops", oops},         {"test:aplug/ops#message", message},
};

static const wasmplug_plugin_t descriptor = {
    .magic = WASMPLUG_PLUGIN_MAGIC,
    .abi_major = WASMPLUG_PLUGIN_ABI_MAJOR,
    .abi_minor = WASMPLUG_PLUGIN_ABI_MINOR,
    .size = sizeof(wasmplug_plugin_t),
    .min_host_minor = 3,
    .name = "async-test",
    .version = "0.1.0",
    .wit = wit,
    .funcs = funcs,
    .nfuncs = sizeof funcs / sizeof funcs[0],
    .resources = resources,
    .nresources = sizeof resources / sizeof resources[0],
    .instance_new = instance_new,
    .instance_drop = instance_drop,
    .cancel = cancel,
};

WASMPLUG_PLUGIN_ENTRY(h) {
  host = h;
  return &descriptor;
}
