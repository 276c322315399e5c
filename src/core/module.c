/*
** module.c — wasmplug_module_t: decode, pick a tier, compile, describe.
*/
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "load.h"
#include "translate.h"


bool wasmplug_bytes_is_core_module(const uint8_t *b, size_t len) {
  return len >= 8 && !memcmp(b, "\0asm", 4) && b[4] == 1 && !b[5] && !b[6] && !b[7];
}

bool wasmplug_bytes_is_component(const uint8_t *b, size_t len) {
  return len >= 8 && !memcmp(b, "\0asm", 4) && b[6] == 1 && b[7] == 0;
}

/* wasm2c's -n name; must not collide with an import module's name, since
** both become C struct names. */
static char *pick_cname(const wp_modinfo_t *info) {
  for (int n = 0;; n++) {
    char *c = n ? wp_format("wasmplug%d", n) : wp_strdup("wasmplug");
    if (!c) return NULL;
    bool clash = false;
    for (uint32_t i = 0; i < info->nimports && !clash; i++)
      clash = !strcmp(info->imports[i].module, c);
    if (!clash) return c;
    free(c);
  }
}

const char *wp_feature_name(uint32_t f) {
  switch (f) {
  case WP_FEAT_SIMD: return "SIMD (v128)";
  case WP_FEAT_THREADS: return "threads (atomic instructions)";
  case WP_FEAT_SHARED_MEM: return "shared memory (threads)";
  case WP_FEAT_TAILCALL: return "tail calls";
  case WP_FEAT_MEMORY64: return "memory64";
  case WP_FEAT_MULTIMEM: return "multiple memories";
  case WP_FEAT_EH: return "exception handling";
  case WP_FEAT_EH_LEGACY: return "legacy exception handling (try/catch/delegate)";
  case WP_FEAT_EXTCONST: return "extended constant expressions";
  case WP_FEAT_RELAXED_SIMD: return "relaxed SIMD";
  default: return "an unknown proposal";
  }
}

/* Refuses, naming the proposal, what the engine's translator cannot compile. */
static char *check_features(const wasmplug_module_t *m) {
  uint32_t missing;
  const char *who;
#ifdef WASMPLUG_HAVE_WASM2C
  if (m->engine->translator == WP_TRANSLATOR_WASM2C) {
    missing = m->info.features & wp_codegen_unsupported();
    who = "the wasm2c translator (WASMPLUG_TRANSLATOR=wasm2c)";
  } else
#endif
  {
    missing = m->info.features & wp_translate_unsupported();
    who = "wasmplug";
  }
  if (!missing) return NULL;
  uint32_t bit = missing & -missing;
  return wp_format("%s: %s %s not supported by %s", m->name, wp_feature_name(bit),
                   bit == WP_FEAT_TAILCALL || bit == WP_FEAT_MULTIMEM ||
                           bit == WP_FEAT_EXTCONST || bit == WP_FEAT_THREADS
                       ? "are" : "is",
                   who);
}

static wasmplug_error_t *fail(wasmplug_module_t *m, wasmplug_error_kind_t kind, char *msg) {
  wasmplug_error_t *e = wasmplug_error_new_kind(kind, "%s", msg ? msg : "out of memory");
  free(msg);
  wasmplug_module_delete(m);
  return e;
}

/* A module and whether its bytes are the caller's (wp_module_new_inplace):
** what internal.h's struct does not say, kept here (a field there would
** change the translator's identity, hence every cache key). */
typedef struct module_block {
  wasmplug_module_t m; /* first: a module's address is its block's */
  bool inplace;
} module_block_t;

/* inplace: bytes the caller keeps unchanged while the module lives (used
** in place); digest: their digest, computed already (inplace only). */
static wasmplug_error_t *module_new(wasmplug_engine_t *engine, const uint8_t *bytes, size_t len, const char *name,
                                    bool inplace, const uint8_t *digest, wasmplug_module_t **out) {
  *out = NULL;
  module_block_t *mb = calloc(1, sizeof *mb);
  if (!mb) return wasmplug_error_new("out of memory");
  wasmplug_module_t *m = &mb->m;
  mb->inplace = inplace;
  m->engine = engine;
  m->tier_up_fd = -1;
  m->prof_fd = -1;
  m->name = wp_strdup(name ? name : "module");
  if (!m->name) return fail(m, WASMPLUG_ERROR_OUT_OF_MEMORY, NULL);

  const uint8_t *so = NULL;
  size_t slen = 0;
  if (wp_artifact_is(bytes, len)) {
    if (!engine->config.allow_precompiled)
      return fail(m, WASMPLUG_ERROR_INVALID, wp_format("%s: this is a precompiled wasmplug artifact: it carries native code, which runs "
                               "with all of this process's rights; load it only if you made it or trust who "
                               "did: --allow-precompiled (wasmplug_config_allow_precompiled_set)", m->name));
    char *err = wp_artifact_split(m->name, bytes, len, &bytes, &len, &so, &slen);
    if (err) return fail(m, WASMPLUG_ERROR_DECODE, err);
    digest = NULL; /* (of the artifact's wasm: not what the caller hashed) */
  } else if (wasmplug_bytes_is_component(bytes, len)) {
    return fail(m, WASMPLUG_ERROR_INVALID, wp_format("%s: this is a component, not a core module", m->name));
  }

  if (inplace) {
    m->bytes = (uint8_t *)bytes; /* only ever read */
  } else {
    /* the caller's buffer may change under us (a shared mapping of a
    ** file): what is digested, validated and compiled is a private copy */
    m->bytes = malloc(len ? len : 1);
    if (!m->bytes) return fail(m, WASMPLUG_ERROR_OUT_OF_MEMORY, NULL);
    wp_populate(m->bytes, len);
    memcpy(m->bytes, bytes, len);
  }
  m->len = len;
  char *err = wp_modinfo_decode(m->bytes, len, m->name, &m->info);
  if (err) return fail(m, WASMPLUG_ERROR_DECODE, err);
  if (inplace && digest) memcpy(m->hash, digest, 32);
  else wp_module_digest(m->bytes, len, m->hash);
  /* bytes wasmplug_module_validate passed in this process (a component's
  ** core module, validated when the component was decoded) are not
  ** validated twice; the features that validation found are kept (check.c);
  ** nor are bytes a verified validation ticket vouches for (trust.c) */
  uint32_t features;
  bool ticketed = false;
  if (wp_validated_before(m->hash, &features, &ticketed)) {
    m->info.features |= features;
  } else if (wp_ticket_read(engine, m->hash, &features)) {
    m->info.features |= features;
    ticketed = true;
  } else if ((err = wp_modinfo_validate(m->bytes, len, m->name, &m->info))) {
    return fail(m, WASMPLUG_ERROR_DECODE, err);
  }
  /* a valid module using a proposal the translator lacks */
  if ((err = check_features(m))) return fail(m, WASMPLUG_ERROR_COMPILE, err);
  m->cname = pick_cname(&m->info);
  if (!m->cname) return fail(m, WASMPLUG_ERROR_OUT_OF_MEMORY, NULL);

  if (so) {
    err = wp_artifact_load(m, so, slen, &m->code);
    if (err) return fail(m, WASMPLUG_ERROR_DECODE, err);
    wp_backtrace_register(m);
    *out = m;
    return NULL;
  }
  switch (engine->config.tier) {
  case WASMPLUG_TIER_BASELINE:
    err = wp_compile_baseline(m, &m->code);
    break;
  case WASMPLUG_TIER_OPTIMIZED:
    err = wp_compile_optimized(m, true, &m->code);
    break;
  default:
    err = wp_compile_optimized(m, false, &m->code);
    if (err) {
      free(err);
      err = wp_compile_baseline(m, &m->code);
      /* with the hot functions' optimized code, if a tier-up left it */
      if (!err) wp_hot_load(m);
    }
    break;
  }
  if (err) return fail(m, WASMPLUG_ERROR_COMPILE, err);
  /* Where the cache holds the module's code, it keeps its validation too
  ** (not after a baseline compile of a small module: a cold start leaves
  ** the cache untouched). */
  if (!ticketed && (m->code.tier == WASMPLUG_TIER_OPTIMIZED || wp_baseline_cached(m)))
    wp_ticket_write(engine, m->hash, m->info.features);
  /* on the baseline tier because nothing optimized was cached: build it in
  ** the background for the next run (compile.c) */
  if (engine->config.tier_up && engine->config.tier == WASMPLUG_TIER_AUTO &&
      m->code.tier == WASMPLUG_TIER_BASELINE)
    wp_tier_up_start(m);
  wp_backtrace_register(m);
  *out = m;
  return NULL;
}

wasmplug_error_t *wasmplug_module_new(wasmplug_engine_t *engine, const uint8_t *bytes, size_t len,
                                      const char *name, wasmplug_module_t **out) {
  return module_new(engine, bytes, len, name, false, NULL, out);
}

wasmplug_error_t *wp_module_new_inplace(wasmplug_engine_t *engine, const uint8_t *bytes, size_t len,
                                        const char *name, const uint8_t digest[32], wasmplug_module_t **out) {
  return module_new(engine, bytes, len, name, true, digest, out);
}

wasmplug_error_t *wp_engine_validate_digest(wasmplug_engine_t *engine, const uint8_t *bytes, size_t len,
                                            const char *name, uint8_t d[32]) {
  uint32_t features;
  wp_module_digest(bytes, len, d);
  bool ticketed;
  if (wp_validated_before(d, &features, &ticketed)) return NULL; /* in this process (check.c) */
  if (engine && wp_ticket_read(engine, d, &features)) {
    wp_validated_note(d, features, true);
    return NULL;
  }
  return wp_module_validate_digested(bytes, len, name, d);
}

wasmplug_error_t *wasmplug_engine_validate_module(wasmplug_engine_t *engine, const uint8_t *bytes, size_t len,
                                                 const char *name) {
  uint8_t d[32];
  return wp_engine_validate_digest(engine, bytes, len, name, d);
}

void wasmplug_module_delete(wasmplug_module_t *m) {
  if (!m) return;
  if (m->code.glue) wp_backtrace_unregister(m);
  if (m->tier_up_fd >= 0) close(m->tier_up_fd); /* the build goes on */
  if (m->prof_fd >= 0) close(m->prof_fd);         /* its profile is complete */
  wp_code_free(&m->code);
  if (m->hits) munmap(m->hits, (size_t)m->info.nfuncs * sizeof *m->hits);
  free(m->hot_note);
  wp_modinfo_free(&m->info);
  if (!((module_block_t *)m)->inplace) free(m->bytes);
  free(m->name);
  free(m->cname);
  free(m);
}

wasmplug_tier_t wasmplug_module_tier(const wasmplug_module_t *m) { return m->code.tier; }

wasmplug_error_t *wasmplug_module_optimize(wasmplug_module_t *m) {
  wp_code_t code;
  char *err = wp_compile_optimized(m, true, &code);
  if (err) {
    wasmplug_error_t *e = wasmplug_error_new_kind(WASMPLUG_ERROR_COMPILE, "%s", err);
    free(err);
    return e;
  }
  wp_code_free(&code);
  return NULL;
}

wasmplug_error_t *wasmplug_module_serialize(wasmplug_module_t *m, const char *path) {
  wasmplug_error_t *e = wasmplug_module_optimize(m);
  if (e) return e;
  char *err = wp_artifact_write(m, path);
  if (!err) return NULL;
  e = wasmplug_error_new_kind(WASMPLUG_ERROR_IO, "%s", err);
  free(err);
  return e;
}

wasmplug_error_t *wasmplug_module_serialize_bytes(wasmplug_module_t *m, uint8_t **out, size_t *len) {
  *out = NULL;
  *len = 0;
  wasmplug_error_t *e = wasmplug_module_optimize(m);
  if (e) return e;
  char *err = wp_artifact_bytes(m, out, len);
  if (!err) return NULL;
  e = wasmplug_error_new_kind(WASMPLUG_ERROR_IO, "%s", err);
  free(err);
  return e;
}

size_t wasmplug_module_import_count(const wasmplug_module_t *m) { return m->info.nimports; }

bool wasmplug_module_import(const wasmplug_module_t *m, size_t i, const char **module,
                            const char **name, wasmplug_externtype_t *type) {
  if (i >= m->info.nimports) return false;
  if (module) *module = m->info.imports[i].module;
  if (name) *name = m->info.imports[i].name;
  if (type) wp_modinfo_import_type(&m->info, (uint32_t)i, type);
  return true;
}

size_t wasmplug_module_export_count(const wasmplug_module_t *m) { return m->info.nexports; }

bool wasmplug_module_export(const wasmplug_module_t *m, size_t i, const char **name,
                            wasmplug_externtype_t *type) {
  if (i >= m->info.nexports) return false;
  if (name) *name = m->info.exports[i].name;
  if (type) wp_modinfo_export_type(&m->info, (uint32_t)i, type);
  return true;
}
