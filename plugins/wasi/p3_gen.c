/*
** p3_gen.c — build tool: generates the wasi-p3 plugin's bindings
** (wp3.h/wp3.c) from plugins/wasi/wit/0.3.0 with the bindgen layer, and a
** second descriptor for the release candidate 0.3.0-rc-2026-03-15 that
** toolchains still emit (Rust's wasm32-wasip3).
**
** Why one set of C functions for both: the rc's WIT (copied from
** WebAssembly/WASI at tag v0.3.0-rc-2026-03-15) is the 0.3.0 WIT with
** another version, every type and function the same.  This tool checks
** that — both folders are resolved and printed, and the rc's text must be
** the 0.3.0 text with the version replaced — and only then writes the rc
** descriptor (plugin "wasi-p3-rc", entry wp3_rc_entry) next to the first,
** over the same wrappers.  A future rc that differs fails the build here.
**
** usage: wasi_p3_gen WIT_DIR RC_WIT_DIR OUT_DIR VERSION
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindgen/bindgen.h"
#include "wit/wit.h"
#include "../common/gen_names.h" /* wp3_names.h */

#define V3 "@0.3.0"
#define RC "@0.3.0-rc-2026-03-15"

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
    free(s);
    s = NULL;
  }
  if (s) s[n] = 0;
  fclose(f);
  return s;
}

/* s with every `from` replaced by `to` (malloc'd). */
static char *replace(const char *s, const char *from, const char *to) {
  size_t fl = strlen(from), tl = strlen(to), n = 0;
  for (const char *p = s; (p = strstr(p, from)); p += fl) n++;
  char *out = malloc(strlen(s) + n * (tl > fl ? tl - fl : 0) + 1), *o = out;
  if (!out) return NULL;
  for (const char *p = s, *q; *p; p = q + fl) {
    if (!(q = strstr(p, from))) {
      strcpy(o, p);
      return out;
    }
    memcpy(o, p, (size_t)(q - p));
    o += q - p;
    memcpy(o, to, tl);
    o += tl;
  }
  *o = 0;
  return out;
}

/* The printed WIT of the folder's main package, without doc comments,
** annotations (@since, @unstable) and blank lines: what a guest links to. */
static char *print_wit(const char *dir, const char *feature) {
  wp_wit_resolve_t *r = wp_wit_resolve_new();
  wp_wit_error_t *e = NULL;
  uint32_t pkg;
  char *s = NULL;
  if (r && (!feature || !wp_wit_resolve_feature(r, feature)) && !wp_wit_push_dir(r, dir, &pkg, &e))
    s = wp_wit_print(r, pkg);
  if (s) { /* drop the lines in place */
    char *o = s;
    for (char *l = s, *nl; *l; l = nl) {
      nl = strchr(l, '\n');
      nl = nl ? nl + 1 : l + strlen(l);
      const char *t = l + strspn(l, " ");
      if (*t == '\n' || *t == '@' || !strncmp(t, "///", 3)) continue;
      memmove(o, l, (size_t)(nl - l));
      o += nl - l;
    }
    *o = 0;
  }
  if (e) {
    fprintf(stderr, "wasi_p3_gen: %s: %s\n", dir, e->message ? e->message : "cannot resolve");
    wp_wit_error_delete(e);
  }
  wp_wit_resolve_delete(r);
  return s;
}

static void c_literal(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '\n') fputs("\\n\"\n\"", f);
    else if (*s == '"' || *s == '\\') fprintf(f, "\\%c", *s);
    else fputc(*s, f);
  }
  fputc('"', f);
}

/* Appends the rc descriptor to OUT_DIR/wp3.c: the generated descriptor's
** tables with the version replaced, the rc's own printed WIT. */
static int rc_descriptor(const char *wit_dir, const char *rc_dir, const char *out_dir) {
  /* the rc gates exit-with-code behind a feature 0.3.0 made stable: served */
  char *a = print_wit(wit_dir, NULL), *b = print_wit(rc_dir, "cli-exit-with-code"), *want = a ? replace(a, V3, RC) : NULL;
  int rc = 1;
  char path[4096];
  snprintf(path, sizeof path, "%s/wp3.c", out_dir);
  char *c = slurp(path);
  const char *from = c ? strstr(c, "static const wasmplug_plugin_func_t plugin_funcs[]") : NULL;
  const char *to = c ? strstr(c, "WASMPLUG_PLUGIN_ENTRY(host)") : NULL;
  if (!a || !b || !want || !c || !from || !to) {
    fprintf(stderr, "wasi_p3_gen: cannot read the WIT or the generated %s\n", path);
    goto done;
  }
  if (strcmp(want, b)) {
    fprintf(stderr, "wasi_p3_gen: %s is not %s with the version " RC ": the rc needs its own functions\n", rc_dir,
            wit_dir);
    goto done;
  }
  /* the tables between plugin_funcs and the entry point, renamed */
  char *tables = strndup(from, (size_t)(to - from)), *t1 = NULL, *t2 = NULL, *t3 = NULL, *t4 = NULL, *t5 = NULL;
  if (tables && (t1 = replace(tables, V3, RC)) && (t2 = replace(t1, "plugin_funcs", "plugin_funcs_rc")) &&
      (t3 = replace(t2, "plugin_resources", "plugin_resources_rc")) &&
      (t4 = strdup(t3)) && (t5 = replace(t4, "plugin_desc", "plugin_desc_rc"))) {
    char *t6 = replace(t5, "plugin_wit", "plugin_wit_rc"), *t7 = t6 ? replace(t6, "\"wasi-p3\"", "\"wasi-p3-rc\"") : NULL;
    FILE *f = fopen(path, "ab");
    if (f && t7) {
      fputs("\n/* ---- WASI 0.3.0-rc-2026-03-15: the same functions under the rc's names\n"
            "** (written by p3_gen.c after checking the rc's WIT is 0.3.0's). */\n"
            "static const char plugin_wit_rc[] =\n",
            f);
      c_literal(f, want);
      fputs(";\n\n", f);
      fputs(t7, f);
      fputs("const wasmplug_plugin_t *wp3_rc_entry(const wasmplug_host_api_t *host) {\n"
            "  (void)host;\n  return &plugin_desc_rc;\n}\n",
            f);
      rc = fclose(f) != 0;
    } else if (f) {
      fclose(f);
    }
    free(t6);
    free(t7);
  }
  free(tables);
  free(t1);
  free(t2);
  free(t3);
  free(t4);
  free(t5);
done:
  free(a);
  free(b);
  free(want);
  free(c);
  return rc;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: wasi_p3_gen WIT_DIR RC_WIT_DIR OUT_DIR VERSION\n");
    return 2;
  }
  wp_bindgen_opts_t o = {0};
  o.side = WP_BINDGEN_PLUGIN;
  o.wit_path = argv[1];
  o.world = "provides";
  o.out_dir = argv[3];
  o.prefix = "wp3";
  o.plugin_name = "wasi-p3";
  o.plugin_version = argv[4];
  /* no options: wasi-p3 is built in only and gets the host's capability
  ** object (p3_state.c) */
  char *err = NULL;
  if (wp_bindgen_c(&o, &err)) {
    fprintf(stderr, "wasi_p3_gen: %s\n", err ? err : "failed");
    free(err);
    return 1;
  }
  return rc_descriptor(argv[1], argv[2], argv[3]) || wp_gen_names_header("wasi_p3_gen", argv[3], "wp3");
}
