/*
** p2_caps.c — the host side of the built-in wasi-p2 plugin: registers it
** (linked in, not dlopen'd) on a plugin set with the host's capability
** object as its plugin state.  Not part of wasi-p2.so, which reads the
** same capabilities from its `--plugin wasi-p2.so,...` configuration.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p2.h"
#include "plugin/plugin.h"

wasmplug_error_t *wp_wasi_p2_register(struct wp_plugin_set *set, const wasmplug_wasi_config_t *caps) {
  return wp_plugin_set_add_builtin_data(set, wp_wasi_p2_entry, "wasi-p2", NULL, (void *)caps);
}

bool wp_wasi_p2_exit_status(const char *msg, int *code) {
  static const char tag[] = ": wasi:cli/exit: exit status ";
  const char *f = msg ? strstr(msg, "wasi:cli/exit@") : NULL, *t = f ? strstr(f, tag) : NULL;
  if (!t) return false;
  /* the function part between them must be #exit or #exit-with-code */
  const char *hash = memchr(f, '#', (size_t)(t - f));
  if (!hash || (strncmp(hash, "#exit:", 6) && strncmp(hash, "#exit-with-code:", 16))) return false;
  const char *d = t + sizeof tag - 1;
  int n = 0;
  if (*d < '0' || *d > '9') return false;
  for (; *d >= '0' && *d <= '9' && n <= 255; d++) n = n * 10 + (*d - '0');
  if (*d || n > 255) return false;
  *code = n;
  return true;
}
