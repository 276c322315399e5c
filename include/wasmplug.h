/*
** wasmplug.h — the embedding API of wasmplug.
**
** Naming follows wasmtime.h: wasmplug_<object>_<verb>.  Ownership is always
** explicit: an object returned by a function whose name ends in _new (or
** handed back through an `out` parameter of such a function) belongs to the
** caller, who releases it with the matching _delete.  Everything else is
** borrowed and lives as long as the object it was taken from.
**
** Errors are values: functions that can fail return a wasmplug_error_t*
** (NULL on success) that the caller deletes.  Guest traps are values too
** (wasmplug_trap_t*); they never unwind through the caller.
*/
#ifndef WASMPLUG_H
#define WASMPLUG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WASMPLUG_VERSION "0.1.0"
#define WASMPLUG_VERSION_MAJOR 0
#define WASMPLUG_VERSION_MINOR 1
#define WASMPLUG_VERSION_PATCH 0
#define WASMPLUG_VERSION_NUM \
  (WASMPLUG_VERSION_MAJOR * 10000 + WASMPLUG_VERSION_MINOR * 100 + WASMPLUG_VERSION_PATCH)

/* Marks the library's public functions: libwasmplug is built with hidden
** visibility and exports exactly these (all named wasmplug_*). */
#if defined(__GNUC__)
#define WASMPLUG_API __attribute__((visibility("default")))
#else
#define WASMPLUG_API
#endif

/* ------------------------------------------------------------------ errors */

typedef struct wasmplug_error wasmplug_error_t;

/* What went wrong, for an embedder to switch on (the message says it for
** a person: one line naming the thing and the place). */
typedef enum wasmplug_error_kind {
  WASMPLUG_ERROR_OTHER = 0,      /* none of the kinds below */
  WASMPLUG_ERROR_INVALID,        /* a bad argument, option or spec */
  WASMPLUG_ERROR_OUT_OF_MEMORY,
  WASMPLUG_ERROR_IO,             /* a file, directory or socket could not be used */
  WASMPLUG_ERROR_DECODE,         /* bytes that are not a valid module, component or WIT */
  WASMPLUG_ERROR_COMPILE,        /* compiling to native code failed */
  WASMPLUG_ERROR_LINK,           /* an import nothing satisfies (missing, other version, wrong type) */
  WASMPLUG_ERROR_PLUGIN,         /* a plugin could not be loaded, configured or started */
  WASMPLUG_ERROR_NOT_FOUND,      /* no such export (run, invoke) */
  WASMPLUG_ERROR_LIMIT,          /* a resource limit (wasmplug_store_limits_t) */
  WASMPLUG_ERROR_VERSION,        /* built against an incompatible wasmplug.h */
} wasmplug_error_kind_t;

/* A new error whose message is printf-formatted, of kind OTHER (OUT_OF_MEMORY
** when the message is "out of memory").  Never NULL: when even the error
** cannot be allocated, a static out-of-memory error comes back (deleting
** it is a no-op). */
WASMPLUG_API wasmplug_error_t *wasmplug_error_new(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
WASMPLUG_API wasmplug_error_t *wasmplug_error_new_kind(wasmplug_error_kind_t kind, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
WASMPLUG_API const char *wasmplug_error_message(const wasmplug_error_t *err);
WASMPLUG_API wasmplug_error_kind_t wasmplug_error_kind(const wasmplug_error_t *err);
/* "link", "out of memory", ... */
WASMPLUG_API const char *wasmplug_error_kind_name(wasmplug_error_kind_t kind);
/* Puts printf-formatted text before err's message (its kind stays);
** returns err, for `return wasmplug_error_prefix(e, "%s: ", file);`. */
WASMPLUG_API wasmplug_error_t *wasmplug_error_prefix(wasmplug_error_t *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
WASMPLUG_API void wasmplug_error_delete(wasmplug_error_t *err);

/* ------------------------------------------------------------------- traps */

typedef enum wasmplug_trap_kind {
  WASMPLUG_TRAP_UNREACHABLE = 1,
  WASMPLUG_TRAP_MEMORY_OUT_OF_BOUNDS,
  WASMPLUG_TRAP_TABLE_OUT_OF_BOUNDS,
  WASMPLUG_TRAP_INDIRECT_CALL_TYPE_MISMATCH, /* or a null table entry */
  WASMPLUG_TRAP_INTEGER_DIVIDE_BY_ZERO,
  WASMPLUG_TRAP_INTEGER_OVERFLOW,
  WASMPLUG_TRAP_BAD_CONVERSION_TO_INTEGER,
  WASMPLUG_TRAP_STACK_OVERFLOW,
  WASMPLUG_TRAP_INTERRUPT,      /* the watchdog's or the epoch deadline passed */
  WASMPLUG_TRAP_HOST,           /* a host function (or plugin) failed */
  WASMPLUG_TRAP_EXIT,           /* the guest asked to exit (proc_exit) */
  WASMPLUG_TRAP_CANON,          /* canonical ABI validation failed */
  WASMPLUG_TRAP_OUT_OF_FUEL,    /* the call used up its fuel (wasmplug_config_fuel_set) */
  WASMPLUG_TRAP_ATOMIC,         /* threads: an unaligned atomic access, an impossible wait */
} wasmplug_trap_kind_t;

typedef struct wasmplug_trap wasmplug_trap_t;

/* A trap raised by host code; the message is copied. */
WASMPLUG_API wasmplug_trap_t *wasmplug_trap_new(wasmplug_trap_kind_t kind, const char *msg);
/* The same with a printf-formatted message. */
WASMPLUG_API wasmplug_trap_t *wasmplug_trap_newf(wasmplug_trap_kind_t kind, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* An identical trap (kind, message, exit status); NULL when out of memory. */
WASMPLUG_API wasmplug_trap_t *wasmplug_trap_copy(const wasmplug_trap_t *trap);
/* The trap that carries a guest's exit status (proc_exit, cli exit). */
WASMPLUG_API wasmplug_trap_t *wasmplug_trap_new_exit(int status);
WASMPLUG_API wasmplug_trap_kind_t wasmplug_trap_kind(const wasmplug_trap_t *trap);
/* Short, stable name of a trap kind ("unreachable", "memory out of bounds"...). */
WASMPLUG_API const char *wasmplug_trap_kind_name(wasmplug_trap_kind_t kind);
/* Full message, e.g. "wasm trap: integer divide by zero". */
WASMPLUG_API const char *wasmplug_trap_message(const wasmplug_trap_t *trap);
/* True (and *status set) when the trap is an exit request. */
WASMPLUG_API bool wasmplug_trap_exit_status(const wasmplug_trap_t *trap, int *status);
WASMPLUG_API void wasmplug_trap_delete(wasmplug_trap_t *trap);

/* The wasm backtrace of a trap: the wasm functions it unwound, innermost
** first, as `wasmtime run` prints them.  `module` is the module's name
** (its name section's, else the name it was compiled under), `func` the
** function's name from the name section (NULL without one), `offset` the
** function's code offset in the module.  Traps made by host code, or with
** WASMPLUG_BACKTRACE=0 in the environment, have none; so has code from
** the wasm2c translator.  A trap raised in a host function called by the
** guest (a plugin's, WASI's) has the guest's frames below that call.  An
** exit request (wasmplug_trap_exit_status) is not a failure and has none. */
typedef struct wasmplug_frame {
  const char *module;
  const char *func;
  uint32_t func_index; /* in the module's function index space */
  uint32_t offset;
} wasmplug_frame_t;
WASMPLUG_API size_t wasmplug_trap_frame_count(const wasmplug_trap_t *trap);
WASMPLUG_API const wasmplug_frame_t *wasmplug_trap_frame(const wasmplug_trap_t *trap, size_t i);
/* The backtrace as text, one frame a line ("    0:   0x1b5 - app.wasm!main"),
** after a "wasm backtrace:" line (malloc'ed; NULL when there is none). */
WASMPLUG_API char *wasmplug_trap_backtrace(const wasmplug_trap_t *trap);

/* ----------------------------------------------------------- engine/config */

typedef enum wasmplug_tier {
  /* Use the cached optimized artifact when there is one, else baseline. */
  WASMPLUG_TIER_AUTO = 0,
  /* libtcc, in memory: fast to start, slower to run. */
  WASMPLUG_TIER_BASELINE,
  /* The system C compiler at -O2, cached on disk by content hash. */
  WASMPLUG_TIER_OPTIMIZED,
} wasmplug_tier_t;

typedef struct wasmplug_config wasmplug_config_t;

WASMPLUG_API wasmplug_config_t *wasmplug_config_new(void);
WASMPLUG_API void wasmplug_config_delete(wasmplug_config_t *config);
WASMPLUG_API void wasmplug_config_tier_set(wasmplug_config_t *config, wasmplug_tier_t tier);
/* Background tier-up (default off; `wasmplug run|serve --tier-up`): when a
** module starts on the baseline tier because the cache holds no optimized
** code for it (tier AUTO), a detached low-priority process (nice 19, its
** own process group, killed with its compilers after 30 minutes) builds the
** optimized tier and stores it in the cache, so the next
** wasmplug_module_new of the same bytes loads it.  It may outlive this
** process; it is not this process's child (nothing to reap); a builder
** killed midway leaves no cache entry.  $WASMPLUG_TIER_UP=1|0 overrides. */
WASMPLUG_API void wasmplug_config_tier_up_set(wasmplug_config_t *config, bool yes);
/* NULL restores the default ($WASMPLUG_CACHE_DIR, $XDG_CACHE_HOME/wasmplug,
** ~/.cache/wasmplug). */
WASMPLUG_API void wasmplug_config_cache_dir_set(wasmplug_config_t *config, const char *dir);
/* Wall-clock limit for one call into the guest, in milliseconds; 0 = none.
** When it passes, the guest traps with WASMPLUG_TRAP_INTERRUPT. */
WASMPLUG_API void wasmplug_config_timeout_set(wasmplug_config_t *config, uint64_t ms);
/* Fuel: deterministic interruption (like Wasmtime's fuel).  With fuel
** set, guest code is compiled with checks that take one unit at every
** function entry (tail calls included) and at every loop iteration (a
** loop's header) -- not one per instruction as in Wasmtime -- and each
** call from the host into the guest (the outermost one on a thread: guest
** calls made from host functions inside it share its fuel, as do the
** fibers of wasmplug_engine_call_limited) starts with `fuel` units; the
** check that finds none left traps with WASMPLUG_TRAP_OUT_OF_FUEL ("all
** fuel consumed by WebAssembly"; the trap's backtrace names the function),
** at the same point on every run and on both tiers.  Host code is not
** metered: the time limit above is still the wall-clock limit, and both
** can be set.  0 (the default) compiles no checks.  The checks are part of
** the cache key; wasm2c's code has none (such an engine refuses
** WASMPLUG_TRANSLATOR=wasm2c). */
WASMPLUG_API void wasmplug_config_fuel_set(wasmplug_config_t *config, uint64_t fuel);
/* Fuel left on this thread: inside a guest call (a host function), what the
** running call has left; after one, what the last outermost call left (0
** when it trapped for want of fuel).  INT64_MAX when that call had no fuel
** limit. */
WASMPLUG_API int64_t wasmplug_call_fuel(void);
/* Sets the fuel left to the guest call running on this thread (from a host
** function: to add to it, or to make the guest stop at its next check with
** 0).  False, and nothing done, outside a call or in a call without fuel. */
WASMPLUG_API bool wasmplug_call_fuel_set(uint64_t fuel);
/* Epoch interruption (like Wasmtime's epoch_interruption): the engine has
** an epoch counter, which any thread may advance with
** wasmplug_engine_increment_epoch (a timer thread, typically); with a
** deadline of `ticks` set, code is compiled with checks at the same places
** as fuel's (function entries and loop headers), each outermost guest call
** gets the deadline "epoch at its start + ticks", and the first check
** after the epoch reached it traps with WASMPLUG_TRAP_INTERRUPT ("the call
** reached its epoch deadline").  For an embedder keeping its own clock;
** not deterministic (fuel is).  0 (the
** default) compiles no checks; part of the cache key, like fuel. */
WASMPLUG_API void wasmplug_config_epoch_deadline_set(wasmplug_config_t *config, uint64_t ticks);
/* From a host function: the running call's deadline becomes the current
** epoch + ticks.  False outside a call or without epoch interruption. */
WASMPLUG_API bool wasmplug_call_epoch_deadline_set(uint64_t ticks);
/* Deadlines: how host code honours the time limit.  Guest code is stopped
** at the deadline wherever it is; host code (host functions, plugins,
** WASI) is never unwound, so it must stop blocking by itself:
**   - at the deadline, and every 10 ms after it until the guest call
**     returns, the thread that runs the call receives the watchdog signal,
**     whose handler does not restart system calls: a blocking system call
**     (read from a pipe, poll, a sleep, open of a FIFO...) fails with EINTR;
**   - host code must not retry EINTR once wasmplug_call_interrupted() is
**     true: it returns (any error will do) and the guest call traps with
**     WASMPLUG_TRAP_INTERRUPT, whatever the host function answered;
**   - waits that take a timeout wait no longer than wasmplug_call_deadline().
** Both read the calling thread's state: call them from the thread that
** runs the guest (host functions always are).  Plugins get the deadline
** as host->deadline (wasmplug/plugin.h). */
/* When the guest call running on this thread must end: CLOCK_MONOTONIC
** nanoseconds (now on that clock: wasmplug_monotonic_ns, wasmplug/clock.h),
** 0 when it has no time limit (or no call is running). */
WASMPLUG_API uint64_t wasmplug_call_deadline(void);
/* True once the deadline of the guest call running on this thread passed
** (or the call was interrupted through its thread's interrupt handle). */
WASMPLUG_API bool wasmplug_call_interrupted(void);
/* Interrupt handles (after Wasmtime's wasmtime_interrupt_handle): a way to
** end, from any thread, the guest call another thread is running now --
** for a server stopping with guests that compute forever and no time
** limit.  The handle is made on the thread whose calls it ends, and ends
** them with the time limit's mechanism: the thread's watchdog signal,
** delivered now and every 10 ms until the call returns, so guest code
** traps with WASMPLUG_TRAP_INTERRUPT wherever it is and host code sees
** wasmplug_call_interrupted() true and its blocking system calls fail with
** EINTR (see "Deadlines" above).  It covers the outermost guest calls the
** thread has begun and not finished (any engine; the guest calls made from
** host code inside them and the fibers they run included): the one running
** now at once, and those of fibers with limits of their own
** (wasmplug_fiber_new_limited) that are switched out when they run again
** -- an interrupt is never lost because its call was switched out; a call
** started after wasmplug_interrupt_handle_interrupt returned is not
** affected.  A thread with a handle pays three atomic stores per outermost
** call; others nothing.
** Another _new on the same thread gives the same handle (counted). */
typedef struct wasmplug_interrupt_handle wasmplug_interrupt_handle_t;
WASMPLUG_API wasmplug_error_t *wasmplug_interrupt_handle_new(wasmplug_interrupt_handle_t **out);
/* Ends the guest calls the handle's thread has begun (above); true when
** one ran or was switched out (it traps soon after, or as soon as it runs
** again), false when none was open or the thread has exited.  From any
** thread (not from a signal handler). */
WASMPLUG_API bool wasmplug_interrupt_handle_interrupt(wasmplug_interrupt_handle_t *handle);
/* From any thread; the handle may outlive its thread (it then ends
** nothing). */
WASMPLUG_API void wasmplug_interrupt_handle_delete(wasmplug_interrupt_handle_t *handle);
/* Resource limits: how much one guest may make the runtime hold (after
** Wasmtime's StoreLimits).  Every field has a default (below); reaching a
** limit is a clear error or trap naming it, never a crash.  UINT64_MAX
** lifts a limit; 0 in wasmplug_config_limits_set keeps the default.
**   memory_bytes       per linear memory: one whose initial size is larger
**                      fails to instantiate; memory.grow past it returns -1
**                      (default 4 GiB: everything a 32-bit memory can hold)
**   table_elements     per table, likewise (default 10,000,000)
**   instances          core module instances one component instance may
**                      create, nested components included (default 10,000)
**   handles            resource handles per handle table (default 1,000,000)
**   host_memory_bytes  host memory one call may make the runtime allocate
**                      on the guest's behalf: values lifted out of the
**                      guest, plugin call arenas (default 128 MiB) */
typedef struct wasmplug_store_limits {
  uint32_t size; /* sizeof(wasmplug_store_limits_t) */
  uint32_t reserved;
  uint64_t memory_bytes;
  uint64_t table_elements;
  uint64_t instances;
  uint64_t handles;
  uint64_t host_memory_bytes;
} wasmplug_store_limits_t;
/* Fills *out with the defaults. */
WASMPLUG_API void wasmplug_store_limits_default(wasmplug_store_limits_t *out);
/* Copies the non-zero fields of `src` (its first src->size bytes) into *dst. */
WASMPLUG_API void wasmplug_store_limits_merge(wasmplug_store_limits_t *dst, const wasmplug_store_limits_t *src);
/* Sets the limits of every instance made with the engine (a field 0 keeps
** its default; only the first `limits->size` bytes are read). */
WASMPLUG_API void wasmplug_config_limits_set(wasmplug_config_t *config, const wasmplug_store_limits_t *limits);
/* Artifacts (`wasmplug compile`, wasmplug_module_serialize) carry native
** code that runs with all of the embedder's rights: wasmplug_module_new
** refuses them unless this is set (like `wasmtime run --allow-precompiled`).
** Set it only for artifacts you made or trust. */
WASMPLUG_API void wasmplug_config_allow_precompiled_set(wasmplug_config_t *config, bool yes);
/* Called while a module compiles to native code (progress indication):
** `what` names the module and the tier ("NAME (baseline tier)" or
** "NAME (optimized tier)", then how many C units there are); done is 1 at
** the end of a compile that reported progress. */
typedef void (*wasmplug_progress_t)(void *data, const char *what, int done);
WASMPLUG_API void wasmplug_config_progress_set(wasmplug_config_t *config,
                                  wasmplug_progress_t cb, void *data);

typedef struct wasmplug_engine wasmplug_engine_t;

/* wasmplug_engine_new(config, &engine) (defined below, after the types):
** takes a copy of `config` (which may be NULL for defaults).  It is the
** first call of every embedder, so it also checks, as Lua's
** luaL_checkversion does, that the program was compiled against a
** wasmplug.h this library can serve: the same version (same major, and
** while the major is 0 the same minor) and the same sizes of the structs
** passed by value.  A mismatch is a WASMPLUG_ERROR_VERSION error naming
** both versions. */
WASMPLUG_API wasmplug_error_t *wasmplug_engine_new_checked(const wasmplug_config_t *config, wasmplug_engine_t **out,
                                                        uint32_t header_version, uint64_t header_sizes);
/* The library's version ("0.1.0"), which may be newer than the header's. */
WASMPLUG_API const char *wasmplug_version(void);
WASMPLUG_API void wasmplug_engine_delete(wasmplug_engine_t *engine);
/* The directory of the optimized tier's cache (borrowed). */
WASMPLUG_API const char *wasmplug_engine_cache_dir(const wasmplug_engine_t *engine);
/* True when the cache's entries are authenticated by a secret no file
** system holds (the kernel keyring): a guest that can write to the cache
** directory can then only make entries fail verification (they are
** rebuilt).  False when the secret had to be a file in the cache
** directory: never give a guest a directory that covers the cache then
** (wasmplug's host refuses to).  See docs/security.md. */
WASMPLUG_API bool wasmplug_engine_cache_sealed(wasmplug_engine_t *engine);
/* The engine's limits (borrowed; fields all set). */
WASMPLUG_API const wasmplug_store_limits_t *wasmplug_engine_limits(const wasmplug_engine_t *engine);
/* Runs fn(arg) on this thread as one guest call under the engine's time
** limit: for a host that drives async calls from its own event loop
** (wasmplug_component_call_start, _call_wait, _instance_run_until), whose
** guest code runs on fibers the limit of no single call covers.  Guest code
** reached from fn traps with WASMPLUG_TRAP_INTERRUPT at the deadline;
** host code sees it through wasmplug_call_interrupted().  Returns a trap
** that unwound to here, or NULL. */
WASMPLUG_API wasmplug_trap_t *wasmplug_engine_call_limited(const wasmplug_engine_t *engine, void (*fn)(void *arg),
                                                          void *arg);
/* Advances the engine's epoch by one (atomically; from any thread, signal
** handlers included) and returns the new value.  See
** wasmplug_config_epoch_deadline_set. */
WASMPLUG_API uint64_t wasmplug_engine_increment_epoch(wasmplug_engine_t *engine);

/* ------------------------------------------------------------------- types */

typedef enum wasmplug_valkind {
  WASMPLUG_I32 = 0,
  WASMPLUG_I64,
  WASMPLUG_F32,
  WASMPLUG_F64,
  WASMPLUG_V128,
  WASMPLUG_FUNCREF,
  WASMPLUG_EXTERNREF,
} wasmplug_valkind_t;

/* The text format's name of a kind ("i32", "funcref"...; "?" for none). */
WASMPLUG_API const char *wasmplug_valkind_name(wasmplug_valkind_t kind);

/* A core value as passed to and from host functions: the kind is known from
** the function type, so the union carries no tag. */
typedef union wasmplug_val_raw {
  int32_t i32;
  int64_t i64;
  float f32;
  double f64;
  void *ref;
} wasmplug_val_raw_t;

typedef struct wasmplug_val {
  wasmplug_valkind_t kind;
  wasmplug_val_raw_t of;
} wasmplug_val_t;

typedef struct wasmplug_functype {
  uint32_t nparams, nresults;
  const wasmplug_valkind_t *params;
  const wasmplug_valkind_t *results;
} wasmplug_functype_t;

typedef enum wasmplug_externkind {
  WASMPLUG_EXTERN_FUNC = 0,
  WASMPLUG_EXTERN_TABLE,
  WASMPLUG_EXTERN_MEMORY,
  WASMPLUG_EXTERN_GLOBAL,
  WASMPLUG_EXTERN_TAG,
} wasmplug_externkind_t;

typedef struct wasmplug_limits {
  uint64_t min;
  uint64_t max; /* UINT64_MAX when absent */
} wasmplug_limits_t;

/* Describes one import or export of a module.  `func` is valid for
** functions, `limits` for tables and memories (`elem` for tables),
** `global_type`/`global_mutable` for globals. */
typedef struct wasmplug_externtype {
  wasmplug_externkind_t kind;
  wasmplug_functype_t func;
  wasmplug_limits_t limits;
  wasmplug_valkind_t elem;
  wasmplug_valkind_t global_type;
  bool global_mutable;
} wasmplug_externtype_t;

/* The sizes wasmplug_engine_new checks (one byte each). */
#define WASMPLUG_HEADER_SIZES                                                    \
  ((uint64_t)sizeof(wasmplug_val_t) | (uint64_t)sizeof(wasmplug_functype_t) << 8 | \
   (uint64_t)sizeof(wasmplug_externtype_t) << 16 | (uint64_t)sizeof(wasmplug_limits_t) << 24 | \
   (uint64_t)sizeof(wasmplug_val_raw_t) << 32 | (uint64_t)sizeof(wasmplug_store_limits_t) << 40)

static inline wasmplug_error_t *wasmplug_engine_new(const wasmplug_config_t *config, wasmplug_engine_t **out) {
  return wasmplug_engine_new_checked(config, out, WASMPLUG_VERSION_NUM, WASMPLUG_HEADER_SIZES);
}

/* ----------------------------------------------------------------- modules */

typedef struct wasmplug_module wasmplug_module_t;

/* Names of imports and exports are UTF-8 C strings here.  Wasm allows
** U+0000 in a name: this API spells it as the two bytes C0 80 ("modified
** UTF-8"), which valid UTF-8 never holds, so every name keeps one spelling
** and distinct names stay distinct (export "a\0b" is looked up as
** "a\xc0\x80b"). */

/* Decodes, validates and compiles `bytes` (core Wasm, or an artifact written
** by wasmplug_module_serialize / `wasmplug compile`).  `name` names the
** module in error messages (usually its file name).  Errors say the name,
** the byte offset and what is wrong. */
WASMPLUG_API wasmplug_error_t *wasmplug_module_new(wasmplug_engine_t *engine,
                                      const uint8_t *bytes, size_t len,
                                      const char *name,
                                      wasmplug_module_t **out);
/* Decodes and validates core Wasm `bytes` (every rule of the core spec,
** function bodies included) without compiling anything.  NULL when valid;
** otherwise an error (WASMPLUG_ERROR_DECODE) naming `name`, the offset and
** the rule.  A proposal the engine cannot run is not an error here
** (wasmplug_module_new refuses it, naming the proposal). */
WASMPLUG_API wasmplug_error_t *wasmplug_module_validate(const uint8_t *bytes, size_t len,
                                                        const char *name);
/* The same, or, where the engine's cache holds a validation ticket for
** exactly these bytes that verifies (written when this build's validator
** passed them and their code was cached; MAC'd under the cache's secret:
** docs/security.md), that ticket instead of validating again. */
WASMPLUG_API wasmplug_error_t *wasmplug_engine_validate_module(wasmplug_engine_t *engine, const uint8_t *bytes,
                                                               size_t len, const char *name);
WASMPLUG_API void wasmplug_module_delete(wasmplug_module_t *module);
/* Which tier this module's code came from. */
WASMPLUG_API wasmplug_tier_t wasmplug_module_tier(const wasmplug_module_t *module);
/* Waits for the background tier-up build this module started (if any):
** true when it ended with the module's optimized code in the cache, false
** when none was started, or it failed or was killed. */
WASMPLUG_API bool wasmplug_module_tier_up_wait(wasmplug_module_t *module);
/* Hot-first tier-up (docs/engine.md): a large module's tier-up builder
** first compiles the functions an earlier baseline run called, into a hot
** object the next start on the baseline tier loads beside its code.  The
** number of functions whose optimized code this module runs that way (0:
** none), their indices (index space, ascending; owned by the module) in
** *indices, and in *note why hot code in the cache was refused, or NULL.
** With $WASMPLUG_TIER_UP_HOT=1 modules of any size go hot-first, with
** "only" the builder stops after the hot object, with 0 never.  Its
** wait (wasmplug_module_tier_up_wait) is true when the whole module's
** code, or with "only" the hot object, is in the cache. */
WASMPLUG_API size_t wasmplug_module_hot_functions(const wasmplug_module_t *module, const uint32_t **indices,
                                                  const char **note);
/* Compiles the optimized tier now (if not cached) and stores it in the cache. */
WASMPLUG_API wasmplug_error_t *wasmplug_module_optimize(wasmplug_module_t *module);
/* Writes a self-contained artifact (optimized code + the original bytes) that
** wasmplug_module_new accepts. */
WASMPLUG_API wasmplug_error_t *wasmplug_module_serialize(wasmplug_module_t *module,
                                            const char *path);
/* The same artifact in memory (malloc'ed into *out; the caller frees it). */
WASMPLUG_API wasmplug_error_t *wasmplug_module_serialize_bytes(wasmplug_module_t *module, uint8_t **out,
                                                  size_t *len);

WASMPLUG_API size_t wasmplug_module_import_count(const wasmplug_module_t *module);
/* Borrowed strings; false if i is out of range. */
WASMPLUG_API bool wasmplug_module_import(const wasmplug_module_t *module, size_t i,
                            const char **module_name, const char **name,
                            wasmplug_externtype_t *type);
WASMPLUG_API size_t wasmplug_module_export_count(const wasmplug_module_t *module);
WASMPLUG_API bool wasmplug_module_export(const wasmplug_module_t *module, size_t i,
                            const char **name, wasmplug_externtype_t *type);

/* True if the bytes start like a core module (not a component). */
WASMPLUG_API bool wasmplug_bytes_is_core_module(const uint8_t *bytes, size_t len);
WASMPLUG_API bool wasmplug_bytes_is_component(const uint8_t *bytes, size_t len);

/* --------------------------------------------------------------- instances */

typedef struct wasmplug_instance wasmplug_instance_t;
typedef struct wasmplug_memory wasmplug_memory_t;
typedef struct wasmplug_table wasmplug_table_t;
typedef struct wasmplug_global wasmplug_global_t;
/* An exception tag (exception handling) exported by an instance; it keeps
** its identity when defined into another linker. */
typedef struct wasmplug_tag wasmplug_tag_t;
typedef struct wasmplug_func wasmplug_func_t;

/* What a host function sees of its caller. */
typedef struct wasmplug_caller wasmplug_caller_t;
WASMPLUG_API wasmplug_instance_t *wasmplug_caller_instance(wasmplug_caller_t *caller);
/* The caller's memory export named "memory" (or its only memory), or NULL. */
WASMPLUG_API wasmplug_memory_t *wasmplug_caller_memory(wasmplug_caller_t *caller);

/* A host function.  `args_and_results` holds the parameters on entry and must
** hold the results on return (sized max(nparams, nresults)).  Return NULL, or a
** trap (owned by the runtime from then on) to make the guest trap. */
typedef wasmplug_trap_t *(*wasmplug_func_callback_t)(
    void *env, wasmplug_caller_t *caller, wasmplug_val_raw_t *args_and_results,
    size_t nargs_and_results);

typedef struct wasmplug_linker wasmplug_linker_t;

WASMPLUG_API wasmplug_linker_t *wasmplug_linker_new(wasmplug_engine_t *engine);
WASMPLUG_API void wasmplug_linker_delete(wasmplug_linker_t *linker);
/* Defines module.name as a host function.  `type` is copied.  `finalizer`
** (may be NULL) is called on `env` once the linker and every instance using
** the function are deleted.  When this returns an error, nothing was
** defined and the finalizer is not called: `env` is still the caller's. */
WASMPLUG_API wasmplug_error_t *wasmplug_linker_define_func(
    wasmplug_linker_t *linker, const char *module, const char *name,
    const wasmplug_functype_t *type, wasmplug_func_callback_t cb, void *env,
    void (*finalizer)(void *));
/* A direct host function (for callers that want no value array, e.g. the
** plugin loader's specialised call paths): the importing instance's code
** calls `direct` itself, as a C function of the import's core signature,
**   R direct(wasmplug_direct_call_t *call, P1 a1, P2 a2, ...)
** where i32 is int32_t, i64 int64_t, f32 float, f64 double, R void when
** the type has no result; at most one result, no v128 or reference types
** (an error otherwise).  The function must bracket everything that is
** not its own code (anything that may block, take a lock or allocate)
** with wasmplug_direct_enter() and wasmplug_direct_leave(trap): the
** runtime's signals (time limits, faults) unwind guest code only, never
** code between the two.  wasmplug_direct_leave(NULL) returns, unless the
** call's time limit expired meanwhile; with a trap (owned by the runtime
** from then on) it unwinds the guest and does not return.  `env` and
** `finalizer` as for wasmplug_linker_define_func. */
typedef struct wasmplug_direct_call {
  void *env;                 /* as defined */
  wasmplug_caller_t *caller; /* the calling instance */
} wasmplug_direct_call_t;
WASMPLUG_API wasmplug_error_t *wasmplug_linker_define_func_direct(
    wasmplug_linker_t *linker, const char *module, const char *name,
    const wasmplug_functype_t *type, void *direct, void *env, void (*finalizer)(void *));
/* The two are inline (a direct call costs a few nanoseconds; two calls
** were a third of it): they write the calling thread's marks, which the
** runtime's signal handlers and time limits read.  Guest code runs only
** with in_host 0, so a direct function entered from it sets 1 and clears
** it again (the brackets do not nest).  Only the engine changes the
** other fields; gcc and clang only (tcc has no thread-local storage). */
#if defined(__GNUC__) && !defined(__TINYC__)
typedef struct wasmplug_thread_marks {
  volatile int in_host;     /* nonzero while host code runs: never unwound */
  volatile int interrupted; /* the time limit expired (cleared per call) */
  uint64_t deadline_ns;     /* CLOCK_MONOTONIC; 0: the call has no time limit */
} wasmplug_thread_marks_t;
#ifdef __cplusplus
#define WASMPLUG_THREAD_LOCAL thread_local
#else
#define WASMPLUG_THREAD_LOCAL _Thread_local
#endif
WASMPLUG_API extern WASMPLUG_THREAD_LOCAL wasmplug_thread_marks_t wasmplug_thread_marks
    __attribute__((tls_model("initial-exec")));
/* _leave's way back with a trap or a time limit (not called directly). */
WASMPLUG_API void wasmplug_direct_return(wasmplug_trap_t *trap);
static inline void wasmplug_direct_enter(void) { wasmplug_thread_marks.in_host = 1; }
static inline void wasmplug_direct_leave(wasmplug_trap_t *trap) {
  wasmplug_thread_marks.in_host = 0;
  if (__builtin_expect(trap || wasmplug_thread_marks.deadline_ns || wasmplug_thread_marks.interrupted, 0))
    wasmplug_direct_return(trap);
}
#endif
/* Defines module.name as an extern taken from another instance (which must
** outlive every instance created through this definition). */
WASMPLUG_API wasmplug_error_t *wasmplug_linker_define_func_ref(wasmplug_linker_t *linker,
                                                  const char *module,
                                                  const char *name,
                                                  wasmplug_func_t *func);
WASMPLUG_API wasmplug_error_t *wasmplug_linker_define_memory(wasmplug_linker_t *linker,
                                                const char *module,
                                                const char *name,
                                                wasmplug_memory_t *memory);
WASMPLUG_API wasmplug_error_t *wasmplug_linker_define_table(wasmplug_linker_t *linker,
                                               const char *module,
                                               const char *name,
                                               wasmplug_table_t *table);
WASMPLUG_API wasmplug_error_t *wasmplug_linker_define_global(wasmplug_linker_t *linker,
                                                const char *module,
                                                const char *name,
                                                wasmplug_global_t *global);
WASMPLUG_API wasmplug_error_t *wasmplug_linker_define_tag(wasmplug_linker_t *linker,
                                             const char *module,
                                             const char *name,
                                             wasmplug_tag_t *tag);
/* Defines every export of `instance` under the module name `module`. */
WASMPLUG_API wasmplug_error_t *wasmplug_linker_define_instance(wasmplug_linker_t *linker,
                                                  const char *module,
                                                  wasmplug_instance_t *instance);
/* Limits for instances made through this linker (default: the engine's);
** fields 0 keep the linker's current value. */
WASMPLUG_API void wasmplug_linker_limits_set(wasmplug_linker_t *linker, const wasmplug_store_limits_t *limits);
/* Host functions for imports nobody defined: they trap when called. */
WASMPLUG_API void wasmplug_linker_allow_unknown_imports(wasmplug_linker_t *linker, bool yes);
/* Host functions for imports nobody defined that return zeros (Wasmtime's
** --default-values-unknown-imports).  Wins over allow_unknown_imports. */
WASMPLUG_API void wasmplug_linker_default_unknown_imports(wasmplug_linker_t *linker, bool yes);
/* With yes, the module and name strings of the definitions made after
** this are kept as given instead of copied: the caller keeps them alive and
** unchanged until the linker is deleted (a linker made for one
** instantiation from names that outlive it saves two copies per item). */
WASMPLUG_API void wasmplug_linker_borrow_names(wasmplug_linker_t *linker, bool yes);

/* Instantiates `module`, resolving its imports through `linker`, and runs its
** start function.  Link errors come back as *error (naming the import and
** its type); a trap in the start function comes back as *trap (and no
** instance).  `data` is a user pointer retrievable by host functions. */
WASMPLUG_API void wasmplug_linker_instantiate(wasmplug_linker_t *linker,
                                 const wasmplug_module_t *module, void *data,
                                 wasmplug_instance_t **out,
                                 wasmplug_error_t **error,
                                 wasmplug_trap_t **trap);
WASMPLUG_API void wasmplug_instance_delete(wasmplug_instance_t *instance);
/* Remembers the instance's state now (globals, the memories and tables it
** defines) so that wasmplug_instance_reset can bring it back: an instance
** made once and reset between uses, as fresh as a new one (a pool).  Its
** memories become copy-on-write images of themselves, so a reset costs
** what the guest touched since.  Take it while no call runs. */
WASMPLUG_API wasmplug_error_t *wasmplug_instance_snapshot(wasmplug_instance_t *instance);
/* Back to the snapshot (memory.grow and table.grow undone too).  Not while
** a call runs. */
WASMPLUG_API wasmplug_error_t *wasmplug_instance_reset(wasmplug_instance_t *instance);
WASMPLUG_API void *wasmplug_instance_data(const wasmplug_instance_t *instance);
WASMPLUG_API const wasmplug_module_t *wasmplug_instance_module(
    const wasmplug_instance_t *instance);

/* Borrowed from the instance; NULL if there is no such export. */
WASMPLUG_API wasmplug_func_t *wasmplug_instance_func(wasmplug_instance_t *instance,
                                        const char *name);
WASMPLUG_API wasmplug_memory_t *wasmplug_instance_memory(wasmplug_instance_t *instance,
                                            const char *name);
WASMPLUG_API wasmplug_table_t *wasmplug_instance_table(wasmplug_instance_t *instance,
                                          const char *name);
WASMPLUG_API wasmplug_global_t *wasmplug_instance_global(wasmplug_instance_t *instance,
                                            const char *name);
WASMPLUG_API wasmplug_tag_t *wasmplug_instance_tag(wasmplug_instance_t *instance,
                                      const char *name);

/* ------------------------------------------------------------------- calls */

WASMPLUG_API const wasmplug_functype_t *wasmplug_func_type(const wasmplug_func_t *func);
/* Calls `func` with args (checked against its type) and writes its results.
** Returns NULL on success or the trap.  Re-entrant: host functions may call
** back into the guest. */
WASMPLUG_API wasmplug_trap_t *wasmplug_func_call(wasmplug_func_t *func,
                                    const wasmplug_val_t *args, size_t nargs,
                                    wasmplug_val_t *results, size_t nresults);
/* The fast form: args_and_results as for host callbacks, no type checks. */
WASMPLUG_API wasmplug_trap_t *wasmplug_func_call_unchecked(
    wasmplug_func_t *func, wasmplug_val_raw_t *args_and_results);

/* ------------------------------------------------------------------ memory */

/* Memories are the guest's: every access is bounds-checked here and every
** pointer from this API is only valid until the guest runs again (it may
** grow the memory, which can move nothing but can change its size). */
WASMPLUG_API uint64_t wasmplug_memory_size(const wasmplug_memory_t *memory); /* bytes */
/* Direct access for hot paths (the canonical ABI layer): base and size. */
WASMPLUG_API uint8_t *wasmplug_memory_data(wasmplug_memory_t *memory);
/* Copies out of / into guest memory; false if [offset, offset+len) is out of
** bounds (nothing is copied then). */
WASMPLUG_API bool wasmplug_memory_read(const wasmplug_memory_t *memory, uint64_t offset,
                          void *dst, size_t len);
WASMPLUG_API bool wasmplug_memory_write(wasmplug_memory_t *memory, uint64_t offset,
                           const void *src, size_t len);
/* Grows by `pages` 64 KiB pages; returns false (memory unchanged) on failure.
** *old_pages receives the previous size when not NULL. */
WASMPLUG_API bool wasmplug_memory_grow(wasmplug_memory_t *memory, uint64_t pages,
                          uint64_t *old_pages);

/* ----------------------------------------------------------------- globals */

WASMPLUG_API wasmplug_valkind_t wasmplug_global_kind(const wasmplug_global_t *global);
WASMPLUG_API wasmplug_val_t wasmplug_global_get(const wasmplug_global_t *global);
/* False if the global is immutable or the kind differs. */
WASMPLUG_API bool wasmplug_global_set(wasmplug_global_t *global, const wasmplug_val_t *val);

/* ------------------------------------------------------------------ tables */

WASMPLUG_API uint32_t wasmplug_table_size(const wasmplug_table_t *table);


/* ------------------------------------------------------------------ fibers */

/* A fiber runs a function on a stack of its own that can be switched away
** from and back to: the component runtime runs async tasks on fibers so
** that guest code can block (the Component Model's stack switching).  Guest
** code called on a fiber traps as usual (a guard page below the stack
** turns overflow into WASMPLUG_TRAP_STACK_OVERFLOW); the engine's time
** limit, fuel and epoch deadline are those of the outermost call on the
** thread's own stack (or on the fiber with limits of its own it runs in:
** wasmplug_fiber_new_limited). */
typedef struct wasmplug_fiber wasmplug_fiber_t;

/* A fiber that will run fn(arg) on a `stack_size`-byte stack (0: 8 MiB,
** committed as it is touched).  NULL when out of memory. */
WASMPLUG_API wasmplug_fiber_t *wasmplug_fiber_new(size_t stack_size, void (*fn)(void *arg), void *arg);
/* A fiber with limits of its own: for a host that interleaves the guest
** calls of several requests on one thread, switching at their waits.  The
** outermost guest call made on it (wasmplug_engine_call_limited, a
** function call) is an outermost call, as on a thread's own stack: it
** starts the engine's time limit (wall-clock, so it runs on while the
** fiber is switched out; at its deadline the call traps, switched in
** again if need be), fuel and epoch deadline, which stay the fiber's (no
** other call spends its fuel; its deadline ends no other call), and the
** thread's interrupt handle ends it: at once while it runs, or, when it
** is switched out, as soon as it runs again.  Fibers it resumes share its
** limits.  Otherwise as
** wasmplug_fiber_new. */
WASMPLUG_API wasmplug_fiber_t *wasmplug_fiber_new_limited(size_t stack_size, void (*fn)(void *arg), void *arg);
/* Runs the fiber until it suspends or fn returns; true when fn returned.
** Resuming a finished fiber does nothing and returns true. */
WASMPLUG_API bool wasmplug_fiber_resume(wasmplug_fiber_t *fiber);
/* Called on a fiber: switches back to whoever resumed it. */
WASMPLUG_API void wasmplug_fiber_suspend(void);
/* The fiber running on this thread, NULL on the thread's own stack. */
WASMPLUG_API wasmplug_fiber_t *wasmplug_fiber_current(void);
WASMPLUG_API bool wasmplug_fiber_done(const wasmplug_fiber_t *fiber);
/* Frees the fiber (not while it runs).  A suspended fiber's frames are
** discarded without unwinding. */
WASMPLUG_API void wasmplug_fiber_delete(wasmplug_fiber_t *fiber);

/* -------------------------------------------------------------- components */

/* Components (the Component Model): a component is decoded, validated and
** all its core modules compiled once; a component linker holds the host's
** definitions (functions per import name, resource types); instantiating
** links every import (an unsatisfied one is an error naming it and its WIT
** type) and replays the component's definitions.  Values crossing a
** component function are value trees (wasmplug_cval_t) of the types below.
*/

/* The kinds of component value types: THE enumeration of them in wasmplug
** (the canonical ABI layer and the component decoder use these numbers). */
typedef enum wasmplug_ckind {
  WASMPLUG_C_BOOL = 1,
  WASMPLUG_C_S8, WASMPLUG_C_U8, WASMPLUG_C_S16, WASMPLUG_C_U16,
  WASMPLUG_C_S32, WASMPLUG_C_U32, WASMPLUG_C_S64, WASMPLUG_C_U64,
  WASMPLUG_C_F32, WASMPLUG_C_F64, WASMPLUG_C_CHAR, WASMPLUG_C_STRING,
  WASMPLUG_C_LIST, WASMPLUG_C_RECORD, WASMPLUG_C_TUPLE, WASMPLUG_C_VARIANT,
  WASMPLUG_C_ENUM, WASMPLUG_C_OPTION, WASMPLUG_C_RESULT, WASMPLUG_C_FLAGS,
  WASMPLUG_C_OWN, WASMPLUG_C_BORROW,
  WASMPLUG_C_STREAM, WASMPLUG_C_FUTURE, WASMPLUG_C_ERROR_CONTEXT,
  WASMPLUG_C_FIXED_LIST, /* list<T, N> */
} wasmplug_ckind_t;

/* A type (opaque; made by a wasmplug_ctypes_t, which owns it). */
typedef struct wasmplug_ctype wasmplug_ctype_t;
/* A resource type. */
typedef struct wasmplug_cresource wasmplug_cresource_t;

/* A value: `kind` says which member of `of` holds it.  A value owns what
** it points to (strings, items, payloads) and is released with
** wasmplug_cval_drop.  Records and tuples are `list` of their fields in
** order; variants, enums, options (none = 0, some = 1) and results (ok =
** 0, error = 1) are `var` (payload NULL when the case has none); flags
** are a bit set; own/borrow a resource representation. */
typedef struct wasmplug_cval {
  wasmplug_ckind_t kind;
  union {
    bool b;
    int8_t s8; uint8_t u8; int16_t s16; uint16_t u16;
    int32_t s32; uint32_t u32; int64_t s64; uint64_t u64;
    float f32; double f64;
    uint32_t ch;                                             /* a Unicode scalar value */
    struct { char *ptr; size_t len; } str;                   /* UTF-8, malloc'ed */
    struct { struct wasmplug_cval *items; size_t len; } list; /* list, record, tuple */
    struct { uint32_t disc; struct wasmplug_cval *payload; } var;
    uint32_t flags;
    uint32_t rep;                                            /* own, borrow */
    void *obj;                                               /* stream, future, error-context */
  } of;
} wasmplug_cval_t;

/* Frees what v owns (not v itself) and zeroes it. */
WASMPLUG_API void wasmplug_cval_drop(wasmplug_cval_t *v);

/* A function type: parameters (names may be NULL) and result (NULL: none). */
typedef struct wasmplug_cfunctype {
  size_t nparams;
  const char *const *param_names;
  const wasmplug_ctype_t *const *params;
  const wasmplug_ctype_t *result;
} wasmplug_cfunctype_t;

/* Makes types and owns them.  Constructors return NULL on a bad type (an
** empty record, a duplicate label, more than 32 flags...); then
** wasmplug_ctypes_error says why.  Labels are copied. */
typedef struct wasmplug_ctypes wasmplug_ctypes_t;
WASMPLUG_API wasmplug_ctypes_t *wasmplug_ctypes_new(void);
WASMPLUG_API void wasmplug_ctypes_delete(wasmplug_ctypes_t *types);
/* Why the last constructor that returned NULL did, as a new error of kind
** WASMPLUG_ERROR_INVALID (or OUT_OF_MEMORY) that the caller deletes; NULL
** when none did. */
WASMPLUG_API wasmplug_error_t *wasmplug_ctypes_error(const wasmplug_ctypes_t *types);
/* bool .. string, error-context */
WASMPLUG_API const wasmplug_ctype_t *wasmplug_ctype_prim(wasmplug_ctypes_t *types, wasmplug_ckind_t kind);
WASMPLUG_API const wasmplug_ctype_t *wasmplug_ctype_list(wasmplug_ctypes_t *types, const wasmplug_ctype_t *elem);
WASMPLUG_API const wasmplug_ctype_t *wasmplug_ctype_record(wasmplug_ctypes_t *types, size_t n,
                                                          const char *const *names,
                                                          const wasmplug_ctype_t *const *fields);
WASMPLUG_API const wasmplug_ctype_t *wasmplug_ctype_tuple(wasmplug_ctypes_t *types, size_t n,
                                                         const wasmplug_ctype_t *const *fields);
/* payloads[i] NULL for a case without payload (payloads may be NULL) */
WASMPLUG_API const wasmplug_ctype_t *wasmplug_ctype_variant(wasmplug_ctypes_t *types, size_t n,
                                                           const char *const *names,
                                                           const wasmplug_ctype_t *const *payloads);
WASMPLUG_API const wasmplug_ctype_t *wasmplug_ctype_enum(wasmplug_ctypes_t *types, size_t n, const char *const *names);
WASMPLUG_API const wasmplug_ctype_t *wasmplug_ctype_option(wasmplug_ctypes_t *types, const wasmplug_ctype_t *some);
/* ok and err may be NULL */
WASMPLUG_API const wasmplug_ctype_t *wasmplug_ctype_result(wasmplug_ctypes_t *types, const wasmplug_ctype_t *ok,
                                                          const wasmplug_ctype_t *err);
WASMPLUG_API const wasmplug_ctype_t *wasmplug_ctype_flags(wasmplug_ctypes_t *types, size_t n, const char *const *names);
WASMPLUG_API const wasmplug_ctype_t *wasmplug_ctype_own(wasmplug_ctypes_t *types, const wasmplug_cresource_t *r);
WASMPLUG_API const wasmplug_ctype_t *wasmplug_ctype_borrow(wasmplug_ctypes_t *types, const wasmplug_cresource_t *r);
WASMPLUG_API wasmplug_ckind_t wasmplug_ctype_kind(const wasmplug_ctype_t *type);
/* The type in WIT ("list<u32>"), truncated to cap; returns the length it
** needs. */
WASMPLUG_API size_t wasmplug_ctype_print(const wasmplug_ctype_t *type, char *buf, size_t cap);
/* A host resource type named `name` ("ns:pkg/iface#name" or bare): `dtor`
** (may be NULL) runs exactly once per rep a guest owned, when the guest
** drops it or its instance is deleted. */
WASMPLUG_API const wasmplug_cresource_t *wasmplug_cresource_new(wasmplug_ctypes_t *types, const char *name,
                                                               void (*dtor)(void *ctx, uint32_t rep), void *ctx);
WASMPLUG_API const char *wasmplug_cresource_name(const wasmplug_cresource_t *resource);
/* A value as WAVE text (malloc'ed; NULL when out of memory or when v is
** not a value of `type`). */
WASMPLUG_API char *wasmplug_cval_to_wave(const wasmplug_ctype_t *type, const wasmplug_cval_t *v);

struct wasmplug_plugin_call;

typedef struct wasmplug_component wasmplug_component_t;
typedef struct wasmplug_component_linker wasmplug_component_linker_t;
typedef struct wasmplug_component_instance wasmplug_component_instance_t;
typedef struct wasmplug_component_func wasmplug_component_func_t;

/* Decodes, validates and compiles every core module of `bytes` (which must
** outlive the component).  `name` prefixes error messages.  `bytes` may
** also be a component artifact (wasmplug_component_serialize, `wasmplug
** compile`): its core modules' native code is then loaded instead of
** compiled, under the rule of core artifacts (refused unless the engine's
** config allows precompiled code). */
WASMPLUG_API wasmplug_error_t *wasmplug_component_new(wasmplug_engine_t *engine,
                                         const uint8_t *bytes, size_t len,
                                         const char *name,
                                         wasmplug_component_t **out);
WASMPLUG_API void wasmplug_component_delete(wasmplug_component_t *component);
/* Writes a component artifact: the component and, for every core module
** in it, its optimized code (compiled now unless cached), as one file. */
WASMPLUG_API wasmplug_error_t *wasmplug_component_serialize(wasmplug_component_t *component, const char *path);
/* True when `bytes` start like a component artifact. */
WASMPLUG_API bool wasmplug_bytes_is_component_artifact(const uint8_t *bytes, size_t len);
/* The component's imports and exports as a WIT world (malloc'ed text, the
** caller frees it); NULL when out of memory. */
WASMPLUG_API char *wasmplug_component_world_wit(const wasmplug_component_t *component);

WASMPLUG_API wasmplug_component_linker_t *wasmplug_component_linker_new(
    wasmplug_engine_t *engine);
/* Runs the finalizers of every definition. */
WASMPLUG_API void wasmplug_component_linker_delete(wasmplug_component_linker_t *linker);

/* A host function with values as trees.  `name` is "ns:pkg/iface@ver#func"
** for a function of an imported interface, or a bare name for a function
** imported directly.  `type` (and every type it references) must outlive
** the linker and its instances.  The callback gets owned params (dropped
** after it returns) and fills *result (NULL when the function has none).
** It returns NULL, or a trap (the runtime owns it from then on), as core
** host functions do: wasmplug_trap_new(WASMPLUG_TRAP_HOST, "why") makes the
** guest trap naming the function, wasmplug_trap_new_exit(status) ends the
** guest with an exit status. */
typedef wasmplug_trap_t *(*wasmplug_component_host_fn_t)(
    void *env, const wasmplug_cval_t *args, size_t nargs,
    wasmplug_cval_t *result);
WASMPLUG_API wasmplug_error_t *wasmplug_component_linker_define_func(
    wasmplug_component_linker_t *linker, const char *name,
    const wasmplug_cfunctype_t *type, wasmplug_component_host_fn_t cb,
    void *env, void (*finalizer)(void *));
/* The same with arguments and result in the native layout: exactly the
** plugin ABI's function shape (include/wasmplug/plugin.h), so native
** plugins and the WASI plugins bind their functions unchanged.  `state` is
** passed as the function's first argument.  Such a function uses the
** plugin ABI's host table (wasmplug_plugin_host_api() in wasmplug/host.h):
** host->alloc, host->trap, host->exit(call, status). */
WASMPLUG_API wasmplug_error_t *wasmplug_component_linker_define_native(
    wasmplug_component_linker_t *linker, const char *name,
    const wasmplug_cfunctype_t *type,
    int (*fn)(void *state, struct wasmplug_plugin_call *call,
              const void *params, void *result),
    void *state, void (*finalizer)(void *));
/* Arena allocation and traps for native-flavour functions that were not
** loaded as plugins (plugins use their host API table, which is equivalent). */
WASMPLUG_API void *wasmplug_component_call_alloc(struct wasmplug_plugin_call *call,
                                    size_t size, size_t align);
WASMPLUG_API int wasmplug_component_call_trap(struct wasmplug_plugin_call *call,
                                 const char *msg);
/* A host resource type under "ns:pkg/iface@ver#name" (or a bare name).
** `resource` is made with wasmplug_cresource_new: its destructor runs
** exactly once per rep the guest owned, when the guest drops it or when
** the instance is deleted.  Host function types use the same pointer in
** own<R>/borrow<R>. */
WASMPLUG_API wasmplug_error_t *wasmplug_component_linker_define_resource(
    wasmplug_component_linker_t *linker, const char *name,
    const wasmplug_cresource_t *resource);
/* Composition: `name` is implemented by `func`, an export of another
** component instance (which must outlive every instance linked with it).
** Calls go straight from the importing guest to the exporting one.  Its
** resource types are shared with wasmplug_component_instance_resource. */
WASMPLUG_API wasmplug_error_t *wasmplug_component_linker_define_func_ref(
    wasmplug_component_linker_t *linker, const char *name,
    wasmplug_component_func_t *func);
/* Limits for instances made through this linker (default: the engine's;
** fields 0 keep the current value). */
WASMPLUG_API void wasmplug_component_linker_limits_set(wasmplug_component_linker_t *linker,
                                          const wasmplug_store_limits_t *limits);
/* Functions nobody defined trap when called (resource types nobody defined
** become fresh host resource types) instead of failing the link. */
WASMPLUG_API void wasmplug_component_linker_allow_unknown_imports(
    wasmplug_component_linker_t *linker, bool yes);
/* Functions nobody defined return the default value of their result type
** when called (0, false, "", an empty list, none, ok(default), the first
** case of a variant...); one whose result has no
** default (an own<R>) traps then.  Unknown resource types are made as for
** allow_unknown_imports.  Wins over allow_unknown_imports. */
WASMPLUG_API void wasmplug_component_linker_default_unknown_imports(
    wasmplug_component_linker_t *linker, bool yes);

/* Links and instantiates.  Link errors (one line: the import, its WIT
** type, what is wrong) come back as *error, a trap while instantiating as
** *trap; *out is set only on success.  The linker and the component must
** outlive the instance. */
WASMPLUG_API void wasmplug_component_linker_instantiate(
    wasmplug_component_linker_t *linker, wasmplug_component_t *component,
    wasmplug_component_instance_t **out, wasmplug_error_t **error,
    wasmplug_trap_t **trap);
/* Destroys every resource still owned by the instance's guests (each
** destructor exactly once), then the instance. */
WASMPLUG_API void wasmplug_component_instance_delete(
    wasmplug_component_instance_t *instance);
/* The component-level wasmplug_instance_snapshot/_reset: every core
** instance inside, and the resource tables.  A snapshot is refused while
** the instance holds resource handles or has async work alive (state a
** reset could not rebuild); a reset drops every handle made since
** (destructors run once) and restores the core instances.  After an error
** from _reset the instance must be deleted. */
WASMPLUG_API wasmplug_error_t *wasmplug_component_instance_snapshot(
    wasmplug_component_instance_t *instance);
WASMPLUG_API wasmplug_error_t *wasmplug_component_instance_reset(
    wasmplug_component_instance_t *instance);
/* An exported function: "iface#func" or "iface/func" (a function of an
** exported instance; the interface may be named without its version), or
** a bare name.  Borrowed from the instance; NULL if there is none. */
WASMPLUG_API wasmplug_component_func_t *wasmplug_component_instance_func(
    wasmplug_component_instance_t *instance, const char *name);
/* An exported resource type ("iface#name" or a bare name), for
** wasmplug_component_linker_define_resource and own/borrow types; NULL if
** there is none. */
WASMPLUG_API const wasmplug_cresource_t *wasmplug_component_instance_resource(
    wasmplug_component_instance_t *instance, const char *name);
/* The function's canonical ABI type (borrowed). */
WASMPLUG_API const wasmplug_cfunctype_t *wasmplug_component_func_type(
    const wasmplug_component_func_t *func);
/* Calls with args (checked against the type).  *result receives the result
** (the caller drops it with wasmplug_cval_drop) when the function has one.
** Returns NULL, or the trap.  A trap poisons the instance, as the Component
** Model specifies (it may have left any state half-updated): every later
** call into it traps with "cannot enter component instance"; delete it and
** instantiate again. */
WASMPLUG_API wasmplug_trap_t *wasmplug_component_func_call(wasmplug_component_func_t *func,
                                              const wasmplug_cval_t *args,
                                              size_t nargs,
                                              wasmplug_cval_t *result);
/* Drops an own<R> value the host received from the guest (runs R's
** destructor in the guest that implements it). */
WASMPLUG_API wasmplug_trap_t *wasmplug_component_resource_drop(
    wasmplug_component_instance_t *instance, const wasmplug_cresource_t *r,
    uint32_t rep);
/* `wasmplug run --invoke`: parses "name(args)" in WAVE, calls the export
** (a bare name no export has directly is looked for among the functions of
** exported interfaces: one match is called, several are an error listing
** them)
** and returns its result printed in WAVE (malloc'ed; "" when it returns
** nothing).  Errors (no such function, bad arguments) come back as *error,
** guest traps as the return value. */
WASMPLUG_API wasmplug_trap_t *wasmplug_component_invoke_wave(
    wasmplug_component_instance_t *instance, const char *call,
    char **result_text, wasmplug_error_t **error);

/* Async calls.  wasmplug_component_func_call waits for an `async func`'s
** result (running the instance's other tasks and its plugins' events
** meanwhile); these start a call and let the caller run several at once.
** Everything runs on the calling thread, inside _wait and _poll: an
** instance with calls in progress is driven from one thread. */
typedef struct wasmplug_component_call wasmplug_component_call_t;
/* Starts func with args (checked and copied) and returns: the call runs
** until it blocks (or finishes) first.  A trap on the way in comes back
** as the return value (and *out is NULL). */
WASMPLUG_API wasmplug_trap_t *wasmplug_component_call_start(wasmplug_component_func_t *func,
                                                            const wasmplug_cval_t *args, size_t nargs,
                                                            wasmplug_component_call_t **out);
/* True once the call has its result (or was cancelled, or trapped). */
WASMPLUG_API bool wasmplug_component_call_done(const wasmplug_component_call_t *call);
/* Runs ready tasks and events without waiting; true when something ran. */
WASMPLUG_API bool wasmplug_component_poll(void);
/* Runs tasks and waits for events until the call is done; *result gets its
** result (when the function has one: the caller drops it).  A cancelled
** call traps with "cancelled". */
WASMPLUG_API wasmplug_trap_t *wasmplug_component_call_wait(wasmplug_component_call_t *call,
                                                           wasmplug_cval_t *result);
/* Asks the callee to stop early (subtask.cancel from the host): it may
** still return normally; _wait tells. */
WASMPLUG_API void wasmplug_component_call_cancel(wasmplug_component_call_t *call);
/* Frees the call; one still in progress goes on, its result dropped. */
WASMPLUG_API void wasmplug_component_call_delete(wasmplug_component_call_t *call);
/* Runs the instance's tasks and its plugins' events (waiting for them)
** until *done is true: set from a callback that runs on this thread (a
** plugin's completion, stream copy or event), e.g. what a host waits for
** after a call returned while the callee goes on (a body still streaming).
** Returns NULL, or the trap that poisoned the instance (also when nothing
** is left that could set *done: a deadlock). */
WASMPLUG_API wasmplug_trap_t *wasmplug_component_instance_run_until(wasmplug_component_instance_t *instance,
                                                                   const bool *done);

#ifdef __cplusplus
}
#endif

#endif /* WASMPLUG_H */
