/*
** cmd_plugin_serve.c — `wasmplug plugin-serve PATH[,key=value...] --listen
** unix:PATH|tcp:HOST:PORT [--sessions N] [--frame-timeout MS]
** [--send-timeout MS] [--idle-timeout MS] [--call-workers N]`: serves one
** loaded plugin to any number of hosts (`--plugin unix:PATH` / `--plugin
** tcp:HOST:PORT`), each connection a session with its own instance
** states, all in one process: one poll loop, the plugin's calls on a pool
** of workers (docs/plugin-rpc.md).  --sessions N exits
** after N sessions ended (tests, one-shot servers); "ready" is printed on
** stdout once the socket listens, so scripts can wait for it.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "wasmplug/host.h"

static const char ps_usage[] =
    "usage: wasmplug plugin-serve PLUGIN.so[,key=value...] --listen unix:PATH|tcp:HOST:PORT [--sessions N]\n"
    "       [--frame-timeout MS] [--send-timeout MS] [--idle-timeout MS] [--call-workers N]\n";

static const char ps_help[] =
    "Serves one native plugin to any number of hosts (--plugin unix:PATH or\n"
    "--plugin tcp:HOST:PORT), each connection a session with its own instance\n"
    "states, in one process: one loop, the plugin's calls on a pool of workers\n"
    "(docs/plugin-rpc.md).  Clients are untrusted: their frames are checked,\n"
    "and none can hold the others up.\n"
    "\n"
    "options:\n"
    "  --listen ADDR        unix:PATH or tcp:HOST:PORT (numeric IPv4); prints\n"
    "                       \"ready\" on stdout once listening\n"
    "  --sessions N         exit after N sessions ended (default: never)\n"
    "  --frame-timeout MS   a frame begun must arrive whole within MS ms\n"
    "                       (default 5000), else its session gets an error and ends\n"
    "  --send-timeout MS    a reply must be taken by its client within MS ms\n"
    "                       (default 30000), else its session ends\n"
    "  --idle-timeout MS    a session that has made no plugin instance yet and sends\n"
    "                       nothing for MS ms is closed (default 300000; 0: never)\n"
    "  --call-workers N     threads running the plugin's calls (default 8, 1-256):\n"
    "                       a slow call holds its own session and one worker, the\n"
    "                       other sessions' calls run meanwhile\n"
    "  -h, --help           this help\n";

/* A number of milliseconds from 1 to a day; -1 when not. */
static long ms_arg(const char *s) {
  char *end;
  long v = strtol(s, &end, 10);
  return *s >= '0' && *s <= '9' && !*end && v >= 1 && v <= 86400000L ? v : -1;
}

int wp_cmd_plugin_serve(int argc, char **argv) {
  const char *spec = NULL, *addr = NULL;
  int sessions = 0;
  wasmplug_plugin_server_limits_t lim = {sizeof lim, 0, 0, 0, 0};
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--listen") && i + 1 < argc) addr = argv[++i];
    else if (!strcmp(argv[i], "--sessions") && i + 1 < argc) sessions = atoi(argv[++i]);
    else if ((!strcmp(argv[i], "--frame-timeout") || !strcmp(argv[i], "--send-timeout")) && i + 1 < argc) {
      long v = ms_arg(argv[i + 1]);
      if (v < 0) {
        wp_cli_error("plugin-serve: %s: expected milliseconds from 1 to 86400000, got '%s'", argv[i], argv[i + 1]);
        return 2;
      }
      if (argv[i][2] == 'f') lim.frame_timeout_ms = (unsigned)v;
      else lim.send_timeout_ms = (unsigned)v;
      i++;
    } else if (!strcmp(argv[i], "--idle-timeout") && i + 1 < argc) {
      long v = strcmp(argv[i + 1], "0") ? ms_arg(argv[i + 1]) : 0;
      if (v < 0) {
        wp_cli_error("plugin-serve: --idle-timeout: expected milliseconds from 0 (never) to 86400000, got '%s'",
                     argv[i + 1]);
        return 2;
      }
      lim.idle_timeout_ms = v ? (unsigned)v : UINT32_MAX;
      i++;
    } else if (!strcmp(argv[i], "--call-workers") && i + 1 < argc) {
      char *end;
      long v = strtol(argv[i + 1], &end, 10);
      if (argv[i + 1][0] < '0' || argv[i + 1][0] > '9' || *end || v < 1 || v > 256) {
        wp_cli_error("plugin-serve: --call-workers: expected a number from 1 to 256, got '%s'", argv[i + 1]);
        return 2;
      }
      lim.call_workers = (unsigned)v;
      i++;
    } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      fputs(ps_usage, stdout);
      fputs(ps_help, stdout);
      return 0;
    } else if (!spec && argv[i][0] != '-') spec = argv[i];
    else {
      wp_cli_error("plugin-serve: unexpected argument '%s'", argv[i]);
      return 2;
    }
  }
  if (!spec || !addr) {
    wp_cli_error("plugin-serve: a plugin and --listen are needed");
    fputs(ps_usage, stderr);
    return 2;
  }
  wasmplug_plugin_server_t *s = NULL;
  wasmplug_error_t *e = wasmplug_plugin_server_new(spec, &s);
  int lfd = -1;
  if (!e) e = wasmplug_plugin_server_limits_set(s, &lim);
  if (!e) e = wasmplug_plugin_server_socket(addr, &lfd);
  if (e) {
    wp_cli_error("%s", wasmplug_error_message(e));
    wasmplug_error_delete(e);
    wasmplug_plugin_server_delete(s);
    return 1;
  }
  printf("ready\n");
  fflush(stdout);
  e = wasmplug_plugin_server_listen(s, lfd, sessions);
  close(lfd);
  if (!strncmp(addr, "unix:", 5)) unlink(addr + 5);
  wasmplug_plugin_server_delete(s);
  if (e) {
    wp_cli_error("%s", wasmplug_error_message(e));
    wasmplug_error_delete(e);
    return 1;
  }
  return 0;
}
