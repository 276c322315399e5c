/*
** cmd_serve.c — `wasmplug serve`: parses the command line; the server
** itself is the library's (wasmplug/serve.h, plugins/http/serve*.c).
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "wasmplug.h"
#include "wasmplug/host.h"
#include "wasmplug/serve.h"

static const char serve_usage[] = "usage: wasmplug serve [--addr HOST:PORT] [OPTIONS] app.wasm\n";

static const char serve_help[] =
    "Serves a wasi:http component over HTTP/1.1: a wasi:http/proxy component of\n"
    "WASI 0.2 (its wasi:http/incoming-handler export) or a wasi:http/service of\n"
    "WASI 0.3.0 (its async wasi:http/handler export; bodies are streams).  Every\n"
    "request is handed to the component in an instance of its own (fresh memory\n"
    "and state), on all cores.  Bodies stream both ways with backpressure, and\n"
    "trailers of chunked bodies go both ways.  A request whose guest traps or\n"
    "sets no response gets a 500.  SIGINT or SIGTERM let in-flight requests\n"
    "finish (new ones get 503), then exit.\n"
    "\n"
    "options:\n"
    "  --addr HOST:PORT        where to listen (default 127.0.0.1:8080; [V6]:PORT,\n"
    "                          :PORT for every address, port 0 picks a free one);\n"
    "                          prints \"listening on http://HOST:PORT\" once ready\n"
    "  --allow-http HOST[:PORT]\n"
    "                          let the guest send outgoing requests to HOST\n"
    "                          (any port, or PORT only; '*' any host); repeatable.\n"
    "                          0.2 outgoing-handler and 0.3 client.send alike.\n"
    "                          Denied by default (error-code HTTP-request-denied)\n"
    "  --dir HOST[::GUEST]     let the guest reach directory HOST (as GUEST)\n"
    "  --dir-ro HOST[::GUEST]  the same, read-only\n"
    "  --env NAME[=VALUE]      give the guest an environment variable\n"
    "  --inherit-env           give the guest the host's whole environment\n"
    "  --allow-network         let the guest use wasi:sockets (denied by default)\n"
    "  --no-default-plugins    do not register the built-in WASI plugins (wasi-p2,\n"
    "                          wasi-p3), as for run: WASI then comes only from\n"
    "                          --plugin, e.g. --plugin wasi-p2.so,dir=D (the\n"
    "                          server's own wasi:http stays)\n"
    "  --plugin PATH[,KEY=VALUE...]  load a plugin, as for run (repeatable)\n"
    "  --plugin-dir DIR        load every *.so plugin in DIR\n"
    "  --plugin-use IFACE=NAME take interface IFACE from plugin NAME\n"
    "  --tier TIER             baseline, optimized or auto (default), as for run\n"
    "  --tier-up               build the optimized tier in the background when\n"
    "                          auto starts on the baseline, as for run (the next\n"
    "                          start of the server uses it)\n"
    "  --timeout MS            a request whose guest runs longer than MS ms is\n"
    "                          stopped (500, or its response cut short)\n"
    "  --fuel N                a request's guest calls may take N units of fuel\n"
    "                          (one per function entry and loop iteration), then\n"
    "                          trap (500): a deterministic limit, unlike --timeout\n"
    "  --max-body BYTES        largest request body (default 64 MiB): 413; also\n"
    "                          the largest response body of an outgoing request\n"
    "  --max-header-bytes N    memory for one connection's request head\n"
    "                          (default 32768): larger heads get 431/414\n"
    "  --max-concurrent N      requests run by guests at once (default 2 per core);\n"
    "                          more wait in a queue of --max-queue (1024), then 503\n"
    "  --max-queue N           requests waiting for a guest (default 1024)\n"
    "  --max-connections N     open connections (default 1024)\n"
    "  --idle-timeout S        close a connection idle (or too slow) for S seconds\n"
    "                          (default 30)\n"
    "  --min-send-rate N       a client must take a response body at N bytes/s\n"
    "                          on average (default 1024; 0: no minimum), counted\n"
    "                          over the time the server had bytes waiting for it\n"
    "                          (not the guest's time to write them) once that\n"
    "                          passes --idle-timeout; a slower one is cut off,\n"
    "                          which frees the guest writing the body\n"
    "  --threads N             event loops (default one per core), each with a\n"
    "                          group of threads: its share of --max-concurrent\n"
    "                          and one more.  A request runs on the thread\n"
    "                          running the loop it came on once it is complete;\n"
    "                          one whose body outgrows a 256 KiB window before,\n"
    "                          on another thread of the group\n"
    "  --takeover-ms MS        a guest running on a loop's thread holds that\n"
    "                          loop's other connections at most about MS ms\n"
    "                          (default 1): then another thread of the group\n"
    "                          takes the loop over\n"
    "  --no-pin                do not pin threads to CPUs (default, on 2 or more\n"
    "                          CPUs: each group's threads on one CPU; a request\n"
    "                          goes to another group when its own is busy)\n"
    "  --grace S               on SIGINT/SIGTERM, wait up to S seconds (default 30)\n"
    "                          for requests in flight (new ones get 503), then\n"
    "                          end them (503, or their responses cut; their\n"
    "                          outgoing requests fail; a guest still computing\n"
    "                          or waiting is interrupted, with or without\n"
    "                          --timeout/--fuel)\n"
    "  --no-reuse              instantiate each request's instance from scratch\n"
    "                          (default: reset a pooled instance to its state right\n"
    "                          after instantiation, which is as fresh and faster)\n"
    "  -v, --verbose           one access-log line per request on stderr\n"
    "  -h, --help              this help\n";

static int usage_error(const char *fmt, const char *arg) {
  fputs("wasmplug: error: ", stderr);
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  fputs(serve_usage, stderr);
  return 2;
}

/* A decimal number in [min, max]; false when not. */
static bool number(const char *s, unsigned long long min, unsigned long long max, unsigned long long *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || *end || *s == '-' || v < min || v > max) return false;
  *out = v;
  return true;
}

int wp_cmd_serve(int argc, char **argv) {
  int status = 1, shown = 0;
  wasmplug_serve_options_t o;
  wasmplug_host_options_t hopts = {sizeof hopts, 0};
  memset(&o, 0, sizeof o);
  o.size = sizeof o;
  wasmplug_tier_t tier = WASMPLUG_TIER_AUTO;
  uint64_t timeout = 0, fuel = 0;
  const char **allow = calloc((size_t)argc + 1, sizeof *allow);
  size_t nallow = 0;
  /* --plugin/--plugin-dir/--plugin-use, applied in order once the host exists */
  const char **popts = calloc((size_t)argc + 1, sizeof *popts);
  char *pkind = calloc((size_t)argc + 1, 1);
  size_t npopts = 0;
  wasmplug_config_t *config = wasmplug_config_new();
  wasmplug_wasi_config_t *wasi = wasmplug_wasi_config_new();
  wasmplug_engine_t *engine = NULL;
  wasmplug_host_t *host = NULL;
  wasmplug_program_t *program = NULL;
  wasmplug_error_t *err = NULL;
  uint8_t *bytes = NULL;
  if (!allow || !popts || !pkind || !config || !wasi) {
    wp_cli_error("out of memory");
    goto out;
  }
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (a[0] != '-' || !strcmp(a, "-")) break;
    if (!strcmp(a, "--")) {
      i++;
      break;
    }
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(serve_usage, stdout);
      fputs(serve_help, stdout);
      status = 0;
      goto out;
    }
    if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
      o.verbose = true;
      continue;
    }
    if (!strcmp(a, "--tier-up")) {
      wasmplug_config_tier_up_set(config, true);
      continue;
    }
    if (!strcmp(a, "--no-pin")) {
      o.no_pin = true;
      continue;
    }
    if (!strcmp(a, "--no-default-plugins")) {
      hopts.flags |= WASMPLUG_HOST_NO_DEFAULT_PLUGINS;
      continue;
    }
    if (!strcmp(a, "--no-reuse")) {
      o.fresh_instances = true;
      continue;
    }
    if (!strcmp(a, "--inherit-env")) {
      wasmplug_wasi_config_inherit_env(wasi, true);
      continue;
    }
    if (!strcmp(a, "--allow-network")) {
      wasmplug_wasi_config_network_allow(wasi, true);
      continue;
    }
    const char *val = NULL;
    char name[32];
    const char *eq = strchr(a, '=');
    size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
    if (nlen >= sizeof name) {
      status = usage_error("unknown option '%s'", a);
      goto out;
    }
    memcpy(name, a, nlen);
    name[nlen] = 0;
    static const char *const with_value[] = {
        "--addr", "--allow-http", "--dir", "--dir-ro", "--env", "--plugin", "--plugin-dir", "--plugin-use",
        "--tier", "--timeout", "--fuel", "--max-body", "--max-header-bytes", "--max-concurrent", "--max-queue",
        "--max-connections", "--idle-timeout", "--threads", "--grace", "--takeover-ms", "--min-send-rate"};
    bool takes = false;
    for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++) takes |= !strcmp(name, with_value[k]);
    if (!takes) {
      status = usage_error("unknown option '%s'", a);
      goto out;
    }
    if (eq) val = eq + 1;
    else if (i + 1 < argc) val = argv[++i];
    else {
      status = usage_error("option '%s' needs a value", name);
      goto out;
    }
    unsigned long long n = 0;
    if (!strcmp(name, "--addr")) {
      o.addr = val;
    } else if (!strcmp(name, "--allow-http")) {
      allow[nallow++] = val;
    } else if (!strcmp(name, "--dir") || !strcmp(name, "--dir-ro")) {
      err = wasmplug_wasi_config_dir_spec(wasi, val, !strcmp(name, "--dir-ro") ? WASMPLUG_DIR_READONLY : 0);
      if (err) {
        wp_cli_error("%s %s: %s", name, val, wasmplug_error_message(err));
        goto out;
      }
    } else if (!strcmp(name, "--env")) {
      if ((err = wasmplug_wasi_config_env_spec(wasi, val))) {
        status = usage_error("--env: %s", wasmplug_error_message(err));
        goto out;
      }
    } else if (!strcmp(name, "--plugin") || !strcmp(name, "--plugin-dir") || !strcmp(name, "--plugin-use")) {
      pkind[npopts] = name[8] == 0 ? 'p' : name[9] == 'd' ? 'd' : 'u';
      popts[npopts++] = val;
    } else if (!strcmp(name, "--tier")) {
      if (!strcmp(val, "baseline")) tier = WASMPLUG_TIER_BASELINE;
      else if (!strcmp(val, "optimized")) tier = WASMPLUG_TIER_OPTIMIZED;
      else if (!strcmp(val, "auto")) tier = WASMPLUG_TIER_AUTO;
      else {
        status = usage_error("--tier: expected baseline, optimized or auto, got '%s'", val);
        goto out;
      }
    } else {
      /* the numeric limits */
      struct {
        const char *opt;
        unsigned long long min, max;
      } const lim[] = {{"--timeout", 1, UINT32_MAX},       {"--fuel", 1, INT64_MAX},
                       {"--max-body", 1, UINT64_MAX / 2},
                       {"--max-header-bytes", 1024, 1u << 30}, {"--max-concurrent", 1, 4096},
                       {"--max-queue", 1, 1u << 20},      {"--max-connections", 1, 1u << 20},
                       {"--idle-timeout", 1, 86400},      {"--threads", 1, 1024},
                       {"--grace", 1, 86400},             {"--takeover-ms", 1, 10000},
                       {"--min-send-rate", 0, UINT64_MAX / 2}};
      size_t k = 0;
      while (strcmp(lim[k].opt, name)) k++;
      if (!number(val, lim[k].min, lim[k].max, &n)) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s: expected a number from %llu to %llu, got '%%s'", name, lim[k].min, lim[k].max);
        status = usage_error(msg, val);
        goto out;
      }
      if (!strcmp(name, "--timeout")) timeout = n;
      else if (!strcmp(name, "--fuel")) fuel = n;
      else if (!strcmp(name, "--max-body")) o.max_body = n;
      else if (!strcmp(name, "--max-header-bytes")) o.max_header_bytes = (size_t)n;
      else if (!strcmp(name, "--max-concurrent")) o.workers = (unsigned)n;
      else if (!strcmp(name, "--max-queue")) o.queue = (unsigned)n;
      else if (!strcmp(name, "--max-connections")) o.max_connections = (unsigned)n;
      else if (!strcmp(name, "--idle-timeout")) o.idle_timeout_s = (unsigned)n;
      else if (!strcmp(name, "--threads")) o.threads = (unsigned)n;
      else if (!strcmp(name, "--takeover-ms")) o.takeover_ms = (unsigned)n;
      else if (!strcmp(name, "--min-send-rate")) o.min_send_rate = n ? n : UINT64_MAX; /* 0: none */
      else o.grace_s = (unsigned)n;
    }
  }
  if (i >= argc) {
    status = usage_error("%s", "missing FILE (a wasi:http/proxy component)");
    goto out;
  }
  if (i + 1 < argc) {
    status = usage_error("unexpected argument '%s' after the component", argv[i + 1]);
    goto out;
  }
  const char *file = argv[i];
  size_t len;
  if (!(bytes = wp_cli_read_file(file, &len))) goto out;
  wasmplug_config_tier_set(config, tier);
  wasmplug_config_timeout_set(config, timeout);
  wasmplug_config_fuel_set(config, fuel);
  wasmplug_config_progress_set(config, wp_cli_progress, &shown);
  /* WASI 0.2 (built into the host) and wasi:http are plugins like any
  ** other; http bodies are wasi:io streams of the WASI plugin
  ** (include/wasmplug/io.h) */
  if ((err = wasmplug_wasi_config_arg_push(wasi, file)) || (err = wasmplug_engine_new(config, &engine)) ||
      (err = wasmplug_host_new(engine, &hopts, &host)) || (err = wasmplug_host_wasi_set(host, wasi)) ||
      (err = wasmplug_serve_http_plugin_add(host, allow, nallow, o.max_body ? o.max_body : (64u << 20)))) {
    wp_cli_error("%s", wasmplug_error_message(err));
    goto out;
  }
  for (size_t k = 0; k < npopts; k++) {
    err = pkind[k] == 'p'   ? wasmplug_host_plugin_load(host, popts[k])
          : pkind[k] == 'd' ? wasmplug_host_plugin_load_dir(host, popts[k])
                            : wasmplug_host_plugin_use(host, popts[k]);
    if (err) {
      wp_cli_error("%s", wasmplug_error_message(err));
      goto out;
    }
  }
  if ((err = wasmplug_host_plugin_load_path(host, getenv("WASMPLUG_PLUGIN_PATH")))) {
    wp_cli_error("WASMPLUG_PLUGIN_PATH: %s", wasmplug_error_message(err));
    goto out;
  }
  if ((err = wasmplug_program_new(host, bytes, len, file, &program)) || (err = wasmplug_serve(program, &o))) {
    wp_cli_error("%s", wasmplug_error_message(err));
    goto out;
  }
  status = 0;
out:
  wasmplug_error_delete(err);
  wasmplug_program_delete(program);
  wasmplug_host_delete(host); /* after everything that may call into plugins */
  wasmplug_engine_delete(engine);
  wasmplug_config_delete(config);
  wasmplug_wasi_config_delete(wasi);
  free(allow);
  free(popts);
  free(pkind);
  free(bytes);
  return status;
}
