/*
** wasi_config.c — wasmplug_wasi_config_* (wasmplug/host.h): the public
** face of the capability object (caps.c), with errors as wasmplug errors.
*/
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "os.h"

static wasmplug_error_t *fail(const char *why, const char *what) {
  if (!why) return NULL;
  return what ? wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "wasi: %s: %s", what, why)
              : wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "wasi: %s", why);
}

wasmplug_wasi_config_t *wasmplug_wasi_config_new(void) { return wp_wasi_caps_new(); }
void wasmplug_wasi_config_delete(wasmplug_wasi_config_t *c) { wp_wasi_caps_delete(c); }
wasmplug_wasi_config_t *wasmplug_wasi_config_copy(const wasmplug_wasi_config_t *c) { return wp_wasi_caps_copy(c); }

wasmplug_error_t *wasmplug_wasi_config_arg_push(wasmplug_wasi_config_t *c, const char *arg) {
  return fail(wp_wasi_caps_arg(c, arg), NULL);
}

wasmplug_error_t *wasmplug_wasi_config_env_set(wasmplug_wasi_config_t *c, const char *name, const char *value) {
  return fail(wp_wasi_caps_env(c, name, strlen(name), value), name);
}

wasmplug_error_t *wasmplug_wasi_config_env_spec(wasmplug_wasi_config_t *c, const char *spec) {
  return fail(wp_wasi_caps_env_spec(c, spec), spec);
}

void wasmplug_wasi_config_inherit_env(wasmplug_wasi_config_t *c, bool yes) { c->inherit_env = yes; }

wasmplug_error_t *wasmplug_wasi_config_dir_add(wasmplug_wasi_config_t *c, const char *host, const char *guest,
                                               uint32_t flags) {
  if (flags & ~WASMPLUG_DIR_READONLY)
    return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "wasi: %s: unknown directory flags 0x%x", host, flags);
  bool ro = flags & WASMPLUG_DIR_READONLY;
  /* Opened once now so a wrong path is reported where it was given, not
  ** when the first instance is made. */
  wp_os_handle_t h;
  wp_os_err_t e = *host ? wp_os_open_root(host, ro, &h) : 0;
  if (e) return wasmplug_error_new_kind(WASMPLUG_ERROR_IO, "cannot open directory %s (%s)", host, wp_os_err_name(e));
  if (*host) wp_os_close(&h);
  return fail(wp_wasi_caps_dir(c, host, guest, ro), host);
}

wasmplug_error_t *wasmplug_wasi_config_dir_spec(wasmplug_wasi_config_t *c, const char *spec, uint32_t flags) {
  const char *sep = strstr(spec, "::");
  if (!sep) return wasmplug_wasi_config_dir_add(c, spec, spec, flags);
  char *host = strndup(spec, (size_t)(sep - spec));
  if (!host) return wasmplug_error_new("wasi: out of memory");
  wasmplug_error_t *e = *host ? wasmplug_wasi_config_dir_add(c, host, sep + 2, flags)
                              : wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "%s: empty host path", spec);
  free(host);
  return e;
}

void wasmplug_wasi_config_stdio_set(wasmplug_wasi_config_t *c, int in, int out, int err) {
  c->stdio[0] = in;
  c->stdio[1] = out;
  c->stdio[2] = err;
}

void wasmplug_wasi_config_network_allow(wasmplug_wasi_config_t *c, bool yes) { c->allow_network = yes; }
