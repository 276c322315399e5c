/*
** search.c — where `--plugin NAME` looks when NAME is a bare file name
** that does not exist in the current directory: every directory of
** $WASMPLUG_PLUGIN_PATH, then the installed plugins' directory,
** LIBDIR/wasmplug/plugins (wasi-p2.so and keyvalue-sqlite.so are
** installed there).
**
** The installed directory is found from where the running library is,
** not from the prefix given at configure time, so `cmake --install
** --prefix X` (make install PREFIX=X) works: next to libwasmplug.so it is
** ./wasmplug/plugins; for a program that linked libwasmplug.a (the
** wasmplug command) it is BINDIR's relative path to it.
*/
#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/host_internal.h"

#ifndef WASMPLUG_BIN_TO_PLUGINS
#define WASMPLUG_BIN_TO_PLUGINS "../lib/wasmplug/plugins"
#endif

char *wp_host_plugin_dir(void) {
  Dl_info info;
  char *real = NULL;
  if (dladdr((void *)wasmplug_version, &info) && info.dli_fname && strchr(info.dli_fname, '/'))
    real = realpath(info.dli_fname, NULL);
  if (!real) real = realpath("/proc/self/exe", NULL); /* the main program has no name in dladdr */
  if (!real) return NULL;
  char *copy = strdup(real);
  const char *base = copy ? basename(copy) : "";
  bool shared = !strncmp(base, "libwasmplug.so", 14);
  char *dir = dirname(real);
  size_t n = strlen(dir) + sizeof WASMPLUG_BIN_TO_PLUGINS + 32;
  char *out = malloc(n);
  if (out) snprintf(out, n, "%s/%s", dir, shared ? "wasmplug/plugins" : WASMPLUG_BIN_TO_PLUGINS);
  free(copy);
  free(real);
  return out;
}

static bool is_file(const char *p) {
  struct stat st;
  return !stat(p, &st) && S_ISREG(st.st_mode);
}

/* dir/name when it is a file (malloc'ed), else NULL. */
static char *in_dir(const char *dir, size_t dlen, const char *name) {
  if (!dlen) return NULL;
  size_t n = dlen + strlen(name) + 2;
  char *p = malloc(n);
  if (!p) return NULL;
  snprintf(p, n, "%.*s/%s", (int)dlen, dir, name);
  if (is_file(p)) return p;
  free(p);
  return NULL;
}

char *wp_host_plugin_find(const char *name) {
  if (!*name || strchr(name, '/') || is_file(name)) return NULL;
  const char *list = getenv("WASMPLUG_PLUGIN_PATH");
  for (const char *s = list; s && *s;) {
    size_t len = strcspn(s, ":");
    char *p = in_dir(s, len, name);
    if (p) return p;
    s += len;
    if (*s) s++;
  }
  char *dir = wp_host_plugin_dir();
  char *p = dir ? in_dir(dir, strlen(dir), name) : NULL;
  free(dir);
  return p;
}
