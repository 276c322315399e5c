/*
** plugin.c — the wasi:dl built-in plugin: its hooks (policy from the
** `allow` option, one resource table per guest instance), destructors,
** the interface-level functions, and the entry point.  The descriptor and
** the native-layout glue are generated at build time (gen/wasi_dl.c).
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl/internal.h"

/* The generated entry point, renamed at compile time (CMakeLists.txt). */
const wasmplug_plugin_t *wp_dl_generated_entry(const wasmplug_host_api_t *host);

const wasmplug_plugin_t *wp_dl_plugin_entry(const wasmplug_host_api_t *host) {
  return wp_dl_generated_entry(host);
}

void dl_note(wasi_dl_ctx_t *cx, const char *fmt, ...) {
  const dl_plugin_t *pl = cx->plugin;
  if (!pl || !pl->host || !pl->host->log) return;
  char msg[DL_ERR * 2];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  pl->host->log(pl->config, WASMPLUG_LOG_DEBUG, "wasi:dl error: %s", msg);
}

int wasi_dl_plugin_init(const wasmplug_host_api_t *host, const wasmplug_plugin_config_t *config, void **plugin,
                        const char **error) {
  dl_plugin_t *pl = calloc(1, sizeof *pl);
  if (!pl || !(pl->policy = wp_dl_policy_new())) {
    free(pl);
    *error = "wasi-dl: out of memory";
    return 1;
  }
  pl->host = host;
  pl->config = config;
  const char *allow = host->config_get ? host->config_get(config, WP_DL_OPTION_ALLOW) : NULL;
  char err[DL_ERR];
  if (wp_dl_policy_add(pl->policy, allow, err, sizeof err)) {
    /* *error must be static: the precise message goes to the log */
    if (host->log) host->log(config, WASMPLUG_LOG_ERROR, "wasi-dl: invalid option allow: %s", err);
    wp_dl_policy_delete(pl->policy);
    free(pl);
    *error = "wasi-dl: invalid `allow` option (the log names the entry and what is wrong)";
    return 1;
  }
  *plugin = pl;
  return 0;
}

void wasi_dl_plugin_fini(void *plugin) {
  dl_plugin_t *pl = plugin;
  if (!pl) return;
  wp_dl_policy_delete(pl->policy);
  free(pl);
}

int wasi_dl_instance_new(const wasmplug_host_api_t *host, void *plugin, const wasmplug_plugin_config_t *config,
                         void **instance, const char **error) {
  (void)host, (void)config;
  dl_instance_t *in = calloc(1, sizeof *in);
  if (!in) {
    *error = "wasi-dl: out of memory";
    return 1;
  }
  in->plugin = plugin;
  *instance = in;
  return 0;
}

void wasi_dl_instance_drop(void *plugin, void *instance) {
  (void)plugin;
  dl_instance_t *in = instance;
  if (!in) return;
  dl_table_clear(in);
  free(in);
}

/* Destructors run once per rep the guest held; a stale or foreign rep
** (which a correct host never passes) is ignored rather than freed twice. */
static void destroy(wasi_dl_ctx_t *cx, uint32_t rep, dl_kind_t kind) {
  dl_instance_t *in = cx->instance;
  if (in) dl_object_free(kind, dl_table_take(in, rep, kind));
}

void wasi_dl_ffi_alloc_destructor(wasi_dl_ctx_t *cx, uint32_t rep) { destroy(cx, rep, DLK_ALLOC); }
void wasi_dl_ffi_struct_type_destructor(wasi_dl_ctx_t *cx, uint32_t rep) { destroy(cx, rep, DLK_STRUCT_TYPE); }
void wasi_dl_ffi_outgoing_primitive_destructor(wasi_dl_ctx_t *cx, uint32_t rep) { destroy(cx, rep, DLK_OUT_PRIM); }
void wasi_dl_ffi_outgoing_struct_destructor(wasi_dl_ctx_t *cx, uint32_t rep) { destroy(cx, rep, DLK_OUT_STRUCT); }
void wasi_dl_ffi_incoming_primitive_destructor(wasi_dl_ctx_t *cx, uint32_t rep) { destroy(cx, rep, DLK_IN_PRIM); }
void wasi_dl_ffi_incoming_struct_destructor(wasi_dl_ctx_t *cx, uint32_t rep) { destroy(cx, rep, DLK_IN_STRUCT); }
void wasi_dl_dll_function_destructor(wasi_dl_ctx_t *cx, uint32_t rep) { destroy(cx, rep, DLK_FUNCTION); }
void wasi_dl_dll_symbol_destructor(wasi_dl_ctx_t *cx, uint32_t rep) { destroy(cx, rep, DLK_SYMBOL); }
/* Dropping a library closes it: its children fail from now on. */
void wasi_dl_dll_library_destructor(wasi_dl_ctx_t *cx, uint32_t rep) { destroy(cx, rep, DLK_LIBRARY); }

int wasi_dl_ffi_constructor_struct_type(wasi_dl_ctx_t *cx, const wasi_dl_list_ffi_type_t *fields,
                                        wasi_dl_ffi_own_struct_type_t *ret) {
  dl_instance_t *in = cx->instance;
  wasi_dl_option_ffi_type_t none = {0};
  dl_type_t **ft, *unused;
  char err[DL_ERR * 2];
  if (!dl_signature_take(in, fields, &none, &ft, &unused, err, sizeof err))
    return wasi_dl_trap(cx, "struct-type: fields (numbered as arguments): %s", err);
  dl_type_t *t = dl_type_struct(ft, (uint32_t)(fields->len > UINT32_MAX ? UINT32_MAX : fields->len), err, sizeof err);
  dl_signature_free(ft, fields->len, NULL);
  if (!t) return wasi_dl_trap(cx, "struct-type: %s", err);
  if (!(ret->rep = dl_table_put(in, DLK_STRUCT_TYPE, t))) {
    dl_type_unref(t);
    return wasi_dl_trap(cx, "struct-type: too many wasi:dl objects");
  }
  return 0;
}

int wasi_dl_ffi_sizeof_(wasi_dl_ctx_t *cx, wasi_dl_ffi_primitive_type_t ty, uint8_t *ret) {
  if (!dl_prim_valid(ty)) return wasi_dl_trap(cx, "sizeof: primitive-type %u is out of range", ty);
  *ret = (uint8_t)dl_prim_size(ty);
  return 0;
}

/* The platform's shared-library naming (as Rust's std::env::consts
** DLL_EXTENSION / DLL_PREFIX / DLL_SUFFIX): on ELF systems "so", "lib", ".so". */
static int set_static(wasi_dl_ctx_t *cx, wasi_dl_string_t *ret, const char *s) {
  ret->ptr = (uint8_t *)(uintptr_t)s;
  ret->len = strlen(s);
  (void)cx;
  return 0;
}
int wasi_dl_dll_extension(wasi_dl_ctx_t *cx, wasi_dl_string_t *ret) { return set_static(cx, ret, "so"); }
int wasi_dl_dll_prefix(wasi_dl_ctx_t *cx, wasi_dl_string_t *ret) { return set_static(cx, ret, "lib"); }
int wasi_dl_dll_suffix(wasi_dl_ctx_t *cx, wasi_dl_string_t *ret) { return set_static(cx, ret, ".so"); }
