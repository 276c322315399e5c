/*
** cmd_run.c — `wasmplug run`: run a WASI command module (or call one of
** its exports) with the capabilities given on the command line.
*/
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "wasmplug.h"
#include "wasmplug/host.h"
#include "wasmplug/serve.h" /* the built-in wasi:http plugins */

static const char run_usage[] =
    "usage: wasmplug run [OPTIONS] FILE [ARGS...]\n";

static const char run_help[] =
    "Runs a WebAssembly module (its `_start` export: a WASI preview1 command)\n"
    "or component (its wasi:cli/run export), or the export named by --invoke.\n"
    "FILE is a .wasm module or component, or (with --allow-precompiled) an\n"
    "artifact written by `wasmplug compile`.  The guest's exit status becomes\n"
    "wasmplug's.\n"
    "\n"
    "options:\n"
    "  --dir HOST[::GUEST]     let the guest reach directory HOST, seen as GUEST\n"
    "                          (default: the same path); nothing outside it\n"
    "  --dir-ro HOST[::GUEST]  the same, read-only\n"
    "  --env NAME[=VALUE]      give the guest an environment variable (without\n"
    "                          =VALUE, the host's value of NAME)\n"
    "  --inherit-env           give the guest the host's whole environment\n"
    "                          (--env still adds or overrides variables)\n"
    "  --allow-network         let a component use wasi:sockets (denied by default)\n"
    "  --allow-http HOST[:PORT]\n"
    "                          let a component's outgoing HTTP requests (wasi:http\n"
    "                          0.2 outgoing-handler, 0.3 client.send) reach HOST\n"
    "                          (any port, or PORT only; '*' any host); repeatable.\n"
    "                          Denied by default (error-code HTTP-request-denied)\n"
    "  --no-default-plugins    do not register the built-in WASI plugins for\n"
    "                          components (wasi-p2, wasi-p3, and wasi-http unless\n"
    "                          --allow-http is given): WASI then comes only from\n"
    "                          --plugin, e.g. --plugin wasi-p2.so,dir=D,args=A\n"
    "  --invoke NAME           call export NAME (no arguments) instead of _start\n"
    "                          and print its results; for a component, 'NAME(ARGS)'\n"
    "                          with ARGS and the printed result in WAVE, NAME a bare\n"
    "                          export or IFACE#FUNC, or FUNC alone when one exported\n"
    "                          interface has it (a component without --invoke\n"
    "                          runs its wasi:cli/run export).  Repeatable: the calls\n"
    "                          run in order on the same instance; with several, each\n"
    "                          component call prints one line (empty when it returns\n"
    "                          nothing); the first trap ends the run (status 134)\n"
    "  --plugin PATH[,KEY=VALUE...]\n"
    "                          load native plugin PATH (repeatable): the guest's\n"
    "                          imports of the interfaces it provides are linked to\n"
    "                          it; KEY=VALUE pairs configure it (`wasmplug wit\n"
    "                          PATH` lists its options).  A component PATH is a\n"
    "                          wasm plugin composed with the guest at run time:\n"
    "                          PATH[,shared][,dir=HOST[::GUEST]][,env=NAME=VALUE]\n"
    "                          [,allow-dl=POLICY]; shared: one plugin instance for\n"
    "                          every guest instance; dir=, env=, allow-dl= (wasi:dl\n"
    "                          policy): the plugin's capabilities, never the guest's\n"
    "                          A bare file name not found here is looked for in\n"
    "                          WASMPLUG_PLUGIN_PATH, then in the installed plugins\n"
    "                          (LIBDIR/wasmplug/plugins: wasi-p2.so, keyvalue-sqlite.so)\n"
    "  --plugin-dir DIR        load every *.so plugin in DIR (repeatable)\n"
    "  --plugin-use IFACE=NAME take interface IFACE (ns:pkg/name) from plugin NAME\n"
    "                          when several loaded plugins provide it\n"
    "  --trap-unknown-imports  let FILE import functions that nothing provides (no\n"
    "                          WASI, no plugin): it runs, and calling one traps\n"
    "                          naming it (Wasmtime's flag; without it such an\n"
    "                          import is a link error)\n"
    "  --default-values-unknown-imports\n"
    "                          the same, but calling one returns its result's\n"
    "                          default value (0, \"\", none, ok(..), the first case)\n"
    "  --allow-precompiled     run FILE even if it is an artifact of `wasmplug\n"
    "                          compile`: its native code runs with all of your\n"
    "                          rights, so only for artifacts you made or trust\n"
    "                          (refused by default)\n"
    "  --tier TIER             baseline: compile with libtcc in memory (fast start);\n"
    "                          optimized: cc -O1 (-O2 with SIMD; -Og for cold\n"
    "                          functions: huge ones mostly outside loops and\n"
    "                          those only they call), cached on disk\n"
    "                          (compiles on a miss);\n"
    "                          auto (default): use cached optimized code when it\n"
    "                          exists, otherwise start on the baseline tier\n"
    "  --tier-up               when auto starts on the baseline tier, build the\n"
    "                          optimized tier in the background (a detached,\n"
    "                          nice 19 process that may outlive this run) into\n"
    "                          the cache, so the next run starts optimized\n"
    "  --timeout MS            trap the guest when a call runs longer than MS ms,\n"
    "                          waits in WASI and plugin calls included\n"
    "  --fuel N                give each call into the guest N units of fuel (one\n"
    "                          per function entry and per loop iteration): when\n"
    "                          they run out the guest traps, at the same point on\n"
    "                          every run (\"all fuel consumed by WebAssembly\")\n"
    "limits (what a guest may make wasmplug hold; each reached limit is an error\n"
    "or trap naming it; SIZE takes a K, M, G or T suffix; `unlimited` lifts one):\n"
    "  --max-memory SIZE       bytes per linear memory (default 4G); memory.grow\n"
    "                          past it returns -1\n"
    "  --max-table-elements N  elements per table (default 10000000)\n"
    "  --max-instances N       core module instances one component instance may\n"
    "                          create (default 10000)\n"
    "  --max-handles N         resource handles per handle table (default 1000000)\n"
    "  --max-host-memory SIZE  host memory one call may make wasmplug allocate for\n"
    "                          the guest: values copied out of it, plugin call\n"
    "                          arenas (default 128M)\n"
    "  -h, --help              this help\n"
    "\n"
    "environment: WASMPLUG_CACHE_DIR (default $XDG_CACHE_HOME/wasmplug or\n"
    "~/.cache/wasmplug) holds optimized code; WASMPLUG_CC picks the compiler;\n"
    "WASMPLUG_PLUGIN_PATH is a ':'-separated list of directories whose plugins\n"
    "are all loaded; WASMPLUG_FULL_TEARDOWN=1 deletes every object before\n"
    "exiting (by default only the plugins' finalizers and the stdio flags the\n"
    "guest changed are undone: memory and descriptors are left to the kernel).\n"
    "exit status: the guest's; 134 when it traps; 1 on load/link errors;\n"
    "2 on usage errors.\n";

static int usage_error(const char *fmt, const char *arg) {
  fputs("wasmplug: error: ", stderr);
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  fputs(run_usage, stderr);
  return 2;
}

/* A plugin option, kept in order until the host exists. */
typedef struct plugin_opt {
  char kind; /* 'p' --plugin, 'd' --plugin-dir, 'u' --plugin-use */
  const char *val;
} plugin_opt;

/* Whether a component imports a wasi:http interface: its top-level import
** sections (id 10) name one.  Only those are read (the core modules,
** most of a large component, are skipped by their sizes); an artifact of
** `wasmplug compile` is searched whole. */
static bool imports_wasi_http(const uint8_t *b, size_t n) {
  static const char want[] = "wasi:http/";
  const size_t wl = sizeof want - 1;
  if (!wasmplug_bytes_is_component(b, n)) return memmem(b, n, want, wl) != NULL;
  for (size_t i = 8; i < n;) {
    uint8_t id = b[i++];
    uint64_t size = 0;
    for (unsigned shift = 0;; shift += 7) {
      if (i >= n || shift > 28) return false; /* malformed: the decoder will say so */
      size |= (uint64_t)(b[i] & 0x7f) << shift;
      if (!(b[i++] & 0x80)) break;
    }
    if (size > n - i) return false;
    if (id == 10 && memmem(b + i, (size_t)size, want, wl)) return true;
    i += (size_t)size;
  }
  return false;
}

/* The exit status of a trap: 134 after its message. */
static int trap_status(wasmplug_trap_t *t) {
  fflush(stdout);
  wp_cli_error("%s", wasmplug_trap_message(t));
  char *bt = wasmplug_trap_backtrace(t);
  if (bt) fputs(bt, stderr);
  free(bt);
  return 134;
}

#ifdef WP_CLI_STATIC
/* `wasmplug run ARGS...` by wasmplug-dynamic: argv is run's (argv[0] is
** "run", or the program's name for `wasmplug FILE`). */
static int run_dynamic(int argc, char **argv, const char *why) {
  char **full = calloc((size_t)argc + 2, sizeof *full);
  if (!full) {
    wp_cli_error("out of memory");
    return 1;
  }
  full[0] = "wasmplug";
  full[1] = "run";
  for (int k = 1; k < argc; k++) full[k + 1] = argv[k];
  int status = wp_cli_exec_dynamic(full, why);
  free(full);
  return status;
}
#endif

int wp_cmd_run(int argc, char **argv) {
  const char *file = NULL;
  const char **invokes = calloc((size_t)argc + 1, sizeof *invokes); /* --invoke, in order */
  size_t ninvokes = 0;
  const char **allow_http = calloc((size_t)argc + 1, sizeof *allow_http);
  size_t nallow_http = 0;
  wasmplug_tier_t tier = WASMPLUG_TIER_AUTO;
  uint64_t timeout = 0, fuel = 0;
  bool allow_precompiled = false, tier_up = false, allow_network = false;
  wasmplug_unknown_imports_t unknown = WASMPLUG_UNKNOWN_IMPORTS_REFUSE;
  wasmplug_store_limits_t limits = {sizeof limits, 0, 0, 0, 0, 0, 0}; /* 0: the default */
  int status = 1, shown = 0;
  wasmplug_wasi_config_t *wasi = wasmplug_wasi_config_new();
  wasmplug_config_t *config = wasmplug_config_new();
  wasmplug_engine_t *engine = NULL;
  wasmplug_host_t *host = NULL;
  wasmplug_program_t *program = NULL;
  wasmplug_program_instance_t *instance = NULL;
  wasmplug_host_options_t hopts = {sizeof hopts, 0};
  plugin_opt *popts = calloc((size_t)argc, sizeof *popts);
  size_t npopts = 0;
  wasmplug_error_t *err = NULL;
  wasmplug_trap_t *trap = NULL;
  uint8_t *bytes = NULL;
  char *result = NULL;
  if (!wasi || !config || !popts || !invokes || !allow_http) {
    wp_cli_error("out of memory");
    goto out;
  }

  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (a[0] != '-' || !strcmp(a, "-")) break;
    if (!strcmp(a, "--")) { i++; break; }
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(run_usage, stdout);
      fputs(run_help, stdout);
      status = 0;
      goto out;
    }
    if (!strcmp(a, "--no-default-plugins")) { hopts.flags |= WASMPLUG_HOST_NO_DEFAULT_PLUGINS; continue; }
    /* --env wins over --inherit-env wherever it is */
    if (!strcmp(a, "--inherit-env")) { wasmplug_wasi_config_inherit_env(wasi, true); continue; }
    if (!strcmp(a, "--allow-network")) {
      wasmplug_wasi_config_network_allow(wasi, true);
      allow_network = true;
      continue;
    }
    if (!strcmp(a, "--allow-precompiled")) { allow_precompiled = true; continue; }
    if (!strcmp(a, "--tier-up")) { tier_up = true; continue; }
    if (!strcmp(a, "--trap-unknown-imports")) { unknown = WASMPLUG_UNKNOWN_IMPORTS_TRAP; continue; }
    if (!strcmp(a, "--default-values-unknown-imports")) { unknown = WASMPLUG_UNKNOWN_IMPORTS_DEFAULT; continue; }
    /* Options with a value: --opt VALUE or --opt=VALUE. */
    const char *val = NULL;
    char name[32];
    const char *eq = strchr(a, '=');
    size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
    if (nlen >= sizeof name) { status = usage_error("unknown option '%s'", a); goto out; }
    memcpy(name, a, nlen);
    name[nlen] = 0;
    bool takes = !strcmp(name, "--dir") || !strcmp(name, "--dir-ro") || !strcmp(name, "--env") ||
                 !strcmp(name, "--invoke") || !strcmp(name, "--tier") || !strcmp(name, "--timeout") ||
                 !strcmp(name, "--fuel") || !strcmp(name, "--allow-http") ||
                 !strcmp(name, "--plugin") || !strcmp(name, "--plugin-dir") || !strcmp(name, "--plugin-use") ||
                 !strncmp(name, "--max-", 6);
    if (!takes) { status = usage_error("unknown option '%s'", a); goto out; }
    if (eq) val = eq + 1;
    else if (i + 1 < argc) val = argv[++i];
    else { status = usage_error("option '%s' needs a value", name); goto out; }

    if (!strcmp(name, "--dir") || !strcmp(name, "--dir-ro")) {
      err = wasmplug_wasi_config_dir_spec(wasi, val, !strcmp(name, "--dir-ro") ? WASMPLUG_DIR_READONLY : 0);
      if (err) { wp_cli_error("%s %s: %s", name, val, wasmplug_error_message(err)); goto out; }
    } else if (!strcmp(name, "--env")) {
      err = wasmplug_wasi_config_env_spec(wasi, val);
      if (err) { status = usage_error("--env: %s", wasmplug_error_message(err)); goto out; }
    } else if (!strcmp(name, "--plugin") || !strcmp(name, "--plugin-dir") || !strcmp(name, "--plugin-use")) {
      popts[npopts].kind = !strcmp(name, "--plugin") ? 'p' : !strcmp(name, "--plugin-dir") ? 'd' : 'u';
      popts[npopts++].val = val;
    } else if (!strcmp(name, "--invoke")) {
      invokes[ninvokes++] = val;
    } else if (!strcmp(name, "--allow-http")) {
      allow_http[nallow_http++] = val;
    } else if (!strcmp(name, "--tier")) {
      if (!strcmp(val, "baseline")) tier = WASMPLUG_TIER_BASELINE;
      else if (!strcmp(val, "optimized")) tier = WASMPLUG_TIER_OPTIMIZED;
      else if (!strcmp(val, "auto")) tier = WASMPLUG_TIER_AUTO;
      else { status = usage_error("--tier: expected baseline, optimized or auto, got '%s'", val); goto out; }
    } else if (!strcmp(name, "--timeout")) {
      uint64_t ms;
      if (!wp_cli_parse_u64(val, false, &ms) || ms == 0 || ms == UINT64_MAX) {
        status = usage_error("--timeout: expected a positive number of milliseconds, got '%s'", val);
        goto out;
      }
      timeout = ms;
    } else if (!strcmp(name, "--fuel")) {
      if (!wp_cli_parse_u64(val, false, &fuel) || fuel == 0 || fuel > (uint64_t)INT64_MAX) {
        status = usage_error("--fuel: expected a positive number of units, got '%s'", val);
        goto out;
      }
    } else {
      /* --max-*: the engine's limits (wasmplug_store_limits_t) */
      static const struct {
        const char *name;
        bool size;
        size_t off;
      } lims[] = {
          {"--max-memory", true, offsetof(wasmplug_store_limits_t, memory_bytes)},
          {"--max-table-elements", false, offsetof(wasmplug_store_limits_t, table_elements)},
          {"--max-instances", false, offsetof(wasmplug_store_limits_t, instances)},
          {"--max-handles", false, offsetof(wasmplug_store_limits_t, handles)},
          {"--max-host-memory", true, offsetof(wasmplug_store_limits_t, host_memory_bytes)},
      };
      size_t k = 0;
      while (k < sizeof lims / sizeof lims[0] && strcmp(lims[k].name, name)) k++;
      if (k == sizeof lims / sizeof lims[0]) { status = usage_error("unknown option '%s'", a); goto out; }
      uint64_t v;
      if (!wp_cli_parse_u64(val, lims[k].size, &v) || v == 0) {
        fprintf(stderr, "wasmplug: error: %s: expected a positive %s or `unlimited`, got '%s'\n", name,
                lims[k].size ? "size (a number of bytes, K, M, G or T suffix)" : "number", val);
        fputs(run_usage, stderr);
        status = 2;
        goto out;
      }
      memcpy((char *)&limits + lims[k].off, &v, sizeof v);
    }
  }
  if (i >= argc) { status = usage_error("%s", "missing FILE"); goto out; }
  file = argv[i];
  /* argv[0] is the file's name without its directories, as Wasmtime
  ** gives it (the host's paths are not the guest's business). */
  for (int k = i; k < argc; k++)
    if ((err = wasmplug_wasi_config_arg_push(wasi, k == i && strrchr(argv[k], '/') ? strrchr(argv[k], '/') + 1
                                                                                 : argv[k]))) {
      wp_cli_error("%s", wasmplug_error_message(err));
      goto out;
    }

#ifdef WP_CLI_STATIC
  /* This command is linked statically: what loads shared objects runs in
  ** wasmplug-dynamic (main.c), the same command, given the same arguments:
  ** native plugins (and wasm plugins, whose wasi:dl may dlopen); the HTTP
  ** libraries (--allow-http; a component importing wasi:http, below);
  ** wasm2c's C, which libtcc links against libm.so.  Core modules and
  ** components run here: their WASI is built in. */
  const char *plugin_path = getenv("WASMPLUG_PLUGIN_PATH"), *translator = getenv("WASMPLUG_TRANSLATOR");
  if (npopts || nallow_http || (plugin_path && *plugin_path) ||
      (translator && *translator && strcmp(translator, "own"))) {
    status = run_dynamic(argc, argv, npopts || (plugin_path && *plugin_path) ? "a native plugin"
                                     : nallow_http                           ? "--allow-http"
                                                                             : "WASMPLUG_TRANSLATOR");
    goto out;
  }
  /* and a component given the network: wasi:sockets' name lookups
  ** (getaddrinfo loads the C library's NSS modules).  Its first 8 bytes
  ** say, before any work; a file that cannot be read stays here, to be
  ** reported as any run reports it. */
  unsigned char head[8];
  int hfd = allow_network ? open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC) : -1;
  ssize_t hn = hfd >= 0 ? pread(hfd, head, sizeof head, 0) : -1;
  if (hfd >= 0) close(hfd);
  if (hn == (ssize_t)sizeof head && memcmp(head, "\0asm\1\0\0\0", sizeof head)) {
    status = run_dynamic(argc, argv, "--allow-network");
    goto out;
  }
#else
  (void)allow_network;
#endif
  wasmplug_config_tier_set(config, tier);
  wasmplug_config_timeout_set(config, timeout);
  wasmplug_config_fuel_set(config, fuel);
  wasmplug_config_limits_set(config, &limits);
  wasmplug_config_allow_precompiled_set(config, allow_precompiled);
  if (tier_up) wasmplug_config_tier_up_set(config, true);
  wasmplug_config_progress_set(config, wp_cli_progress, &shown);
  if ((err = wasmplug_engine_new(config, &engine)) || (err = wasmplug_host_new(engine, &hopts, &host)) ||
      (err = wasmplug_host_wasi_set(host, wasi)) || (err = wasmplug_host_unknown_imports_set(host, unknown))) {
    wp_cli_error("%s", wasmplug_error_message(err));
    goto out;
  }
  for (size_t k = 0; k < npopts; k++) {
    const char *v = popts[k].val;
    err = popts[k].kind == 'p'   ? wasmplug_host_plugin_load(host, v)
          : popts[k].kind == 'd' ? wasmplug_host_plugin_load_dir(host, v)
                                 : wasmplug_host_plugin_use(host, v);
    if (err) { wp_cli_error("%s", wasmplug_error_message(err)); goto out; }
  }
  if ((err = wasmplug_host_plugin_load_path(host, getenv("WASMPLUG_PLUGIN_PATH")))) {
    wp_cli_error("WASMPLUG_PLUGIN_PATH: %s", wasmplug_error_message(err));
    goto out;
  }

  size_t len;
  bytes = wp_cli_read_module(file, &len);
  if (!bytes) goto out;
  /* wasi:http (0.2 and 0.3), built in like WASI, for a component that
  ** imports it: outgoing requests denied but to what --allow-http grants */
  bool component = wasmplug_bytes_is_component(bytes, len) || wasmplug_bytes_is_component_artifact(bytes, len);
  bool http = component && (nallow_http || (!(hopts.flags & WASMPLUG_HOST_NO_DEFAULT_PLUGINS) &&
                                            imports_wasi_http(bytes, len)));
#ifdef WP_CLI_STATIC
  /* (its libraries are loaded when first used: by wasmplug-dynamic;
  ** --allow-http went there above) */
  if (http) {
    status = run_dynamic(argc, argv, "a wasi:http component");
    goto out;
  }
#endif
  if (http && (err = wasmplug_serve_http_plugin_add(host, allow_http, nallow_http, 0))) {
    wp_cli_error("%s", wasmplug_error_message(err));
    goto out;
  }
  /* the program takes the buffer: no second copy of a large file */
  err = wasmplug_program_new_owned(host, bytes, len, file, &program);
  bytes = NULL;
  if (err) {
    wp_cli_error("%s", wasmplug_error_message(err));
    goto out;
  }
  wasmplug_program_instantiate(program, &instance, &err, &trap);
  if (trap) {
    int code;
    /* an exit while starting (a reactor's _initialize) */
    if (wasmplug_trap_exit_status(trap, &code)) {
      wasmplug_trap_delete(trap);
      trap = NULL;
      status = code;
    }
  } else if (!err && !ninvokes) {
    err = wasmplug_program_instance_run(instance, &status, &trap);
  } else if (!err) {
    /* In order, on this one instance: state carries from call to call. */
    bool lines = ninvokes > 1 && wasmplug_program_is_component(program);
    for (size_t k = 0; k < ninvokes && !err && !trap; k++) {
      err = wasmplug_program_instance_invoke(instance, invokes[k], &result, &status, &trap);
      if (!result) break; /* an error, a trap or the guest exited */
      /* with several component calls, one line each (empty for none) */
      if (*result || lines) printf("%s\n", result);
      free(result);
      result = NULL;
    }
  }
  if (err) {
    wp_cli_error("%s", wasmplug_error_message(err));
    status = 1;
  } else if (trap) {
    status = trap_status(trap);
  }
out:
  fflush(stdout);
  /* The run is over: end the process with only the teardown that has
  ** effects outside it (plugins' destructors and fini, the stdio flags the
  ** guest changed); the rest is the kernel's at exit (host.h).  It comes
  ** back only when the lean exit is off (sanitizers, WASMPLUG_FULL_TEARDOWN). */
  if (host) wasmplug_host_exit(host, instance, status);
  free(result);
  wasmplug_trap_delete(trap);
  wasmplug_error_delete(err);
  wasmplug_program_instance_delete(instance);
  wasmplug_program_delete(program);
  wasmplug_host_delete(host); /* after everything that may call into plugins */
  wasmplug_engine_delete(engine);
  wasmplug_config_delete(config);
  wasmplug_wasi_config_delete(wasi);
  free(popts);
  free(bytes);
  free(invokes);
  free(allow_http);
  return status;
}
