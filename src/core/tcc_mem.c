/*
** tcc_mem.c — the baseline compiler for libwasmplug.a and the wasmplug
** command: libtcc compiles and links straight into executable memory.
*/
#include <libtcc.h>
#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "load.h"

#ifdef WP_LIBTCC1
/* The C functions generated code calls (translate_rt.c declares them for
** tcc instead of including the system's headers), resolved from this
** table: tcc then links no C library at all, which spared it reading
** libc.so.6's symbol table on every compile.  tcc's own helpers (float <->
** unsigned 64-bit conversions) come from its libtcc1.a. */
static const struct {
  const char *name;
  const void *addr;
} wp_tcc_libc[] = {
    {"memcpy", (const void *)memcpy},   {"memmove", (const void *)memmove},
    {"memset", (const void *)memset},   {"malloc", (const void *)malloc},
    {"calloc", (const void *)calloc},   {"free", (const void *)free},
    {"ceilf", (const void *)ceilf},     {"floorf", (const void *)floorf},
    {"truncf", (const void *)truncf},   {"nearbyintf", (const void *)nearbyintf},
    {"sqrtf", (const void *)sqrtf},     {"ceil", (const void *)ceil},
    {"floor", (const void *)floor},     {"trunc", (const void *)trunc},
    {"nearbyint", (const void *)nearbyint}, {"sqrt", (const void *)sqrt},
    {"_setjmp", (const void *)_setjmp}, {"longjmp", (const void *)longjmp},
};
#endif

typedef struct tcc_err {
  char *first;
} tcc_err_t;

static void on_tcc_error(void *opaque, const char *msg) {
  tcc_err_t *e = opaque;
  if (!e->first && !strstr(msg, "warning")) e->first = wp_strdup(msg);
}

char *wp_tcc_build(const char *name, const char *dir, char *const *files, bool own_c, void **state,
                   void **entry) {
  *state = *entry = NULL;
  TCCState *s = tcc_new();
  if (!s) return wp_strdup("out of memory");
  tcc_err_t te = {NULL};
  tcc_set_error_func(s, &te, on_tcc_error);
#ifdef WP_LIBTCC1
  tcc_set_options(s, own_c ? "-DNDEBUG -w -nostdlib" : "-DNDEBUG -w");
#else
  (void)own_c;
  tcc_set_options(s, "-DNDEBUG -w");
#endif
  tcc_add_include_path(s, dir);
  tcc_set_output_type(s, TCC_OUTPUT_MEMORY);
  int rc = 0;
  for (size_t i = 0; files[i] && rc == 0; i++) {
    /* an absolute name is an object in a memfd (wp_build_baseline_fds):
    ** "/proc/self/fd/N" has no extension to tell tcc it is not C */
    bool fd = files[i][0] == '/';
    if (fd) tcc_set_options(s, "-xb");
    char *path = fd ? wp_strdup(files[i]) : wp_format("%s/%s", dir, files[i]);
    rc = path ? tcc_add_file(s, path) : -1;
    free(path);
  }
#ifdef WP_LIBTCC1
  if (rc == 0 && own_c) rc = tcc_add_file(s, WP_LIBTCC1);
  for (size_t i = 0; rc == 0 && own_c && i < sizeof wp_tcc_libc / sizeof wp_tcc_libc[0]; i++)
    rc = tcc_add_symbol(s, wp_tcc_libc[i].name, wp_tcc_libc[i].addr);
#endif
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

bool wp_tcc_in_process(void) { return true; }

bool wp_tcc_image(void *state, void **dl, int *memfd) {
  (void)state;
  *dl = NULL;
  *memfd = -1;
  return false;
}

void *wp_tcc_symbol(void *state, const char *name) { return tcc_get_symbol(state, name); }
