/*
** util.c — string helpers of the plugin layer.
*/
#include "plugin/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *wp_plugin_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}
