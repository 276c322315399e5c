/*
** cmd_plugin_host.c — `wasmplug plugin-host ...` (hidden): the helper
** process of an isolated plugin (--plugin x.so,isolate).  Everything is in
** the library (wasmplug_plugin_host_main, src/isolate/helper.c): the
** sandbox, completed before any code of the plugin runs, then the server.
*/
#include "cli.h"
#include "wasmplug/host.h"

int wp_cmd_plugin_host(int argc, char **argv) { return wasmplug_plugin_host_main(argc, argv); }
