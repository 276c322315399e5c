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

/* `wasmplug run` for a component: links its imports (interfaces provided
** by the loaded plugins), then calls `invoke` ("name(wave args)") and prints
** the WAVE result, or runs its wasi:cli/run export.  Returns the exit
** status (0 / the guest's, 1 load or link error, 134 trap). */
int wp_run_component(wasmplug_engine_t *engine, wp_plugin_set_t *plugins, wp_wasm_plugins_t *wasm_plugins,
                     const char *file, const uint8_t *bytes, size_t len, const char *invoke);

/* `wasmplug wit app.wasm`: prints the component's world.  Exit status. */
int wp_wit_component(const char *path);

#endif
