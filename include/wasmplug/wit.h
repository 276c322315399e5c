/*
** wasmplug/wit.h — WIT as text, and C bindings generated from it: what
** `wasmplug wit` and `wasmplug bindgen` do, as a library.
**
** Every function returns NULL or an error (wasmplug.h); text results are
** malloc'ed and belong to the caller.  Option structs begin with their
** `size` (sizeof the struct the caller was built with; fields are only
** ever appended).
*/
#ifndef WASMPLUG_PUBLIC_WIT_H
#define WASMPLUG_PUBLIC_WIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasmplug.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ WIT */

/* Flags of wasmplug_wit_options_t. */
#define WASMPLUG_WIT_JSON 1u         /* wit-parser's JSON instead of WIT text */
#define WASMPLUG_WIT_ALL_FEATURES 2u /* enable every @unstable item */

typedef struct wasmplug_wit_options {
  uint32_t size;        /* sizeof(wasmplug_wit_options_t) */
  uint32_t flags;
  const char *features; /* "a,b": @unstable(feature = a) items to enable; may be NULL */
} wasmplug_wit_options_t;

/* The resolved WIT of a .wit file or a package directory (dependencies in
** PATH/deps/), printed (or as JSON).  `options` may be NULL.  A parse or
** resolve error's message is its one line, then the offending source
** line with a caret on the lines after it. */
WASMPLUG_API wasmplug_error_t *wasmplug_wit_from_path(const char *path, const wasmplug_wit_options_t *options, char **out);

/* A component's imports and exports as a WIT world named after `name`
** (decoded and validated, not compiled). */
WASMPLUG_API wasmplug_error_t *wasmplug_wit_from_component(const uint8_t *bytes, size_t len, const char *name, char **out);

/* What a native plugin provides: its name, version, ABI and config
** options (as comments), then its WIT.  The plugin is loaded with its
** default configuration (its init runs). */
WASMPLUG_API wasmplug_error_t *wasmplug_wit_from_plugin(const char *path, char **out);

/* -------------------------------------------------------------- bindgen */

typedef enum wasmplug_bindgen_side {
  WASMPLUG_BINDGEN_PLUGIN = 0, /* a native plugin implementing the WIT */
  WASMPLUG_BINDGEN_GUEST = 1,  /* a wasm32-wasi guest importing/exporting it */
} wasmplug_bindgen_side_t;

/* A plugin configuration option (`--plugin P,name=value`). */
typedef struct wasmplug_bindgen_plugin_option {
  const char *name;
  const char *type;          /* "string", "bool", "u64" or "path" */
  const char *default_value; /* NULL: none */
  const char *doc;
} wasmplug_bindgen_plugin_option_t;

typedef struct wasmplug_bindgen_options {
  uint32_t size;             /* sizeof(wasmplug_bindgen_options_t) */
  wasmplug_bindgen_side_t side;
  const char *wit_path;      /* .wit file or package directory */
  const char *world;         /* NULL: the plugin implements every interface */
  const char *out_dir;       /* must exist */
  const char *prefix;        /* NULL: the world's (else the package's) name */
  /* plugin side only */
  const char *plugin_name;    /* NULL: the prefix, kebab-case */
  const char *plugin_version; /* NULL: "0.0.0" */
  const wasmplug_bindgen_plugin_option_t *plugin_options;
  size_t nplugin_options;
  uint32_t flags;             /* WASMPLUG_BINDGEN_* */
} wasmplug_bindgen_options_t;

/* Flags of wasmplug_bindgen_options_t. */
/* Also write OUT_DIR/PREFIX_stubs.c, a compilable skeleton of everything
** the author implements (refused if the file exists: it is yours). */
#define WASMPLUG_BINDGEN_STUBS 1u
/* Guest: the world exports wasi:cli/run, implemented by the bindings as
** the program's main(): build a reactor (-mexec-model=reactor) for the
** reactor adapter; stdio is flushed when main returns. */
#define WASMPLUG_BINDGEN_COMMAND 2u
/* Interfaces named as briefly as stays unambiguous in the WIT ("store_"
** rather than "wasi_keyvalue_store_"). */
#define WASMPLUG_BINDGEN_SHORT_NAMES 4u

/* Writes OUT_DIR/PREFIX.h and OUT_DIR/PREFIX.c: C types in the canonical
** ABI's native layout and the glue around plain C functions. */
WASMPLUG_API wasmplug_error_t *wasmplug_bindgen_c(const wasmplug_bindgen_options_t *options);

#ifdef __cplusplus
}
#endif

#endif /* WASMPLUG_PUBLIC_WIT_H */
