/*
** component.h — the CLI's component paths (issue 5), called from
** cmd_run.c and cmd_wit.c.
*/
#ifndef WASMPLUG_CLI_COMPONENT_H
#define WASMPLUG_CLI_COMPONENT_H

#include <stddef.h>
#include <stdint.h>

#include "plugin/plugin.h"
#include "wasmplug.h"

/* `wasmplug wit app.wasm`: prints the component's world.  Exit status. */
int wp_wit_component(const char *path);

#endif
