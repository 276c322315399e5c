/*
** wasmplug/plugin.h — the native plugin ABI (stable, versioned).
**
** A native plugin is a shared object that implements WIT interfaces in C.
** It exports exactly one symbol, WASMPLUG_PLUGIN_ENTRY_NAME, of type
** wasmplug_plugin_entry_fn.  The host calls it once, handing over its
** API table, and gets back a const descriptor.  The plugin never links
** against wasmplug: everything it needs from the host is in the table
** (the SQLite loadable-extension model).
**
** Versioning.  Both structs start with their own size and the ABI version
** they were built against.  Fields are only ever appended, never moved or
** removed, and a new field always comes with a minor version bump:
**   - a different major version is refused (the message names both);
**   - a newer host loads plugins of any older minor: it reads only the
**     fields the plugin's descriptor `size` covers;
**   - a plugin built against a newer minor loads on an older host unless
**     its `min_host_minor` says it needs the newer host's additions; a
**     plugin checks `host->size` before using a host function added after
**     the minor it requires (WASMPLUG_HOST_HAS).
**
** Calling convention.  A plugin function receives its instance state, a
** call handle, a pointer to its parameters and a pointer to its result.
** Both are in the *native layout* of the canonical ABI layer (see
** docs/plugin-abi.md; the same shapes as wit-bindgen's C generator):
**   - params: a struct with one field per WIT parameter, in order, laid out
**     with natural C alignment (as a record of the parameters would be);
**   - result: storage for the result type's native layout, zeroed, or NULL
**     when the function returns nothing.
** Strings are { uint8_t *ptr; size_t len; } (UTF-8, also NUL-terminated on
** the way in), lists { T *ptr; size_t len; }, options { bool is_some; T val; },
** results { bool is_err; union { T ok; E err; } val; }, variants
** { uintN_t tag; union {...} val; }, enums/flags the smallest unsigned int,
** own/borrow handles a uint32_t resource representation ("rep") chosen by
** the plugin.
** Everything a plugin receives was validated and copied out of guest memory
** into a per-call arena first: a plugin never sees a pointer into the guest,
** and every string is valid UTF-8, every discriminant in range, every
** handle live and of the right type.  Memory a plugin returns through
** pointers in `result` (string and list contents) must come from
** host->alloc(call, ...) — it is freed when the call ends — or be static.
**
** Return WASMPLUG_OK, or the value of host->trap(call, "..."): the guest
** traps with that message, naming the plugin.  Errors the interface models
** (a WIT `result`'s err case) are returned normally in `result`.
**
** Resources.  A constructor (or any function returning own<R>) returns a
** rep; the host gives the guest a handle for it.  Methods receive the rep
** back.  The resource's destructor runs exactly once: when the guest drops
** its last owning handle, or when the guest instance is torn down.
**
** Threads.  Calls for one instance state never overlap; different guest
** instances may run on different threads at once, so state shared between
** instances (the plugin state) must be protected by the plugin.
**
** Async (ABI 1.3).  A function may return WASMPLUG_PENDING and complete
** the call later with host->call_complete (its params and result storage
** stay valid until then), so a guest using the async ABI keeps running.
** Streams and futures are uint32_t handles in the plugin instance's own
** table, read and written with host->stream_read/stream_write; completions
** come back as callbacks on the guest's thread from the host's event loop,
** which also watches file descriptors and timers for the plugin.  Several
** calls of one instance may be pending at once; none runs concurrently.
** See docs/plugin-abi.md, section 14.
*/
#ifndef WASMPLUG_PLUGIN_H
#define WASMPLUG_PLUGIN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WASMPLUG_PLUGIN_ABI_MAJOR 1
#define WASMPLUG_PLUGIN_ABI_MINOR 5
/* "WPLG": first field of every descriptor. */
#define WASMPLUG_PLUGIN_MAGIC 0x474c5057u

#define WASMPLUG_OK 0
#define WASMPLUG_TRAP 1
/* 1.3: returned by a function that completes its call later
** (host->call_complete); given to call_complete for a call the plugin
** gave up after a cancel request. */
#define WASMPLUG_PENDING 2
#define WASMPLUG_CANCELLED 3

/* 1.3: how a stream or future copy ended (wasmplug_copy_done_fn). */
#define WASMPLUG_COPY_COMPLETED 0 /* `count` elements moved (the other side may have more) */
#define WASMPLUG_COPY_DROPPED 1   /* the other end is gone (count may still be > 0) */
#define WASMPLUG_COPY_CANCELLED 2 /* host->stream_cancel took the buffer back */

/* One guest call in progress (opaque). */
typedef struct wasmplug_plugin_call wasmplug_plugin_call_t;
/* The configuration given to a plugin (opaque): `--plugin P,key=value`. */
typedef struct wasmplug_plugin_config wasmplug_plugin_config_t;
/* 1.3: the plugin's side of one guest instance (opaque): its stream and
** future ends, error contexts, event watches.  Valid from the first call
** until the guest instance is torn down (after instance_drop). */
typedef struct wasmplug_plugin_instance wasmplug_plugin_instance_t;
/* 1.3: wakes the guest's event loop from any thread (opaque). */
typedef struct wasmplug_plugin_waker wasmplug_plugin_waker_t;

/* 1.3: a stream or future copy finished: `result` is WASMPLUG_COPY_*,
** `count` the elements moved.  Runs on the guest's thread. */
typedef void (*wasmplug_copy_done_fn)(void *arg, int result, uint32_t count);

typedef enum wasmplug_log_level {
  WASMPLUG_LOG_ERROR = 0,
  WASMPLUG_LOG_WARN,
  WASMPLUG_LOG_INFO,
  WASMPLUG_LOG_DEBUG,
} wasmplug_log_level_t;

/* ------------------------------------------------------------ host table */

typedef struct wasmplug_host_api {
  uint32_t size; /* sizeof(wasmplug_host_api_t) as the host was built */
  uint16_t abi_major, abi_minor;
  const char *host_version; /* e.g. "0.1.0" */

  /* --- 1.0 --- */
  /* Allocates from the call's arena (freed when the call returns): use it
  ** for string and list contents placed in `result`.  NULL when the call's
  ** allocation budget is exhausted. */
  void *(*alloc)(wasmplug_plugin_call_t *call, size_t size, size_t align);
  /* Makes the call trap with a printf-formatted message; returns
  ** WASMPLUG_TRAP so a plugin can `return host->trap(call, ...)`. */
  int (*trap)(wasmplug_plugin_call_t *call, const char *fmt, ...);
  /* Logs on the host's log (stderr by default), prefixed by the plugin. */
  void (*log)(const wasmplug_plugin_config_t *plugin, wasmplug_log_level_t level,
              const char *fmt, ...);
  /* The value of config option `name` (the declared default when the user
  ** gave none; NULL when neither).  Values were checked against the
  ** option's declared type before init/instance_new ran. */
  const char *(*config_get)(const wasmplug_plugin_config_t *config, const char *name);
  /* The instance state of the call (the same pointer the function got). */
  void *(*call_state)(wasmplug_plugin_call_t *call);

  /* --- 1.1 --- */
  /* Ends the guest with exit status `status` (what wasi:cli/exit and
  ** proc_exit do): the guest does not resume, the host reports the status
  ** as the guest's.  Returns WASMPLUG_TRAP, so a plugin can
  ** `return host->exit(call, n)`. */
  int (*exit)(wasmplug_plugin_call_t *call, int status);
  /* The index in the descriptor's funcs[] of the function this call runs:
  ** one C function may serve several entries and tell them apart. */
  uint32_t (*call_func)(wasmplug_plugin_call_t *call);
  /* When the guest call must end (`--timeout`): CLOCK_MONOTONIC
  ** nanoseconds (wasmplug_monotonic_ns(), wasmplug/clock.h, is now on
  ** that clock), 0 when it has no time limit.  A plugin function that
  ** waits waits no longer than this.  At the deadline (and every 10 ms
  ** after it) the thread gets a signal that makes a blocking system call
  ** fail with EINTR: do not retry EINTR once the clock has reached the
  ** deadline, return (any error or trap; the guest call traps with
  ** "interrupt" whatever you answer).  In an isolated plugin's helper and
  ** a plugin server too: the time left came with the request (on the
  ** server's own clock).  See docs/plugin-abi.md, section 9. */
  uint64_t (*deadline)(wasmplug_plugin_call_t *call);

  /* --- 1.2 --- */
  /* Another plugin's C service for the same guest instance.  `self` and
  ** `instance_state` say who asks (your config and the instance state of
  ** the guest you serve, e.g. host->call_state(call)); the host finds the
  ** plugin that provides interface `iface` ("ns:pkg/name@version") to that
  ** guest and returns the table it lists under `name` in its descriptor's
  ** `services` (NULL when there is no such plugin, service, or instance;
  ** plugins without instance_new have no per-guest state to ask from).
  ** *provider_state is then the provider's instance state for the guest:
  ** the first argument of the service's functions.  The answer stays
  ** valid while the guest instance lives.  See wasmplug/io.h. */
  const void *(*service)(const wasmplug_plugin_config_t *self, void *instance_state, const char *iface,
                         const char *name, void **provider_state);

  /* --- 1.3: async functions, streams, futures, events --- */
  /* The plugin instance the call belongs to (keep it: streams, futures and
  ** completions outlive calls). */
  wasmplug_plugin_instance_t *(*call_instance)(wasmplug_plugin_call_t *call);
  /* Completes a call whose function returned WASMPLUG_PENDING: status is
  ** WASMPLUG_OK (`result` was filled), WASMPLUG_TRAP (after host->trap or
  ** host->exit on the call) or WASMPLUG_CANCELLED (after the descriptor's
  ** `cancel` hook asked).  The call handle is dead afterwards.  On the
  ** guest's thread only (a worker thread uses a waker). */
  void (*call_complete)(wasmplug_plugin_call_t *call, int status);
  /* A new stream or future of one of the stream/future types of the
  ** call's function: `which` counts them in the function's type, params
  ** then result, in the order they are written, the contents of a type
  ** (named or not) right after it: in f(x: stream<u8>) ->
  ** tuple<stream<string>, future<u32>>, 0 is stream<u8>, 1 stream<string>,
  ** 2 future<u32>.  Both ends are handles in the plugin instance's table:
  ** give the readable one to the guest (in `result`), keep the writable
  ** one.  Non-zero when there is no such type. */
  int (*stream_new)(wasmplug_plugin_call_t *call, uint32_t which, uint32_t *readable, uint32_t *writable);
  /* Starts a copy on an end: read n elements into buf, or write n elements
  ** from buf, in the element type's native layout (futures: n = 1).  `done`
  ** runs exactly once, later, from the event loop; buf must stay valid
  ** until then.  Strings and lists read are allocated by the host and stay
  ** valid until the next read on that end or its drop.  Non-zero (and no
  ** callback) when the handle is not such an end or a copy is in progress. */
  int (*stream_read)(wasmplug_plugin_instance_t *inst, uint32_t end, void *buf, uint32_t n,
                     wasmplug_copy_done_fn done, void *arg);
  int (*stream_write)(wasmplug_plugin_instance_t *inst, uint32_t end, const void *buf, uint32_t n,
                      wasmplug_copy_done_fn done, void *arg);
  /* Asks a copy in progress to stop: its `done` then reports CANCELLED (or
  ** how it ended if it already had). */
  int (*stream_cancel)(wasmplug_plugin_instance_t *inst, uint32_t end);
  /* Drops an end (not while a copy is in progress).  The guest on the other
  ** side sees DROPPED.  A future's writable end is dropped after writing. */
  int (*stream_drop)(wasmplug_plugin_instance_t *inst, uint32_t end);
  /* Error contexts: a new one with a message (for an error-context result),
  ** the message of one received (NUL-terminated, valid while the handle
  ** is), and its drop. */
  uint32_t (*error_context_new)(wasmplug_plugin_instance_t *inst, const char *msg, size_t len);
  const char *(*error_context_message)(wasmplug_plugin_instance_t *inst, uint32_t handle, size_t *len);
  void (*error_context_drop)(wasmplug_plugin_instance_t *inst, uint32_t handle);
  /* Event sources of the guest's event loop, for completing calls and
  ** copies: `cb` runs on the guest's thread.  watch_fd: whenever fd is
  ** ready for `events` (POLLIN/POLLOUT of <poll.h>), until unwatched.
  ** watch_time: once, at CLOCK_MONOTONIC `deadline_ns`.  0 on failure. */
  uint64_t (*watch_fd)(wasmplug_plugin_instance_t *inst, int fd, int events, void (*cb)(void *arg, int revents),
                       void *arg);
  uint64_t (*watch_time)(wasmplug_plugin_instance_t *inst, uint64_t deadline_ns, void (*cb)(void *arg), void *arg);
  void (*unwatch)(wasmplug_plugin_instance_t *inst, uint64_t id);
  /* A waker: wake(w) may be called from any thread, any number of times;
  ** `cb` then runs (at least once) on the guest's thread.  Delete it on the
  ** guest's thread when done. */
  wasmplug_plugin_waker_t *(*waker_new)(wasmplug_plugin_instance_t *inst, void (*cb)(void *arg), void *arg);
  void (*wake)(wasmplug_plugin_waker_t *waker);
  void (*waker_delete)(wasmplug_plugin_waker_t *waker);

  /* --- 1.4 --- */
  /* True once the guest call must end now: its deadline passed, or the
  ** embedder interrupted it (wasmplug_interrupt_handle_interrupt, what
  ** `serve` does past its --grace), with or without a time limit.  The
  ** thread then gets the deadline's signal (now, and every 10 ms), so a
  ** blocking system call fails with EINTR: a plugin function that waits
  ** and would retry EINTR asks this first and returns when it is true
  ** (any error or trap; the guest call traps with "interrupt").  A wait
  ** that asks only host->deadline is never woken by an interrupt without
  ** a time limit.  In an isolated plugin's helper process and a plugin
  ** server too: the host tells them, and the plugin's thread gets a
  ** signal of its own.  See docs/plugin-abi.md, section 9. */
  bool (*interrupted)(wasmplug_plugin_call_t *call);
} wasmplug_host_api_t;

/* True when the host's table is new enough to have `field`. */
#define WASMPLUG_HOST_HAS(host, field)                                      \
  ((host)->size >= offsetof(wasmplug_host_api_t, field) + sizeof((host)->field) && \
   (host)->field != NULL)

/* ------------------------------------------------------- the descriptor */

/* A function implementing one WIT function (see the calling convention). */
typedef int (*wasmplug_plugin_fn)(void *state, wasmplug_plugin_call_t *call,
                                  const void *params, void *result);

typedef struct wasmplug_plugin_func {
  /* "ns:pkg/iface#name" (the package version may be included:
  ** "ns:pkg/iface@1.2.3#name"), where name is the WIT function name or, for
  ** resources, "[constructor]r", "[method]r.m", "[static]r.f". */
  const char *name;
  wasmplug_plugin_fn fn;
} wasmplug_plugin_func_t;

/* 1.5: a function's flat entry (optional, beside its funcs[] entry): the
** same function with its parameters and result in registers, for the
** shapes a core-module guest calls most (scalar calls, resource methods):
**   uint32_t f(void *state, wasmplug_plugin_call_t *call, uint32_t p1, ...)
** one uint32_t per WIT parameter (at most 4), each an s32 or u32 (its
** bits) or a borrow<R> (its rep, checked live and of type R as always);
** the result (s32 or u32) returned, anything when the function has none.
** It fails only through host->trap or host->exit (their value returned
** is ignored).  The host calls it instead of `fn` where it can (a
** core-module guest's call), `fn` everywhere else: both must do the same.
** A flat entry for any other shape refuses the load.  Declare it as
** its own type and cast: (wasmplug_plugin_flat_fn)my_get. */
typedef void (*wasmplug_plugin_flat_fn)(void);

typedef struct wasmplug_plugin_flat {
  const char *name; /* as in funcs[]: "ns:pkg/iface#[method]r.m" */
  wasmplug_plugin_flat_fn fn;
} wasmplug_plugin_flat_t;

typedef struct wasmplug_plugin_resource {
  const char *name; /* "ns:pkg/iface#r" */
  /* Runs exactly once per rep handed out (may be NULL). */
  void (*drop)(void *state, uint32_t rep);
} wasmplug_plugin_resource_t;

/* A C interface one plugin offers others for the guests they share
** (host->service): `table` is a struct of functions whose layout the
** service's `name` defines, e.g. WASMPLUG_IO_SERVICE. */
typedef struct wasmplug_plugin_service {
  const char *name;
  const void *table;
} wasmplug_plugin_service_t;

typedef struct wasmplug_plugin_option {
  const char *name;          /* kebab-case: `--plugin P,name=value` */
  const char *type;          /* "string", "bool", "u64" or "path" */
  const char *default_value; /* NULL: no default */
  const char *doc;           /* one line, for `wasmplug wit P.so` */
} wasmplug_plugin_option_t;

typedef struct wasmplug_plugin {
  uint32_t magic; /* WASMPLUG_PLUGIN_MAGIC */
  uint16_t abi_major, abi_minor;
  uint32_t size; /* sizeof(wasmplug_plugin_t) as the plugin was built */
  /* The oldest host minor version this plugin works with. */
  uint16_t min_host_minor;
  uint16_t reserved;

  const char *name;    /* e.g. "keyvalue-sqlite" */
  const char *version; /* the plugin's own version */

  /* The WIT the plugin implements: one package (nested `package x { }`
  ** blocks may carry its dependencies), and the world inside it whose
  ** exports the plugin provides (NULL: every interface of the package). */
  const char *wit;
  const char *world;

  const wasmplug_plugin_func_t *funcs;
  uint32_t nfuncs;
  const wasmplug_plugin_resource_t *resources;
  uint32_t nresources;
  const wasmplug_plugin_option_t *options;
  uint32_t noptions;

  /* Once per load (may be NULL).  On entry *plugin_state is NULL for a
  ** plugin loaded from a file; a plugin linked into the embedding program
  ** finds there the `data` given to wasmplug_host_plugin_add (host.h).
  ** *plugin_state is passed to fini and
  ** instance_new.  A non-zero return refuses the load; the message, if
  ** any, is in *error (static storage). */
  int (*init)(const wasmplug_host_api_t *host, const wasmplug_plugin_config_t *config,
              void **plugin_state, const char **error);
  void (*fini)(void *plugin_state);
  /* Once per guest instance (may be NULL: state is then plugin_state). */
  int (*instance_new)(void *plugin_state, const wasmplug_plugin_config_t *config,
                      void **instance_state, const char **error);
  /* After every resource of the instance was dropped. */
  void (*instance_drop)(void *instance_state);

  /* --- 1.2 --- */
  /* Services this plugin offers other plugins (host->service). */
  const wasmplug_plugin_service_t *services;
  uint32_t nservices;

  /* --- 1.3 --- */
  /* The guest cancelled a call that is still pending: finish it soon
  ** (host->call_complete with any status; WASMPLUG_CANCELLED if it did
  ** nothing).  May be NULL: pending calls then run to their end. */
  void (*cancel)(void *state, wasmplug_plugin_call_t *call);

  /* --- 1.5 --- */
  /* Flat entries of functions of funcs[] (wasmplug_plugin_flat_t; may be
  ** NULL), and the size of one entry as the plugin was built
  ** (sizeof(wasmplug_plugin_flat_t): entries may grow fields later). */
  const wasmplug_plugin_flat_t *flat;
  uint32_t nflat;
  uint32_t flat_size;
} wasmplug_plugin_t;

/* The entry point every plugin exports (extern "C", default visibility). */
#define WASMPLUG_PLUGIN_ENTRY_NAME "wasmplug_plugin_entry"
typedef const wasmplug_plugin_t *(*wasmplug_plugin_entry_fn)(const wasmplug_host_api_t *host);

/* Declares the entry point: WASMPLUG_PLUGIN_ENTRY(host) { ... return &desc; } */
#if defined(__GNUC__)
#define WASMPLUG_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define WASMPLUG_PLUGIN_EXPORT
#endif
#define WASMPLUG_PLUGIN_ENTRY(host)                                         \
  WASMPLUG_PLUGIN_EXPORT const wasmplug_plugin_t *wasmplug_plugin_entry(   \
      const wasmplug_host_api_t *host)

#ifdef __cplusplus
}
#endif

#endif /* WASMPLUG_PLUGIN_H */
