/*
** semver.c — interface names of plugins matched by the one semver rule of
** wasmplug (wp_wit_semver_name_match, src/wit/version.c).
*/
#include "plugin/internal.h"

#include <string.h>

size_t wp_plugin_iface_name_len(const char *id) {
  const char *at = strchr(id, '@');
  return at ? (size_t)(at - id) : strlen(id);
}

bool wp_plugin_iface_match(const char *want, const char *have) {
  return wp_wit_semver_name_match(want, strlen(want), have, strlen(have)) != 0;
}
