/*
** tcc_mem.c — the baseline compiler for libwasmplug.a and the wasmplug
** command: libtcc compiles and links straight into executable memory.
*/
#include <libtcc.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct tcc_err {
  char *first;
} tcc_err_t;

static void on_tcc_error(void *opaque, const char *msg) {
  tcc_err_t *e = opaque;
  if (!e->first && !strstr(msg, "warning")) e->first = wp_strdup(msg);
}

char *wp_tcc_build(const char *name, const char *dir, char *const *files, void **state,
                   void **entry) {
  *state = *entry = NULL;
  TCCState *s = tcc_new();
  if (!s) return wp_strdup("out of memory");
  tcc_err_t te = {NULL};
  tcc_set_error_func(s, &te, on_tcc_error);
  tcc_set_options(s, "-DNDEBUG -w");
  tcc_add_include_path(s, dir);
  tcc_set_output_type(s, TCC_OUTPUT_MEMORY);
  int rc = 0;
  for (size_t i = 0; files[i] && rc == 0; i++) {
    char *path = wp_format("%s/%s", dir, files[i]);
    rc = path ? tcc_add_file(s, path) : -1;
    free(path);
  }
  if (rc == 0) rc = tcc_relocate(s, TCC_RELOCATE_AUTO);
  void *sym = rc < 0 ? NULL : tcc_get_symbol(s, "wasmplug_glue_v1");
  if (!sym) {
    char *err = wp_format("%s: baseline compile failed: %s", name,
                          te.first ? te.first : "libtcc error");
    free(te.first);
    tcc_delete(s);
    return err;
  }
  free(te.first);
  *state = s;
  *entry = sym;
  return NULL;
}

void wp_tcc_release(void *state) { tcc_delete(state); }

bool wp_tcc_image(void *state, void **dl, int *memfd) {
  (void)state;
  *dl = NULL;
  *memfd = -1;
  return false;
}

void *wp_tcc_symbol(void *state, const char *name) { return tcc_get_symbol(state, name); }
