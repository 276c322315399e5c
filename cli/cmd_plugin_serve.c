/*
** cmd_plugin_serve.c — `wasmplug plugin-serve PATH[,key=value...] --listen
** unix:PATH|tcp:HOST:PORT [--sessions N] [--frame-timeout MS]
** [--send-timeout MS]`: serves one loaded plugin to
** any number of hosts (`--plugin unix:PATH` / `--plugin tcp:HOST:PORT`),
** each connection a session with its own instance states, all in one
** process and one poll loop (docs/plugin-rpc.md).  --sessions N exits
** after N sessions ended (tests, one-shot servers); "ready" is printed on
** stdout once the socket listens, so scripts can wait for it.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "wasmplug/host.h"

static const char ps_usage[] =
    "usage: wasmplug plugin-serve PLUGIN.so[,key=value...] --listen unix:PATH|tcp:HOST:PORT [--sessions N]\n"
    "       [--frame-timeout MS] [--send-timeout MS]\n";

static const char ps_help[] =
    "Serves one native plugin to any number of hosts (--plugin unix:PATH or\n"
    "--plugin tcp:HOST:PORT), each connection a session with its own instance\n"
    "states, in one process and one loop (docs/plugin-rpc.md).  Clients are\n"
    "untrusted: their frames are checked, and none can hold the others up.\n"
    "\n"
    "options:\n"
    "  --listen ADDR        unix:PATH or tcp:HOST:PORT (numeric IPv4); prints\n"
    "                       \"ready\" on stdout once listening\n"
    "  --sessions N         exit after N sessions ended (default: never)\n"
    "  --frame-timeout MS   a frame begun must arrive whole within MS ms\n"
    "                       (default 5000), else its session gets an error and ends\n"
    "  --send-timeout MS    a reply must be taken by its client within MS ms\n"
    "                       (default 30000), else its session ends\n"
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
  wasmplug_plugin_server_limits_t lim = {sizeof lim, 0, 0};
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
