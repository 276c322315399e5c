/*
** cmd_plugins.c — `wasmplug plugins [DIR|FILE...]`: the plugins on the
** search path (or in the given directories), native and wasm, with what
** each provides, its options and whether it can be isolated.  `wasmplug
** wit PLUGIN` stays the detailed view (the WIT itself).
*/
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "wasmplug/host.h"

static const char plugins_usage[] = "usage: wasmplug plugins [DIR|FILE...]\n";
static const char plugins_help[] =
    "Lists plugins: every *.so (native) and *.wasm (component) plugin in the\n"
    "directories given, or by default on the plugin search path (the\n"
    "directories of WASMPLUG_PLUGIN_PATH, then the installed plugins'\n"
    "directory: where `--plugin NAME` finds a bare file name).  For each: its\n"
    "name and version, the interfaces it provides (WIT names with versions),\n"
    "its options with their types and defaults (`--plugin PATH,NAME=VALUE`),\n"
    "and whether it can run isolated (`--plugin PATH,isolate`).  Native\n"
    "plugins are checked but not initialized.  `wasmplug wit PLUGIN` prints a\n"
    "plugin's WIT.\n"
    "\n"
    "exit status: 0, or 1 when a file could not be read as a plugin (the\n"
    "others are still listed).\n";

static int ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && !strcmp(s + a - b, suf);
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Prints one plugin (a blank line before all but the first, counted in
** *count); returns 1 when it is not one.  In a directory listing, a core
** module is no plugin and is passed over in silence. */
static int show(const char *path, size_t *count, bool in_dir) {
  wasmplug_plugin_info_t *in;
  wasmplug_error_t *e = wasmplug_plugin_info_new(path, &in);
  if (e) {
    const char *msg = wasmplug_error_message(e);
    int bad = !(in_dir && strstr(msg, ": a core module, not a plugin"));
    fflush(stdout);
    if (bad && !strncmp(msg, path, strlen(path))) wp_cli_error("%s", msg);
    else if (bad) wp_cli_error("%s: %s", path, msg);
    wasmplug_error_delete(e);
    return bad;
  }
  /* a directory may hold guests too: a command (it exports only
  ** wasi:cli/run) is no plugin */
  bool command = in->wasm && in->ninterfaces;
  for (size_t i = 0; command && i < in->ninterfaces; i++) command = !strncmp(in->interfaces[i], "wasi:cli/run@", 13);
  if (in_dir && command) {
    wasmplug_plugin_info_delete(in);
    return 0;
  }
  if ((*count)++) putchar('\n');
  printf("%s %s (%s, %s)\n", in->name, in->version ? in->version : "-", in->wasm ? "wasm component" : "native",
         in->isolatable ? "isolatable" : "not isolatable");
  printf("  file      %s\n", in->path);
  for (size_t i = 0; i < in->ninterfaces; i++) printf("  %-9s %s\n", i ? "" : "provides", in->interfaces[i]);
  if (!in->ninterfaces) printf("  provides  (nothing)\n");
  for (size_t i = 0; i < in->nimports; i++) printf("  %-9s %s\n", i ? "" : "imports", in->imports[i]);
  for (size_t i = 0; i < in->noptions; i++) {
    const wasmplug_plugin_option_t *o = &in->options[i];
    printf("  %-9s %s: %s", i ? "" : "options", o->name, o->type);
    if (o->default_value) printf(" = %s", *o->default_value ? o->default_value : "\"\"");
    if (o->doc) printf("  -- %s", o->doc);
    putchar('\n');
  }
  if (!in->noptions) printf("  options   (none)\n");
  if (!in->isolatable && in->not_isolatable) printf("  isolate   no: %s\n", in->not_isolatable);
  wasmplug_plugin_info_delete(in);
  return 0;
}

/* Every plugin file in dir, sorted; *count gets how many there were. */
static int show_dir(const char *dir, size_t *count) {
  DIR *d = opendir(dir);
  if (!d) return 0; /* as for $PATH: a directory that is not there holds nothing */
  char **names = NULL;
  size_t n = 0, cap = 0;
  int bad = 0;
  struct dirent *ent;
  while ((ent = readdir(d))) {
    if (ent->d_name[0] == '.' || !(ends_with(ent->d_name, ".so") || ends_with(ent->d_name, ".wasm"))) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      char **nn = realloc(names, cap * sizeof *nn);
      if (!nn) break;
      names = nn;
    }
    size_t len = strlen(dir) + strlen(ent->d_name) + 2;
    if (!(names[n] = malloc(len))) break;
    snprintf(names[n++], len, "%s/%s", dir, ent->d_name);
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, by_name);
  for (size_t i = 0; i < n; i++) {
    bad |= show(names[i], count, true);
    free(names[i]);
  }
  free(names);
  return bad;
}

int wp_cmd_plugins(int argc, char **argv) {
  int bad = 0;
  size_t count = 0;
  int i = 1;
  for (; i < argc; i++) {
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      fputs(plugins_usage, stdout);
      fputs(plugins_help, stdout);
      return 0;
    }
    if (!strcmp(argv[i], "--")) {
      i++;
      break;
    }
    if (argv[i][0] == '-' && argv[i][1]) {
      wp_cli_error("unknown option '%s'", argv[i]);
      fputs(plugins_usage, stderr);
      return 2;
    }
    break;
  }
  if (i < argc) {
    for (; i < argc; i++) {
      struct stat st;
      if (stat(argv[i], &st)) {
        wp_cli_error("%s: no such file or directory", argv[i]);
        bad = 1;
      } else if (S_ISDIR(st.st_mode)) {
        bad |= show_dir(argv[i], &count);
      } else {
        bad |= show(argv[i], &count, false);
      }
    }
    return bad;
  }
  char *path = wasmplug_plugin_search_path();
  if (!path) {
    wp_cli_error("out of memory");
    return 1;
  }
  for (char *s = path; *s;) {
    size_t len = strcspn(s, ":");
    char save = s[len];
    s[len] = 0;
    if (len) bad |= show_dir(s, &count);
    s[len] = save;
    s += len;
    if (*s) s++;
  }
  if (!count) printf("no plugins on the search path (%s)\n", *path ? path : "empty");
  free(path);
  return bad;
}
