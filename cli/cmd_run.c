/*
** cmd_run.c — `wasmplug run`: run a WASI command module (or call one of
** its exports) with the capabilities given on the command line.
*/
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli/component.h"
#include "plugin/plugin.h"
#include "wasi/p2.h"
#include "wasi/wasi.h"
#include "wasmplug.h"

static const char run_usage[] =
    "usage: wasmplug run [OPTIONS] FILE [ARGS...]\n";

static const char run_help[] =
    "Runs a WebAssembly module (its `_start` export: a WASI preview1 command)\n"
    "or component (its wasi:cli/run export), or the export named by --invoke.\n"
    "FILE is a .wasm module or component, or an artifact written by `wasmplug\n"
    "compile`.  The guest's exit status becomes wasmplug's.\n"
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
    "  --no-default-plugins    do not register the built-in WASI 0.2 plugin\n"
    "                          (wasi-p2) for components: WASI then comes only from\n"
    "                          --plugin, e.g. --plugin wasi-p2.so,dir=D,args=A\n"
    "  --invoke NAME           call export NAME (no arguments) instead of _start\n"
    "                          and print its results; for a component, 'NAME(ARGS)'\n"
    "                          with ARGS and the printed result in WAVE, NAME a bare\n"
    "                          export or IFACE#FUNC (a component without --invoke\n"
    "                          runs its wasi:cli/run export)\n"
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
    "  --plugin-dir DIR        load every *.so plugin in DIR (repeatable)\n"
    "  --plugin-use IFACE=NAME take interface IFACE (ns:pkg/name) from plugin NAME\n"
    "                          when several loaded plugins provide it\n"
    "  --tier TIER             baseline: compile with libtcc in memory (fast start);\n"
    "                          optimized: cc -O2, cached on disk (compiles on a miss);\n"
    "                          auto (default): use cached optimized code when it\n"
    "                          exists, otherwise start on the baseline tier\n"
    "  --timeout MS            trap the guest when a call runs longer than MS ms,\n"
    "                          waits in WASI and plugin calls included\n"
    "  -h, --help              this help\n"
    "\n"
    "environment: WASMPLUG_CACHE_DIR (default $XDG_CACHE_HOME/wasmplug or\n"
    "~/.cache/wasmplug) holds optimized code; WASMPLUG_CC picks the compiler;\n"
    "WASMPLUG_PLUGIN_PATH is a ':'-separated list of directories whose plugins\n"
    "are all loaded.\n"
    "exit status: the guest's; 134 when it traps; 1 on load/link errors;\n"
    "2 on usage errors.\n";

static int usage_error(const char *fmt, const char *arg) {
  fputs("wasmplug: error: ", stderr);
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  fputs(run_usage, stderr);
  return 2;
}

/* Prints one core value the way `wasmtime run --invoke` does. */
static void print_val(const wasmplug_val_t *v) {
  switch (v->kind) {
  case WASMPLUG_I32: printf("%" PRId32 "\n", v->of.i32); break;
  case WASMPLUG_I64: printf("%" PRId64 "\n", v->of.i64); break;
  case WASMPLUG_F32: printf("%.9g\n", (double)v->of.f32); break;
  case WASMPLUG_F64: printf("%.17g\n", v->of.f64); break;
  default: printf("<ref>\n"); break;
  }
}

int wp_cmd_run(int argc, char **argv) {
  const char *invoke = NULL, *file = NULL;
  wasmplug_tier_t tier = WASMPLUG_TIER_AUTO;
  uint64_t timeout = 0;
  int status = 1, shown = 0;
  wp_wasi_ctx_t *wasi = wp_wasi_ctx_new();
  wasmplug_config_t *config = wasmplug_config_new();
  wasmplug_engine_t *engine = NULL;
  wasmplug_module_t *module = NULL;
  wasmplug_linker_t *linker = NULL;
  wasmplug_instance_t *instance = NULL;
  wp_plugin_set_t *plugins = wp_plugin_set_new();
  wp_wasm_plugins_t *wasm_plugins = wp_wasm_plugins_new(); /* --plugin X.wasm: components */
  /* A component's WASI 0.2 capabilities: the built-in plugin's config. */
  wp_wasi_p2_caps_t *caps = wp_wasi_p2_caps_new();
  bool default_plugins = true;
  wp_plugin_guest_t *plugin_guest = NULL;
  wasmplug_error_t *err = NULL;
  wasmplug_trap_t *trap = NULL;
  uint8_t *bytes = NULL;
  if (!wasi || !config || !plugins || !caps || !wasm_plugins) {
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
    if (!strcmp(a, "--no-default-plugins")) { default_plugins = false; continue; }
    if (!strcmp(a, "--inherit-env") || !strcmp(a, "--allow-network")) {
      wp_wasi_p2_caps_set(caps, a + 2);
      if (a[2] == 'i') { /* preview1 modules too; --env wins wherever it is */
        extern char **environ;
        for (char **e = environ; *e && !err; e++) {
          size_t nl = strcspn(*e, "=");
          bool given = false; /* by an earlier --env NAME[=VALUE] */
          for (int k = 1; k < i && !given; k++) {
            const char *v = !strcmp(argv[k], "--env") && k + 1 < i ? argv[k + 1]
                            : !strncmp(argv[k], "--env=", 6)     ? argv[k] + 6 : NULL;
            given = v && !strncmp(v, *e, nl) && (v[nl] == '=' || !v[nl]);
          }
          if (nl && !given) err = wp_wasi_ctx_push_env_spec(wasi, *e);
        }
        if (err) { wp_cli_error("--inherit-env: %s", wasmplug_error_message(err)); goto out; }
      }
      continue;
    }
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
                 !strcmp(name, "--plugin") || !strcmp(name, "--plugin-dir") || !strcmp(name, "--plugin-use");
    if (!takes) { status = usage_error("unknown option '%s'", a); goto out; }
    if (eq) val = eq + 1;
    else if (i + 1 < argc) val = argv[++i];
    else { status = usage_error("option '%s' needs a value", name); goto out; }

    if (!strcmp(name, "--dir") || !strcmp(name, "--dir-ro")) {
      err = wp_wasi_ctx_preopen_spec(wasi, val, !strcmp(name, "--dir-ro"));
      if (err) { wp_cli_error("%s %s: %s", name, val, wasmplug_error_message(err)); goto out; }
      if (!wp_wasi_p2_caps_add(caps, name + 2, val)) { wp_cli_error("out of memory"); goto out; }
    } else if (!strcmp(name, "--env")) {
      err = wp_wasi_ctx_push_env_spec(wasi, val);
      if (err) { status = usage_error("--env: %s", wasmplug_error_message(err)); goto out; }
      if (!wp_wasi_p2_caps_add(caps, "env", val)) { wp_cli_error("out of memory"); goto out; }
    } else if (!strcmp(name, "--plugin") || !strcmp(name, "--plugin-dir") || !strcmp(name, "--plugin-use")) {
      err = !strcmp(name, "--plugin") && wp_wasm_plugin_spec_is_component(val) ? wp_wasm_plugins_add(wasm_plugins, val)
            : !strcmp(name, "--plugin") ? wp_plugin_set_load(plugins, val)
            : !strcmp(name, "--plugin-dir") ? wp_plugin_set_load_dir(plugins, val)
                                            : wp_plugin_set_use(plugins, val);
      if (err) { wp_cli_error("%s", wasmplug_error_message(err)); goto out; }
    } else if (!strcmp(name, "--invoke")) {
      invoke = val;
    } else if (!strcmp(name, "--tier")) {
      if (!strcmp(val, "baseline")) tier = WASMPLUG_TIER_BASELINE;
      else if (!strcmp(val, "optimized")) tier = WASMPLUG_TIER_OPTIMIZED;
      else if (!strcmp(val, "auto")) tier = WASMPLUG_TIER_AUTO;
      else { status = usage_error("--tier: expected baseline, optimized or auto, got '%s'", val); goto out; }
    } else if (!strcmp(name, "--timeout")) {
      char *end;
      errno = 0;
      unsigned long long ms = strtoull(val, &end, 10);
      if (errno || end == val || *end || ms == 0) {
        status = usage_error("--timeout: expected a positive number of milliseconds, got '%s'", val);
        goto out;
      }
      timeout = ms;
    }
  }
  if (i >= argc) { status = usage_error("%s", "missing FILE"); goto out; }
  file = argv[i];
  if ((err = wp_plugin_set_load_path(plugins, getenv("WASMPLUG_PLUGIN_PATH")))) {
    wp_cli_error("WASMPLUG_PLUGIN_PATH: %s", wasmplug_error_message(err));
    goto out;
  }

  size_t len;
  bytes = wp_cli_read_file(file, &len);
  if (!bytes) goto out;

  wasmplug_config_tier_set(config, tier);
  wasmplug_config_timeout_set(config, timeout);
  wasmplug_config_progress_set(config, wp_cli_progress, &shown);
  if ((err = wasmplug_engine_new(config, &engine))) {
    wp_cli_error("%s", wasmplug_error_message(err));
    goto out;
  }
  if (wasmplug_bytes_is_component(bytes, len)) {
    /* WASI 0.2 is a plugin like any other: registered unless told not to. */
    for (int k = i; k < argc && default_plugins; k++)
      if (!wp_wasi_p2_caps_add(caps, "args", argv[k])) { wp_cli_error("out of memory"); goto out; }
    if (default_plugins && (err = wp_wasi_p2_register(plugins, caps))) {
      wp_cli_error("%s", wasmplug_error_message(err));
      goto out;
    }
    status = wp_run_component(engine, plugins, wasm_plugins, file, bytes, len, invoke);
    goto out;
  }
  if (wp_wasm_plugins_count(wasm_plugins)) { /* they link to component imports only */
    wp_cli_error("%s: wasm plugins (--plugin X.wasm) need a component guest; this is a core module", file);
    goto out;
  }
  if ((err = wasmplug_module_new(engine, bytes, len, file, &module))) {
    wp_cli_error("%s", wasmplug_error_message(err));
    goto out;
  }

  /* argv[0] is the file name as given, like a native program's. */
  for (int k = i; k < argc; k++)
    if ((err = wp_wasi_ctx_push_arg(wasi, argv[k]))) {
      wp_cli_error("%s", wasmplug_error_message(err));
      goto out;
    }
  linker = wasmplug_linker_new(engine);
  if (!linker) { wp_cli_error("out of memory"); goto out; }
  if ((err = wp_wasi_p1_define(linker, wasi))) {
    wp_cli_error("%s", wasmplug_error_message(err));
    goto out;
  }
  /* Imports of interfaces ("ns:pkg/iface@ver") go to the loaded plugins. */
  if ((err = wp_plugin_guest_new(plugins, &plugin_guest)) ||
      (err = wp_plugin_guest_define(plugin_guest, linker, module))) {
    wp_cli_error("%s: %s", file, wasmplug_error_message(err));
    goto out;
  }
  wasmplug_linker_instantiate(linker, module, NULL, &instance, &err, &trap);
  if (err) {
    wp_cli_error("%s", wasmplug_error_message(err));
    goto out;
  }
  if (!trap) {
    wasmplug_func_t *init = wasmplug_instance_func(instance, "_initialize");
    if (init && !wasmplug_instance_func(instance, "_start"))
      trap = wasmplug_func_call(init, NULL, 0, NULL, 0);
  }
  if (!trap) {
    const char *entry = invoke ? invoke : "_start";
    wasmplug_func_t *f = wasmplug_instance_func(instance, entry);
    if (!f) {
      if (invoke) wp_cli_error("%s: no exported function named '%s'", file, invoke);
      else wp_cli_error("%s: no _start export (not a command module); use --invoke NAME", file);
      goto out;
    }
    const wasmplug_functype_t *ft = wasmplug_func_type(f);
    if (ft->nparams) {
      wp_cli_error("%s: export '%s' takes %u parameters; --invoke calls only functions "
                   "without parameters", file, entry, ft->nparams);
      goto out;
    }
    wasmplug_val_t results[16];
    if (ft->nresults > 16) {
      wp_cli_error("%s: export '%s' has too many results", file, entry);
      goto out;
    }
    trap = wasmplug_func_call(f, NULL, 0, results, ft->nresults);
    if (!trap) {
      for (uint32_t r = 0; r < ft->nresults; r++) print_val(&results[r]);
      status = 0;
    }
  }
  if (trap) {
    int code;
    fflush(stdout);
    if (wasmplug_trap_exit_status(trap, &code)) {
      status = code;
    } else {
      wp_cli_error("%s", wasmplug_trap_message(trap));
      status = 134;
    }
  }
out:
  fflush(stdout);
  wasmplug_trap_delete(trap);
  wasmplug_error_delete(err);
  wasmplug_instance_delete(instance);
  wp_plugin_guest_delete(plugin_guest); /* plugin resources die with the instance */
  wasmplug_linker_delete(linker);
  wp_wasi_ctx_delete(wasi);
  wasmplug_module_delete(module);
  wp_wasm_plugins_delete(wasm_plugins); /* compiled by the engine, calls into native plugins */
  wasmplug_engine_delete(engine);
  wasmplug_config_delete(config);
  wp_plugin_set_delete(plugins); /* after everything that may call into plugins */
  wp_wasi_p2_caps_delete(caps);
  free(bytes);
  return status;
}
