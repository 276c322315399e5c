/*
** caps.h — the WASI capability object (the public wasmplug_wasi_config_t
** of wasmplug/host.h), one for both WASI versions.
**
** What a guest may see of the host: arguments, environment, preopened
** directories, stdio and whether it may use the network.  Preview1
** contexts (wp_wasi_ctx_new_config) and the WASI 0.2 plugin's instances
** (plugins/wasi/p2_state.c) are both built from it, so each option is
** given once and means the same for a core module and a component.
**
** The functions here need nothing but libc: wasi-p2.so links this file to
** turn its `--plugin wasi-p2.so,KEY=VALUE` configuration into the same
** object.  Errors are static strings; the library's public wrappers
** (wasi_config.c) make wasmplug errors of them.
*/
#ifndef WASMPLUG_WASI_CAPS_H
#define WASMPLUG_WASI_CAPS_H

#include <stdbool.h>
#include <stddef.h>

#include "wasmplug/host.h"

typedef struct wp_wasi_dir {
  char *host, *guest;
  bool readonly;
} wp_wasi_dir_t;

struct wasmplug_wasi_config {
  char **args;
  size_t nargs;
  char **env;    /* "NAME=VALUE", set explicitly (override inherited ones) */
  size_t nenv;
  bool inherit_env;
  wp_wasi_dir_t *dirs;
  size_t ndirs;
  int stdio[3];
  bool allow_network;
};

wasmplug_wasi_config_t *wp_wasi_caps_new(void);
void wp_wasi_caps_delete(wasmplug_wasi_config_t *c);
wasmplug_wasi_config_t *wp_wasi_caps_copy(const wasmplug_wasi_config_t *c);
/* Replaces dst's contents by a copy of src's; false (dst unchanged) on
** out of memory. */
bool wp_wasi_caps_assign(wasmplug_wasi_config_t *dst, const wasmplug_wasi_config_t *src);

const char *wp_wasi_caps_arg(wasmplug_wasi_config_t *c, const char *arg);
/* NAME=VALUE; a later NAME replaces the earlier. */
const char *wp_wasi_caps_env(wasmplug_wasi_config_t *c, const char *name, size_t name_len, const char *value);
/* "NAME=VALUE" or "NAME" (the host's value now; nothing when unset). */
const char *wp_wasi_caps_env_spec(wasmplug_wasi_config_t *c, const char *spec);
/* Records a directory (not opened here). */
const char *wp_wasi_caps_dir(wasmplug_wasi_config_t *c, const char *host, const char *guest, bool readonly);
/* "HOST" or "HOST::GUEST". */
const char *wp_wasi_caps_dir_spec(wasmplug_wasi_config_t *c, const char *spec, bool readonly);

/* The guest's environment: the host's (when inherited) with the explicit
** variables replacing or following it, as a malloc'ed array of malloc'ed
** "NAME=VALUE" strings.  NULL with *n = 0 and false on out of memory. */
bool wp_wasi_caps_env_list(const wasmplug_wasi_config_t *c, char ***out, size_t *n);
void wp_wasi_caps_free_list(char **list, size_t n);

#endif
