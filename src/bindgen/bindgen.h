/*
** bindgen.h — C bindings generated from WIT (the layer's one public header).
**
** Two sides of the same WIT:
**   - plugin: a native wasmplug plugin (include/wasmplug/plugin.h).  The
**     header has C types in the canonical ABI's native layout and the
**     prototypes the author implements; the C file holds the descriptor,
**     one thin wrapper per function, the resource destructor table and the
**     entry point.
**   - guest: a wasm32-wasi C program.  The header has the same C types
**     (their wasm32 C layout is the canonical ABI memory layout), typed
**     wrappers for imports, prototypes for exports and _free helpers; the
**     C file holds the core imports/exports, cabi_realloc and post-returns.
** Both files go to out_dir as <prefix>.h and <prefix>.c.
*/
#ifndef WASMPLUG_BINDGEN_H
#define WASMPLUG_BINDGEN_H

#include <stddef.h>

typedef enum { WP_BINDGEN_PLUGIN = 0, WP_BINDGEN_GUEST = 1 } wp_bindgen_side_t;

/* A plugin configuration option (`--plugin P,name=value`). */
typedef struct wp_bindgen_option {
  const char *name, *type, *default_value, *doc; /* default_value may be NULL */
} wp_bindgen_option_t;

typedef struct wp_bindgen_opts {
  wp_bindgen_side_t side;
  const char *wit_path; /* .wit file or package directory (deps in deps/) */
  const char *world;    /* NULL: plugin side implements every interface */
  const char *out_dir;
  const char *prefix;   /* NULL: the world's (else the package's) snake name */
  /* plugin side only */
  const char *plugin_name;    /* NULL: the prefix with '-' */
  const char *plugin_version; /* NULL: "0.0.0" */
  const wp_bindgen_option_t *options;
  size_t noptions;
  /* The C name of the author's `wasmplug_plugin_service_t NAME[nservices]`
  ** (host->service), or NULL for none. */
  const char *services;
  size_t nservices;
  unsigned flags; /* WP_BINDGEN_* */
} wp_bindgen_opts_t;

/* Flags of wp_bindgen_opts_t (the public WASMPLUG_BINDGEN_* values). */
#define WP_BINDGEN_STUBS 1u       /* also write <prefix>_stubs.c: a skeleton to fill in */
#define WP_BINDGEN_COMMAND 2u     /* guest: wasi:cli/run is the program's main */
#define WP_BINDGEN_SHORT_NAMES 4u /* interfaces named as briefly as stays unambiguous */

/* Generates the bindings.  Returns 0, or the wasmplug_error_kind_t of
** what went wrong (never 0: IO, DECODE, INVALID, OUT_OF_MEMORY) with a
** malloc'd one-line message in *err (the caller frees it). */
int wp_bindgen_c(const wp_bindgen_opts_t *o, char **err);

#endif
