/*
** cmd_plugin_serve.c — `wasmplug plugin-serve PATH[,key=value...] --listen
** unix:PATH|tcp:HOST:PORT [--sessions N]`: serves one loaded plugin to
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

int wp_cmd_plugin_serve(int argc, char **argv) {
  const char *spec = NULL, *addr = NULL;
  int sessions = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--listen") && i + 1 < argc) addr = argv[++i];
    else if (!strcmp(argv[i], "--sessions") && i + 1 < argc) sessions = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      printf("usage: wasmplug plugin-serve PLUGIN.so[,key=value...] --listen unix:PATH|tcp:HOST:PORT "
             "[--sessions N]\n");
      return 0;
    } else if (!spec && argv[i][0] != '-') spec = argv[i];
    else {
      wp_cli_error("plugin-serve: unexpected argument '%s'", argv[i]);
      return 2;
    }
  }
  if (!spec || !addr) {
    wp_cli_error("plugin-serve: usage: wasmplug plugin-serve PLUGIN.so[,key=value...] --listen "
                 "unix:PATH|tcp:HOST:PORT [--sessions N]");
    return 2;
  }
  wasmplug_plugin_server_t *s = NULL;
  wasmplug_error_t *e = wasmplug_plugin_server_new(spec, &s);
  int lfd = -1;
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
