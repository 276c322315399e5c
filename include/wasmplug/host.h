/*
** wasmplug/host.h — the host: everything `wasmplug run` does, as a library.
**
** A host (wasmplug_host_t) gathers what a guest may be given:
**   - WASI capabilities (wasmplug_wasi_config_t): arguments, environment,
**     preopened directories (read-write or read-only), stdio, network.
**     One capability object feeds both WASI preview1 (core modules) and
**     the built-in WASI 0.2 plugin (components);
**   - plugins: native .so plugins with their configuration, the same .so
**     isolated in a sandboxed helper process (",isolate"), remote plugin
**     servers ("unix:PATH", "tcp:HOST:PORT"), wasm component plugins, and
**     plugins linked into the embedding program (wasmplug_host_plugin_add);
**   - limits (wasmplug_host_limits_t).
** A program (wasmplug_program_t) is a core module or a component loaded
** into a host: decoded, compiled, its imports resolved against the host's
** plugins.  A program is instantiated any number of times; each program
** instance has its own WASI state and its own plugin instance states, so
** a server may keep a pool of them.  An instance is then run (its
** `_start` or wasi:cli/run export) or invoked (`--invoke 'f(1, 2)'`).
**
**   wasmplug_host_t *host;
**   wasmplug_host_new(engine, NULL, &host);
**   wasmplug_host_plugin_load(host, "./keyvalue-sqlite.so,path=kv.db");
**   wasmplug_program_new(host, bytes, len, "app.wasm", &prog);
**   wasmplug_program_instantiate(prog, &inst, &err, &trap);
**   err = wasmplug_program_instance_run(inst, &status, &trap);
**
** Ownership: a host borrows its engine (which must outlive it); programs
** must be deleted before their host, program instances before their
** program.  Option structs begin with their `size` (set it to sizeof the
** struct you were built with; fields are only ever appended).  Not
** thread-safe: one thread configures a host; different program instances
** may then run on different threads.
*/
#ifndef WASMPLUG_HOST_H
#define WASMPLUG_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasmplug.h"
#include "wasmplug/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------- WASI capabilities */

typedef struct wasmplug_wasi_config wasmplug_wasi_config_t;

/* No arguments, no environment, no directories, stdio on the host's fds
** 0/1/2, no network.  NULL when out of memory. */
WASMPLUG_API wasmplug_wasi_config_t *wasmplug_wasi_config_new(void);
WASMPLUG_API void wasmplug_wasi_config_delete(wasmplug_wasi_config_t *config);
/* A deep copy; NULL when out of memory. */
WASMPLUG_API wasmplug_wasi_config_t *wasmplug_wasi_config_copy(const wasmplug_wasi_config_t *config);

/* Appends one argument; the first is the program's name (argv[0]). */
WASMPLUG_API wasmplug_error_t *wasmplug_wasi_config_arg_push(wasmplug_wasi_config_t *config, const char *arg);
/* Sets NAME=VALUE (a later setting of NAME replaces the earlier one).
** NAME must be non-empty and contain no '='. */
WASMPLUG_API wasmplug_error_t *wasmplug_wasi_config_env_set(wasmplug_wasi_config_t *config, const char *name,
                                               const char *value);
/* The `--env` spelling: "NAME=VALUE", or "NAME" for the host's current
** value of NAME (nothing when the host has none). */
WASMPLUG_API wasmplug_error_t *wasmplug_wasi_config_env_spec(wasmplug_wasi_config_t *config, const char *spec);
/* Gives the guest the host's whole environment (read when an instance is
** made); variables set with _env_set/_env_spec override it. */
WASMPLUG_API void wasmplug_wasi_config_inherit_env(wasmplug_wasi_config_t *config, bool yes);

/* Flags of wasmplug_wasi_config_dir_add. */
#define WASMPLUG_DIR_READONLY 1u
/* Lets the guest reach host directory `host_path` under the name
** `guest_path`, and nothing outside it (not through "..", absolute paths
** or symlinks).  READONLY: nothing beneath it can be created, written,
** renamed or removed.  Fails, naming the path, when it cannot be opened
** as a directory now. */
WASMPLUG_API wasmplug_error_t *wasmplug_wasi_config_dir_add(wasmplug_wasi_config_t *config, const char *host_path,
                                               const char *guest_path, uint32_t flags);
/* The `--dir` spelling: "HOST" (seen under the same name) or "HOST::GUEST". */
WASMPLUG_API wasmplug_error_t *wasmplug_wasi_config_dir_spec(wasmplug_wasi_config_t *config, const char *spec,
                                                uint32_t flags);
/* The host fds serving as the guest's stdin, stdout and stderr (borrowed:
** never closed by wasmplug; default 0, 1, 2). */
WASMPLUG_API void wasmplug_wasi_config_stdio_set(wasmplug_wasi_config_t *config, int in, int out, int err);
/* Lets a component use wasi:sockets (TCP, UDP, name lookup); denied by
** default.  Core modules (preview1) have no sockets to allow. */
WASMPLUG_API void wasmplug_wasi_config_network_allow(wasmplug_wasi_config_t *config, bool yes);

/* ------------------------------------------------------------------ host */

typedef struct wasmplug_host wasmplug_host_t;

/* Flags of wasmplug_host_options_t. */
/* Do not register the built-in WASI 0.2 plugin ("wasi-p2") for components:
** WASI then comes only from plugins the embedder loads. */
#define WASMPLUG_HOST_NO_DEFAULT_PLUGINS 1u

typedef struct wasmplug_host_options {
  uint32_t size; /* sizeof(wasmplug_host_options_t) */
  uint32_t flags;
} wasmplug_host_options_t;

/* `options` may be NULL (defaults).  `engine` must outlive the host. */
WASMPLUG_API wasmplug_error_t *wasmplug_host_new(wasmplug_engine_t *engine, const wasmplug_host_options_t *options,
                                    wasmplug_host_t **out);
/* Unloads every plugin (their fini hooks run) after the programs. */
WASMPLUG_API void wasmplug_host_delete(wasmplug_host_t *host);
WASMPLUG_API wasmplug_engine_t *wasmplug_host_engine(const wasmplug_host_t *host);

/* The guest's capabilities (copied).  Instances made afterwards get them;
** the default is wasmplug_wasi_config_new()'s: nothing. */
WASMPLUG_API wasmplug_error_t *wasmplug_host_wasi_set(wasmplug_host_t *host, const wasmplug_wasi_config_t *config);

/* Limits on what guests may take.  A field left 0 keeps the engine's
** limit (wasmplug_config_limits_set; wasmplug.h lists the defaults);
** UINT64_MAX lifts it.  `instances` has no engine counterpart: 0 there
** means no limit. */
typedef struct wasmplug_host_limits {
  uint32_t size;              /* sizeof(wasmplug_host_limits_t) */
  uint32_t reserved;
  uint64_t memory_bytes;      /* linear memory per memory */
  uint64_t table_elements;    /* elements per table */
  uint64_t instances;         /* live program instances per host */
  uint64_t handles;           /* resource handles per handle table */
  uint64_t core_instances;    /* core module instances per program instance */
  uint64_t host_memory_bytes; /* host memory one call may take for the guest */
} wasmplug_host_limits_t;
/* Copies the limits (only the first limits->size bytes are read); they
** apply to program instances made afterwards. */
WASMPLUG_API wasmplug_error_t *wasmplug_host_limits_set(wasmplug_host_t *host, const wasmplug_host_limits_t *limits);

/* What becomes of a program's imported functions that nothing provides
** (no WASI, no plugin): Wasmtime's --trap-unknown-imports and
** --default-values-unknown-imports.  Applies to programs loaded afterwards
** (only to the program, never to what wasm plugins import). */
typedef enum wasmplug_unknown_imports {
  WASMPLUG_UNKNOWN_IMPORTS_REFUSE = 0, /* a link error naming the first (the default) */
  WASMPLUG_UNKNOWN_IMPORTS_TRAP,       /* the program runs; calling one traps, naming it */
  WASMPLUG_UNKNOWN_IMPORTS_DEFAULT,    /* calling one returns zeros / its result type's default
                                       ** value (0, "", none, ok(...), the first case); a
                                       ** result without one (own<R>) traps */
} wasmplug_unknown_imports_t;
WASMPLUG_API wasmplug_error_t *wasmplug_host_unknown_imports_set(wasmplug_host_t *host,
                                                                 wasmplug_unknown_imports_t mode);

/* --------------------------------------------------------------- plugins */

/* Loads a plugin from a `--plugin` spec:
**   "PATH.so[,KEY=VALUE...]"  a native plugin and its config options
**   "PATH.so,isolate[,...]"   the same in a sandboxed helper process
**   "unix:PATH" / "tcp:HOST:PORT"  a plugin server (`wasmplug plugin-serve`)
**   "PATH.wasm[,shared][,dir=HOST[::GUEST]][,env=NAME=VALUE][,allow-dl=P]"
**                             a wasm component plugin, with its own grants
** Native plugins are loaded (init runs) now; errors name the plugin file.
** A bare file name ("wasi-p2.so") that is not in the current directory is
** looked for in the directories of $WASMPLUG_PLUGIN_PATH, then in the
** installed plugins' directory, LIBDIR/wasmplug/plugins (where wasi-p2.so
** and keyvalue-sqlite.so are installed). */
WASMPLUG_API wasmplug_error_t *wasmplug_host_plugin_load(wasmplug_host_t *host, const char *spec);
/* Loads every *.so in `dir` (sorted by name, default config). */
WASMPLUG_API wasmplug_error_t *wasmplug_host_plugin_load_dir(wasmplug_host_t *host, const char *dir);
/* Loads every *.so of every directory of a ':'-separated list (the form of
** $WASMPLUG_PLUGIN_PATH; directories that do not exist are skipped). */
WASMPLUG_API wasmplug_error_t *wasmplug_host_plugin_load_path(wasmplug_host_t *host, const char *list);
/* "IFACE=PLUGIN": takes interface IFACE ("ns:pkg/name", no version) from
** the plugin named PLUGIN when several loaded plugins provide it. */
WASMPLUG_API wasmplug_error_t *wasmplug_host_plugin_use(wasmplug_host_t *host, const char *spec);
/* True when a native plugin named `name` (its descriptor's name, e.g.
** "wasi-http") is loaded into `host`. */
WASMPLUG_API bool wasmplug_host_plugin_loaded(wasmplug_host_t *host, const char *name);
/* A plugin linked into the embedding program: `entry` is its
** wasmplug_plugin_entry, `name` names it in messages, `config` is
** "KEY=VALUE,..." (may be NULL), `data` is what its init finds in
** *plugin_state.  Checked exactly like a loaded .so. */
WASMPLUG_API wasmplug_error_t *wasmplug_host_plugin_add(wasmplug_host_t *host, wasmplug_plugin_entry_fn entry,
                                           const char *name, const char *config, void *data);

/* ------------------------------------------------------------- discovery */

/* What a plugin file provides, without loading it into a host (`wasmplug
** plugins`): a native plugin is opened and checked (descriptor, WIT,
** functions, options) but its init does not run; a wasm component plugin
** is decoded and validated.  Everything is owned by the info. */
typedef struct wasmplug_plugin_info {
  uint32_t size;              /* sizeof(wasmplug_plugin_info_t) */
  bool wasm;                  /* a wasm component plugin (else a native .so) */
  bool isolatable;            /* may run with ",isolate" (a sandboxed helper) */
  const char *path;
  const char *name;           /* the descriptor's; a wasm plugin: its file name */
  const char *version;        /* the descriptor's; NULL for a wasm plugin */
  const char *not_isolatable; /* why not, when !isolatable */
  const char *const *interfaces; /* "ns:pkg/iface@1.2.3", as provided */
  size_t ninterfaces;
  const char *const *imports; /* a wasm plugin's imported interfaces (what it needs) */
  size_t nimports;
  const wasmplug_plugin_option_t *options; /* `--plugin PATH,NAME=VALUE` */
  size_t noptions;
} wasmplug_plugin_info_t;

WASMPLUG_API wasmplug_error_t *wasmplug_plugin_info_new(const char *path, wasmplug_plugin_info_t **out);
WASMPLUG_API void wasmplug_plugin_info_delete(wasmplug_plugin_info_t *info);
/* Where plugins given by file name are looked for: the directories of
** $WASMPLUG_PLUGIN_PATH, then the installed plugins' directory, as one
** ':'-separated list (malloc'ed; NULL when out of memory). */
WASMPLUG_API char *wasmplug_plugin_search_path(void);

/* Replaces the loaded plugin `name` names (a native plugin's name, path or
** file name; a wasm plugin's file name, path or spec) by the plugin of
** `spec` (a --plugin spec, as for _load; native for native, wasm for wasm)
** without stopping anything: program instances made afterwards use the
** new plugin; those alive keep the old one, which is unloaded (its fini;
** a wasm plugin's lifecycle shutdown) when the last of them is deleted.
** The new plugin is checked against every loaded program as loading it
** would be: when it no longer satisfies one, the reload is refused with
** the error loading the program would give, and nothing changes.  A
** native plugin file replaced at the same path is loaded anew (not the
** copy still in use).  Call it from the thread that loads programs; any
** thread may be instantiating meanwhile. */
WASMPLUG_API wasmplug_error_t *wasmplug_host_plugin_reload(wasmplug_host_t *host, const char *name, const char *spec);

/* The plugin ABI's host table (alloc, trap, exit...): what plugins get at
** their entry point, for native-flavour functions an embedder defines
** itself (wasmplug_component_linker_define_native). */
WASMPLUG_API const wasmplug_host_api_t *wasmplug_plugin_host_api(void);

/* -------------------------------------------------------------- programs */

typedef struct wasmplug_program wasmplug_program_t;
typedef struct wasmplug_program_instance wasmplug_program_instance_t;

/* Loads `bytes` (a core module, a component, or an artifact written by
** `wasmplug compile`; copied) into the host: decoded, compiled, and for a
** component the wasm plugins prepared.  `name` names it in messages
** (usually the file name). */
WASMPLUG_API wasmplug_error_t *wasmplug_program_new(wasmplug_host_t *host, const uint8_t *bytes, size_t len,
                                       const char *name, wasmplug_program_t **out);
/* The same, taking `bytes` (a malloc'ed buffer the caller gives up; the
** program frees it, also when this fails) instead of copying them: for a
** file read whole, one copy of it instead of two or three (a 13 MB
** component's warm start).  The caller must not touch `bytes` afterwards. */
WASMPLUG_API wasmplug_error_t *wasmplug_program_new_owned(wasmplug_host_t *host, uint8_t *bytes, size_t len,
                                             const char *name, wasmplug_program_t **out);
WASMPLUG_API void wasmplug_program_delete(wasmplug_program_t *program);
WASMPLUG_API bool wasmplug_program_is_component(const wasmplug_program_t *program);
/* The host the program was loaded into. */
WASMPLUG_API wasmplug_host_t *wasmplug_program_host(const wasmplug_program_t *program);
/* The name given to wasmplug_program_new (for messages). */
WASMPLUG_API const char *wasmplug_program_name(const wasmplug_program_t *program);

/* Makes one instance: its own WASI state (from the host's capabilities at
** this moment), its own plugin instance states, its imports linked to the
** host's plugins.  A core module's start function and, for a reactor
** (`_initialize` without `_start`), `_initialize` run now.  Link errors
** come back as *error, a trap while starting as *trap; *out is set only
** on success. */
WASMPLUG_API void wasmplug_program_instantiate(wasmplug_program_t *program, wasmplug_program_instance_t **out,
                                  wasmplug_error_t **error, wasmplug_trap_t **trap);
/* Drops every resource the guest still owns (each destructor once), the
** plugin instance states, then the instance. */
WASMPLUG_API void wasmplug_program_instance_delete(wasmplug_program_instance_t *instance);

/* Runs the program: a core module's `_start`, a component's wasi:cli/run
** export.  On return *status is 0, or 1 when wasi:cli/run returned an
** error; when the guest exits (proc_exit, wasi:cli/exit) *status is its
** exit status; when it traps, *trap is set (the caller deletes it).  An
** error means it could not be run (no such export: not a command). */
WASMPLUG_API wasmplug_error_t *wasmplug_program_instance_run(wasmplug_program_instance_t *instance, int *status,
                                                wasmplug_trap_t **trap);
/* Calls one export, `wasmplug run --invoke`: for a component
** "NAME(ARGS)" with arguments in WAVE, NAME a bare export or IFACE#FUNC;
** for a core module an export NAME without parameters.  *result receives
** the result as text (malloc'ed, the caller frees it): WAVE for a
** component, one value per line for a core module, "" when there is none.
** Exit and traps as for _run (*result is then NULL).  Errors: no such
** function, bad arguments. */
WASMPLUG_API wasmplug_error_t *wasmplug_program_instance_invoke(wasmplug_program_instance_t *instance, const char *call,
                                                   char **result, int *status, wasmplug_trap_t **trap);

/* The lean exit: ends the process as deleting `instance` (may be NULL),
** its program, `host` and its engine and then calling exit(status) would,
** as far as anything outside the process can tell, without the work the
** kernel does anyway when a process ends.  What runs: the instance's
** whole teardown when plugins are loaded or it is a component's (its
** resources' destructors, the plugins' instance_drop); for a core module
** without plugins, the stdio file status flags the guest changed put back;
** every plugin unloaded (fini, isolated helpers stopped, wasm plugins'
** shared instances deleted); then exit(status), which flushes stdio and
** runs atexit handlers.  What does not: freeing memory, unmapping the code
** and the linear memories, closing descriptors (the kernel does all three
** at exit; a background tier-up builder sees its pipe's end either way).
** For a command's last act (`wasmplug run` ends with it): at a warm start
** of a small guest the full teardown is ~10 % of the run.
** It returns, having done nothing, when the lean exit is off — in a build
** with AddressSanitizer (LeakSanitizer checks every free at exit) or when
** $WASMPLUG_FULL_TEARDOWN is set to anything but "0" —, when `instance` is
** not the host's only live program instance (another one's plugin states
** would not be dropped), or when `host` is NULL: the caller then deletes
** everything as usual. */
WASMPLUG_API void wasmplug_host_exit(wasmplug_host_t *host, wasmplug_program_instance_t *instance, int status);
/* Whether wasmplug_host_exit ends the process (see there). */
WASMPLUG_API bool wasmplug_lean_exit_enabled(void);

/* Async calls of a component's exports (`async func`s; any export works):
** start several, let them run, wait for each.  _invoke waits at once; these
** return as soon as the call blocks.  "NAME(ARGS)" as for _invoke.  All
** of an instance's calls are driven from one thread, inside _wait and
** _poll, which also run the plugins' events (timers, file descriptors). */
typedef struct wasmplug_program_call wasmplug_program_call_t;
/* Starts the call (it runs until it blocks or finishes).  Errors: no such
** function, bad arguments, a core module; a trap on the way in in *trap. */
WASMPLUG_API wasmplug_error_t *wasmplug_program_instance_call_start(wasmplug_program_instance_t *instance,
                                                                    const char *call, wasmplug_program_call_t **out,
                                                                    wasmplug_trap_t **trap);
/* True once the call has a result (or was cancelled, or trapped). */
WASMPLUG_API bool wasmplug_program_call_done(const wasmplug_program_call_t *call);
/* Runs ready tasks and events of this thread's instances without waiting;
** true when something ran. */
WASMPLUG_API bool wasmplug_program_poll(void);
/* Asks the call to stop early; it may still return normally. */
WASMPLUG_API void wasmplug_program_call_cancel(wasmplug_program_call_t *call);
/* Waits for the call; *result, *status and *trap as for _invoke (a
** cancelled call traps with "cancelled"). */
WASMPLUG_API wasmplug_error_t *wasmplug_program_call_wait(wasmplug_program_call_t *call, char **result, int *status,
                                                          wasmplug_trap_t **trap);
/* Frees the call (before its instance); one in progress goes on, its result
** dropped. */
WASMPLUG_API void wasmplug_program_call_delete(wasmplug_program_call_t *call);

/* The instance underneath, to call exports directly (borrowed; NULL when
** the program is of the other kind). */
WASMPLUG_API wasmplug_instance_t *wasmplug_program_instance_core(wasmplug_program_instance_t *instance);
WASMPLUG_API wasmplug_component_instance_t *wasmplug_program_instance_component(wasmplug_program_instance_t *instance);

/* ----------------------------------------------------------- composition */

/* `wasmplug compose`: the composition `wasmplug run --plugin P.wasm...`
** makes at run time, written as one standalone component (malloc'ed into
** *out): the app's imports are satisfied by the plugins' exports (a
** plugin's by the plugins listed before it), what no plugin provides stays
** an import, the app's exports are the result's.  `plugin_specs` are wasm
** plugin specs ("PATH[,allow-dl=POLICY]"; dir=/env= grants are refused: a
** component cannot carry them); `app_name` names the app in messages. */
WASMPLUG_API wasmplug_error_t *wasmplug_compose(const char *const *plugin_specs, size_t nplugins, const uint8_t *app,
                                   size_t app_len, const char *app_name, uint8_t **out, size_t *out_len);

/* `wasmplug component new`: a core module (`core`, named `core_name` in
** messages) built for world `world` of the WIT at `wit_path` (a .wit file
** or a package directory with deps/) made a component: the world's
** imported interfaces become the component's imports, its exported ones
** are lifted from the module's exports ("ns:pkg/iface@ver#func"), with the
** module's memory, cabi_realloc and cabi_post_ exports as canonical
** options.  Each adapter (e.g. name "wasi_snapshot_preview1" and jco's or
** Wasmtime's preview1 adapter module) satisfies the module's imports of
** its name, its own imports of WASI 0.2 becoming the component's, and a
** command adapter's wasi:cli/run export the component's.  A module
** exporting _initialize (a reactor) has it run when the component is
** instantiated.  The result (malloc'ed into *out) is checked by decoding
** it.  Not supported yet (refused, naming the item): exported functions
** using named types (records, variants, enums, flags, resources), exported
** resources, async functions, streams and futures, world-level functions. */
typedef struct wasmplug_adapter {
  const char *name;     /* the import module name it satisfies */
  const uint8_t *bytes; /* the adapter module */
  size_t len;
} wasmplug_adapter_t;
WASMPLUG_API wasmplug_error_t *wasmplug_component_new_from_module(const uint8_t *core, size_t core_len,
                                                                  const char *core_name, const char *wit_path,
                                                                  const char *world,
                                                                  const wasmplug_adapter_t *adapters,
                                                                  size_t nadapters, uint8_t **out, size_t *out_len);

/* --------------------------------------------------------- plugin servers */

/* The server side of out-of-process plugins (docs/plugin-rpc.md): one
** native plugin, "PATH[,KEY=VALUE...]", loaded (its init runs) and served
** to hosts, each connection a session with its own instance states. */
typedef struct wasmplug_plugin_server wasmplug_plugin_server_t;

WASMPLUG_API wasmplug_error_t *wasmplug_plugin_server_new(const char *spec, wasmplug_plugin_server_t **out);
/* Runs the plugin's fini and unloads it. */
WASMPLUG_API void wasmplug_plugin_server_delete(wasmplug_plugin_server_t *server);
/* The signal a plugin server sends the thread running a plugin call that
** must end (its host's interrupt notice, its deadline, its host gone), so
** that the plugin's blocking system call fails with EINTR: SIGRTMIN+4
** unless set here.  When it starts serving (_run_fd, _listen) the server
** installs a handler that does nothing, without SA_RESTART, for it -- only
** if the process left the signal at its default action: a handler of your
** own (which must not restart system calls) or SIG_IGN is kept.  0: no
** signal and nothing installed; a plugin then learns of the end only by
** asking host->interrupted and host->deadline (a blocking wait is not
** cut).  Fails (WASMPLUG_ERROR_INVALID) for a signal that cannot be
** caught or that the runtime's fault handling owns (SIGSEGV, SIGBUS,
** SIGFPE, SIGILL).  The isolate helper (wasmplug_plugin_host_main) uses
** SIGRTMIN+4 the same way, in its own process. */
WASMPLUG_API wasmplug_error_t *wasmplug_plugin_server_stop_signal_set(wasmplug_plugin_server_t *server, int signo);
/* Limits a plugin server puts on its clients (a field left 0 takes its
** default).  Clients are untrusted: one that sends part of a frame and
** stops, or sends requests and never reads the replies, must not hold the
** others (wasmplug_plugin_server_listen serves them all in one loop that
** never waits for one client).
**   frame_timeout_ms: a frame begun must arrive whole within this (5000);
**     else the session gets an ERROR saying so and ends.
**   send_timeout_ms: a reply must be taken by its client within this
**     (30000); else the session ends.  Until it is taken, that session's
**     next requests are not read (at most one reply waits per session).
**     (wasmplug_plugin_server_run_fd, one session on its own thread: a
**     send that moves nothing for this long ends the session.)
**   idle_timeout_ms: a session that has made no plugin instance yet and
**     sends nothing for this long is closed (300000; UINT32_MAX: never):
**     connections that send nothing, or a HELLO and nothing, do not fill
**     the server.  (A host says HELLO when it loads the plugin and makes
**     instances when it instantiates a program: a compile longer than
**     this in between costs it a reconnection, counted as a restart.)
**     A session that made an instance may stay idle as long as it likes.
**   call_workers: wasmplug_plugin_server_listen runs sessions' frames
**     (the plugin's code) on a pool of this many threads (8, at most
**     256), never on its loop: a slow call holds its session and one
**     worker, not the other sessions; past that many slow calls at once,
**     the next sessions' frames wait for a free worker.  One session's
**     frames run one at a time, in order; different sessions' instances
**     run at the same time (the plugin protects what they share: plugin
**     ABI, "State and threads"). */
typedef struct wasmplug_plugin_server_limits {
  uint32_t size; /* sizeof(wasmplug_plugin_server_limits_t) */
  unsigned frame_timeout_ms;
  unsigned send_timeout_ms;
  unsigned idle_timeout_ms; /* (appended: older callers' size stops before it) */
  unsigned call_workers;
} wasmplug_plugin_server_limits_t;
/* Sets them (before serving).  WASMPLUG_ERROR_INVALID for a size too small
** or a timeout over a day. */
WASMPLUG_API wasmplug_error_t *wasmplug_plugin_server_limits_set(wasmplug_plugin_server_t *server,
                                                                 const wasmplug_plugin_server_limits_t *limits);
/* Serves one connected socket until the host says BYE or hangs up; closes
** fd.  While a plugin call runs, a thread of the server's watches the
** socket for the host's interrupt notice and the call's deadline, and
** signals the calling thread with the stop signal (above;
** docs/plugin-rpc.md, "Interrupts"). */
WASMPLUG_API void wasmplug_plugin_server_run_fd(wasmplug_plugin_server_t *server, int fd);
/* Answers the host's first frame on fd with an error `message`, then
** closes fd: how a helper that cannot load its plugin says why. */
WASMPLUG_API void wasmplug_plugin_server_refuse(int fd, const char *message);
/* The helper process of an isolated plugin (--plugin PATH,isolate): what
** `wasmplug plugin-host` runs.  It confines itself (namespaces with an
** empty root, Landlock, seccomp; docs/plugin-rpc.md), then loads the plugin
** and serves the host on the descriptor --fd names.  An embedder whose own
** executable serves as the helper ($WASMPLUG_EXE) calls it from main with
** the arguments after its first.  Returns an exit status (or exits). */
WASMPLUG_API int wasmplug_plugin_host_main(int argc, char **argv);
/* A listening socket for "unix:PATH" or "tcp:HOST:PORT" (*fd), for
** wasmplug_plugin_server_listen. */
WASMPLUG_API wasmplug_error_t *wasmplug_plugin_server_socket(const char *address, int *fd);
/* Accepts and serves connections on listening socket `fd` in one poll
** loop.  Returns after `max_sessions` sessions ended (0: never), or an
** error.  Calls are watched as wasmplug_plugin_server_run_fd's are. */
WASMPLUG_API wasmplug_error_t *wasmplug_plugin_server_listen(wasmplug_plugin_server_t *server, int fd, int max_sessions);

/* An instance kept for reuse (a server's pool: a fresh instance per
** request without instantiating each time).  _snapshot remembers the
** instance as it is now; _reset brings it back: linear memories, globals
** and tables as they were (copy-on-write: the cost is what the guest
** touched), every resource handle made since dropped (destructors run
** once), so nothing a use did is seen by the next.  A snapshot is refused,
** with an error saying why, for what a reset could not rebuild: core
** modules (their WASI preview1 state), wasm plugins, native plugins with
** per-instance state of their own (only the built-in wasi-p2 and
** wasi-http, whose per-instance state is the guest's resources, are
** reset), live handles.  After an error from _reset, delete the instance;
** do not reset after a trap. */
WASMPLUG_API wasmplug_error_t *wasmplug_program_instance_snapshot(wasmplug_program_instance_t *instance);
WASMPLUG_API wasmplug_error_t *wasmplug_program_instance_reset(wasmplug_program_instance_t *instance);

/* The instance state of native plugin `plugin` (by name) for this
** instance, as the plugin's functions receive it (its instance_new runs now
** if it has not yet): how an embedder hands a plugin it linked in
** (wasmplug_host_plugin_add) what only the embedder has for this instance
** (`wasmplug serve` gives the wasi-http plugin its incoming requests).
** NULL when no plugin has that name. */
WASMPLUG_API void *wasmplug_program_instance_plugin_state(wasmplug_program_instance_t *instance, const char *plugin);

#ifdef __cplusplus
}
#endif

#endif /* WASMPLUG_HOST_H */
