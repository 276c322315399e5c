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
** by the loaded plugins), then calls each of invokes[ninvokes] ("name(wave
** args)") in order on the one instance and prints each WAVE result (with
** several calls, one line each, empty for no result), or runs its
** wasi:cli/run export when ninvokes is 0.  The first trap or error ends the
** run.  Returns the exit status (0 / the guest's, 1 load, link or call
** error, 134 trap). */
int wp_run_component(wasmplug_engine_t *engine, wp_plugin_set_t *plugins, wp_wasm_plugins_t *wasm_plugins,
                     const char *file, const uint8_t *bytes, size_t len, const char *const *invokes,
                     size_t ninvokes);

/* `wasmplug wit app.wasm`: prints the component's world.  Exit status. */
int wp_wit_component(const char *path);

#endif
