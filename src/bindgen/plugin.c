/*
** plugin.c — the plugin side: prototypes the author implements, and the
** glue that turns them into a wasmplug_plugin_t (include/wasmplug/plugin.h).
**
** The glue owns two tiny state objects so that the author never handles
** the host table: a plugin state {host, author's plugin state} made in
** init, and an instance state {plugin, author's instance state} made in
** instance_new.  Every author function receives a <prefix>_ctx_t built on
** the stack from them, so the generated code keeps no global state.
*/
#include <stdlib.h>
#include <string.h>

#include "bindgen/internal.h"

static void proto(bg_t *g, wp_buf_t *b, const bg_func_t *bf) {
  const wp_wit_function_t *f = bf->f;
  wp_buf_printf(b, "int %s(%s_ctx_t *cx", bf->cname, g->prefix);
  for (uint32_t i = 0; i < f->n_params; i++) {
    char *n = bg_param(f->params[i].name);
    if (bg_by_value(g, f->params[i].type))
      wp_buf_printf(b, ", %s %s", bg_ctype(g, f->params[i].type), n ? n : "?");
    else
      wp_buf_printf(b, ", const %s *%s", bg_ctype(g, f->params[i].type), n ? n : "?");
    free(n);
  }
  if (f->result.kind != WP_WIT_T_NONE) wp_buf_printf(b, ", %s *ret", bg_ctype(g, f->result));
  wp_buf_puts(b, ")");
}

/* The stream and future types of a function, numbered as host->stream_new's
** `which` counts them: in the order written, params then result, the
** contents of a type right after it. */
static void list_streams(bg_t *g, wp_buf_t *b, wp_wit_type_t t, uint32_t *n, int depth) {
  if (t.kind != WP_WIT_T_ID || depth > 100) return;
  const wp_wit_typedef_t *d = &g->r->types[t.id];
  if (d->kind == WP_WIT_DEF_STREAM || d->kind == WP_WIT_DEF_FUTURE) {
    wp_buf_printf(b, "**   %u: %s\n", (*n)++, bg_ctype(g, t));
    list_streams(g, b, d->type, n, depth + 1);
    return;
  }
  if (d->kind == WP_WIT_DEF_HANDLE || d->kind == WP_WIT_DEF_RESOURCE) return;
  list_streams(g, b, d->type, n, depth + 1);
  list_streams(g, b, d->type2, n, depth + 1);
  for (uint32_t i = 0; i < d->n_fields; i++) list_streams(g, b, d->fields[i].type, n, depth + 1);
  for (uint32_t i = 0; i < d->n_types; i++) list_streams(g, b, d->types[i], n, depth + 1);
}

static void streams_comment(bg_t *g, wp_buf_t *h, const bg_func_t *bf) {
  wp_buf_t b = {0};
  uint32_t n = 0;
  for (uint32_t i = 0; i < bf->f->n_params; i++) list_streams(g, &b, bf->f->params[i].type, &n, 0);
  list_streams(g, &b, bf->f->result, &n, 0);
  if (n && b.s) wp_buf_printf(h, "/* host->stream_new(cx->call, which, ...): which is\n%s*/\n", b.s);
  wp_buf_free(&b);
}

static char *res_base(bg_t *g, uint32_t rid) {
  const wp_wit_typedef_t *d = &g->r->types[rid];
  char *n = bg_snake(d->name);
  char *s = n ? bg_fmt("%s_%s", g->ifprefix[d->owner], n) : NULL;
  free(n);
  return s;
}

static void header(bg_t *g, wp_buf_t *h) {
  const char *P = g->prefix;
  wp_buf_printf(h,
            "/* The context of one call: pass it to %s_alloc / %s_trap / %s_string_set.\n"
            "** `plugin` and `instance` are what %s_plugin_init and %s_instance_new\n"
            "** stored.  In resource destructors `call` is NULL (no alloc, no trap). */\n"
            "typedef struct %s_ctx {\n"
            "  const wasmplug_host_api_t *host;\n"
            "  wasmplug_plugin_call_t *call;\n"
            "  void *plugin;\n"
            "  void *instance;\n"
            "} %s_ctx_t;\n\n",
            P, P, P, P, P, P, P);
  wp_buf_printf(h,
            "/* Memory for strings and lists placed in `ret`: freed when the call ends. */\n"
            "static inline void *%s_alloc(%s_ctx_t *cx, size_t size, size_t align) {\n"
            "  return cx->host->alloc(cx->call, size, align);\n"
            "}\n\n"
            "/* Copies s[0..len) into call memory as a string (NUL-terminated too).\n"
            "** Returns 0, or -1 when the call's memory budget is exhausted. */\n"
            "static inline int %s_string_set(%s_ctx_t *cx, %s_string_t *out, const void *s, size_t len) {\n"
            "  uint8_t *p = (uint8_t *)cx->host->alloc(cx->call, len + 1, 1);\n"
            "  if (!p) return -1;\n"
            "  for (size_t i = 0; i < len; i++) p[i] = ((const uint8_t *)s)[i];\n"
            "  p[len] = 0;\n"
            "  out->ptr = p;\n"
            "  out->len = len;\n"
            "  return 0;\n"
            "}\n\n"
            "/* Traps the guest with a printf-formatted message: `return %s_trap(cx, ...)`. */\n"
            "int %s_trap(%s_ctx_t *cx, const char *fmt, ...)\n"
            "#if defined(__GNUC__)\n"
            "    __attribute__((format(printf, 2, 3)))\n"
            "#endif\n"
            "    ;\n\n",
            P, P, P, P, P, P, P, P);
  wp_buf_printf(h,
            "/* ---- What the plugin author implements ----\n"
            "** Hooks (optional: the bindings define weak ones that do nothing, keep no\n"
            "** state and succeed; define one to replace its default):\n"
            "**   %s_plugin_init   once per load; *plugin is the author's plugin state.\n"
            "**                    Read configuration with host->config_get(config, \"name\").\n"
            "**                    Non-zero refuses the load with *error (static text).\n"
            "**   %s_plugin_fini   after the last instance was dropped.\n"
            "**   %s_instance_new  once per guest instance; *instance is the author's\n"
            "**                    instance state (the plugin state is shared between\n"
            "**                    instances running on different threads: lock it).\n"
            "**   %s_instance_drop after every resource of the instance was destroyed.\n"
            "** Functions: one per WIT function, below.  Scalars, enums, flags and handles\n"
            "** come by value, everything else by const pointer into call memory (valid\n"
            "** until the function returns: copy what you keep).  `ret` is zeroed storage\n"
            "** for the result; string/list contents put there must come from\n"
            "** %s_alloc/%s_string_set or be static.  Return 0, or %s_trap(cx, ...).\n"
            "** WIT errors (a result's err case) are returned in `ret`, not as traps.\n"
            "** Resources: a handle's `rep` is any uint32_t the plugin chooses;\n"
            "** <resource>_destructor runs exactly once per rep the guest still owns when\n"
            "** it drops it or goes away; an own<R> parameter hands the rep back to the\n"
            "** plugin instead (free it, or return it again).\n"
            "** Configuration options are declared with `wasmplug bindgen --option`. */\n",
            P, P, P, P, P, P, P);
  wp_buf_printf(h,
            "int %s_plugin_init(const wasmplug_host_api_t *host, const wasmplug_plugin_config_t *config,\n"
            "                   void **plugin, const char **error);\n"
            "void %s_plugin_fini(void *plugin);\n"
            "int %s_instance_new(const wasmplug_host_api_t *host, void *plugin,\n"
            "                    const wasmplug_plugin_config_t *config, void **instance,\n"
            "                    const char **error);\n"
            "void %s_instance_drop(void *plugin, void *instance);\n"
            "/* The author's instance state behind the state the host knows (what\n"
            "** host->call_state returns, and what a service's functions receive). */\n"
            "void *%s_instance_user(void *instance_state);\n\n",
            P, P, P, P, P);
  if (g->has_async)
    wp_buf_printf(h,
              "/* ---- Async functions (plugin ABI 1.3, docs/plugin-abi.md section 14) ----\n"
              "** A function marked async below may return WASMPLUG_PENDING after keeping\n"
              "** cx->host and cx->call; its parameters and `ret` stay valid until it\n"
              "** completes the call from a callback with %s_complete(host, call, status)\n"
              "** (WASMPLUG_OK: `ret` filled; WASMPLUG_TRAP after host->trap; WASMPLUG_CANCELLED).\n"
              "** %s_cancel runs when the guest cancels a call still pending: complete it\n"
              "** soon.  Streams, futures and error contexts are uint32_t handles in the\n"
              "** plugin instance's table: %s_instance(cx) and host->stream_read/stream_write. */\n"
              "static inline void %s_complete(const wasmplug_host_api_t *host, wasmplug_plugin_call_t *call,\n"
              "                               int status) {\n"
              "  host->call_complete(call, status);\n"
              "}\n"
              "void %s_cancel(%s_ctx_t *cx);\n\n",
              P, P, P, P, P, P);
  wp_buf_printf(h,
            "/* The plugin's side of the guest instance of a call (streams, futures,\n"
            "** error contexts, events: plugin ABI 1.3); NULL on an older host. */\n"
            "static inline wasmplug_plugin_instance_t *%s_instance(%s_ctx_t *cx) {\n"
            "  return WASMPLUG_HOST_HAS(cx->host, call_instance) ? cx->host->call_instance(cx->call) : NULL;\n"
            "}\n\n",
            P, P);
  for (uint32_t i = 0; i < g->nfuncs; i++) {
    const bg_func_t *bf = &g->funcs[i];
    wp_buf_printf(h, "/* %s#%s%s */\n", bf->module, bf->f->name, bf->is_async ? " (async: may return WASMPLUG_PENDING)" : "");
    streams_comment(g, h, bf);
    proto(g, h, bf);
    wp_buf_puts(h, ";\n");
  }
  for (uint32_t i = 0; i < g->nres; i++) {
    char *b = res_base(g, g->res[i]);
    wp_buf_printf(h, "void %s_destructor(%s_ctx_t *cx, uint32_t rep);\n", b ? b : "?", P);
    free(b);
  }
}

/* What a flat entry (plugin ABI 1.5, docs/plugin-abi.md 4.1) passes for a
** WIT type: 1 for an s32 or u32 (or an alias of one), 2 for a borrow<R>
** (its rep), 0 for anything else -- the loader's rule (plugin/load.c
** flat_kind), so every entry emitted here is one it accepts. */
static int flat_kind(bg_t *g, wp_wit_type_t t) {
  if (t.kind == WP_WIT_T_ID) {
    const wp_wit_typedef_t *d = &g->r->types[wp_wit_type_unalias(g->r, t.id)];
    if (d->kind != WP_WIT_DEF_ALIAS) return d->kind == WP_WIT_DEF_HANDLE && d->borrow ? 2 : 0;
    t = d->type; /* an alias of a primitive */
  }
  return t.kind == WP_WIT_T_S32 || t.kind == WP_WIT_T_U32;
}

/* Whether bf gets a flat entry: at most 4 params, each an s32, u32 or
** borrow<R>, no result or an s32/u32, not async. */
static bool flat_eligible(bg_t *g, const bg_func_t *bf) {
  const wp_wit_function_t *f = bf->f;
  if (bf->is_async || f->n_params > 4) return false;
  for (uint32_t i = 0; i < f->n_params; i++)
    if (!flat_kind(g, f->params[i].type)) return false;
  return f->result.kind == WP_WIT_T_NONE || flat_kind(g, f->result) == 1;
}

static uint32_t count_flat(bg_t *g) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < g->nfuncs; i++) n += flat_eligible(g, &g->funcs[i]);
  return n;
}

/* The flat entry of an eligible function: the params in registers, the
** author's function called as the word wrapper calls it, its result
** returned.  A flat entry fails only by host->trap / host->exit: the
** author's `return <prefix>_trap(...)` did that already (WASMPLUG_TRAP);
** any other non-zero code traps here with the message the word path
** gives it ("failed with code N"). */
static void flat_wrapper(bg_t *g, wp_buf_t *c, const bg_func_t *bf) {
  const wp_wit_function_t *f = bf->f;
  wp_buf_printf(c, "static uint32_t flat_%s(void *state, wasmplug_plugin_call_t *call", bf->cname);
  for (uint32_t k = 0; k < f->n_params; k++) wp_buf_printf(c, ", uint32_t p%u", k);
  wp_buf_printf(c, ") {\n  %s_ctx_t cx;\n  glue_ctx(&cx, state, call);\n", g->prefix);
  for (uint32_t k = 0; k < f->n_params; k++) {
    const char *T = bg_ctype(g, f->params[k].type);
    if (flat_kind(g, f->params[k].type) == 2) wp_buf_printf(c, "  %s a%u = {p%u};\n", T, k, k);
    else wp_buf_printf(c, "  %s a%u = (%s)p%u;\n", T, k, T, k);
  }
  bool res = f->result.kind != WP_WIT_T_NONE;
  if (res) wp_buf_printf(c, "  %s r = 0;\n", bg_ctype(g, f->result));
  wp_buf_printf(c, "  int rc = %s(&cx", bf->cname);
  for (uint32_t k = 0; k < f->n_params; k++) wp_buf_printf(c, ", a%u", k);
  wp_buf_printf(c, "%s);\n", res ? ", &r" : "");
  wp_buf_puts(c, "  if (rc != WASMPLUG_OK && rc != WASMPLUG_TRAP) cx.host->trap(call, \"failed with code %d\", rc);\n");
  wp_buf_printf(c, "  return %s;\n}\n\n", res ? "(uint32_t)r" : "0");
}

static void glue(bg_t *g, wp_buf_t *c) {
  const char *P = g->prefix;
  wp_buf_printf(c,
            "typedef struct {\n  const wasmplug_host_api_t *host;\n  void *user;\n} glue_plugin_t;\n\n"
            "typedef struct {\n  glue_plugin_t *plugin;\n  void *user;\n} glue_instance_t;\n\n"
            "%sstatic void glue_ctx(%s_ctx_t *cx, void *state, wasmplug_plugin_call_t *call) {\n"
            "  glue_instance_t *in = (glue_instance_t *)state;\n"
            "  cx->host = in->plugin->host;\n  cx->call = call;\n"
            "  cx->plugin = in->plugin->user;\n  cx->instance = in->user;\n}\n\n"
            "int %s_trap(%s_ctx_t *cx, const char *fmt, ...) {\n"
            "  char msg[1024];\n  va_list ap;\n  va_start(ap, fmt);\n"
            "  vsnprintf(msg, sizeof msg, fmt, ap);\n  va_end(ap);\n"
            "  return cx->host->trap(cx->call, \"%%s\", msg);\n}\n\n"
            "static int glue_init(const wasmplug_host_api_t *host, const wasmplug_plugin_config_t *config,\n"
            "                     void **plugin_state, const char **error) {\n"
            "  glue_plugin_t *gp = (glue_plugin_t *)calloc(1, sizeof *gp);\n"
            "  if (!gp) {\n    *error = \"out of memory\";\n    return 1;\n  }\n"
            "  gp->host = host;\n"
            "  gp->user = *plugin_state; /* NULL, or what a host gives a plugin linked into it */\n"
            "  int rc = %s_plugin_init(host, config, &gp->user, error);\n"
            "  if (rc) {\n    free(gp);\n    return rc;\n  }\n"
            "  *plugin_state = gp;\n  return 0;\n}\n\n"
            "static void glue_fini(void *plugin_state) {\n"
            "  glue_plugin_t *gp = (glue_plugin_t *)plugin_state;\n"
            "  %s_plugin_fini(gp->user);\n  free(gp);\n}\n\n"
            "static int glue_instance_new(void *plugin_state, const wasmplug_plugin_config_t *config,\n"
            "                             void **instance_state, const char **error) {\n"
            "  glue_plugin_t *gp = (glue_plugin_t *)plugin_state;\n"
            "  glue_instance_t *in = (glue_instance_t *)calloc(1, sizeof *in);\n"
            "  if (!in) {\n    *error = \"out of memory\";\n    return 1;\n  }\n"
            "  in->plugin = gp;\n"
            "  int rc = %s_instance_new(gp->host, gp->user, config, &in->user, error);\n"
            "  if (rc) {\n    free(in);\n    return rc;\n  }\n"
            "  *instance_state = in;\n  return 0;\n}\n\n"
            "static void glue_instance_drop(void *instance_state) {\n"
            "  glue_instance_t *in = (glue_instance_t *)instance_state;\n"
            "  %s_instance_drop(in->plugin->user, in->user);\n  free(in);\n}\n\n"
            "void *%s_instance_user(void *instance_state) {\n"
            "  return instance_state ? ((glue_instance_t *)instance_state)->user : NULL;\n}\n\n",
            /* an interface with only types has no wrapper using glue_ctx */
            g->nfuncs || g->nres ? "" : "__attribute__((unused)) ", P, P, P, P, P, P, P, P);
  /* Default hooks, weak: a plugin defining its own replaces them at link
  ** time (and a weak function is never inlined into its callers here). */
  wp_buf_printf(c,
            "/* Default hooks (weak): no state, nothing to release. */\n"
            "__attribute__((weak)) int %s_plugin_init(const wasmplug_host_api_t *host,\n"
            "    const wasmplug_plugin_config_t *config, void **plugin, const char **error) {\n"
            "  (void)host, (void)config, (void)plugin, (void)error;\n  return 0;\n}\n"
            "__attribute__((weak)) void %s_plugin_fini(void *plugin) { (void)plugin; }\n"
            "__attribute__((weak)) int %s_instance_new(const wasmplug_host_api_t *host, void *plugin,\n"
            "    const wasmplug_plugin_config_t *config, void **instance, const char **error) {\n"
            "  (void)host, (void)plugin, (void)config, (void)instance, (void)error;\n  return 0;\n}\n"
            "__attribute__((weak)) void %s_instance_drop(void *plugin, void *instance) {\n"
            "  (void)plugin, (void)instance;\n}\n\n",
            P, P, P, P);

  for (uint32_t i = 0; i < g->nfuncs; i++) {
    const bg_func_t *bf = &g->funcs[i];
    const wp_wit_function_t *f = bf->f;
    if (f->n_params) {
      wp_buf_puts(c, "typedef struct {\n");
      for (uint32_t k = 0; k < f->n_params; k++) {
        char *n = bg_param(f->params[k].name);
        wp_buf_printf(c, "  %s %s;\n", bg_ctype(g, f->params[k].type), n ? n : "?");
        free(n);
      }
      wp_buf_printf(c, "} %s_params_t;\n\n", bf->cname);
    }
    wp_buf_printf(c, "static int wrap_%s(void *state, wasmplug_plugin_call_t *call, const void *params,\n"
                 "    void *result) {\n", bf->cname);
    if (f->n_params) wp_buf_printf(c, "  const %s_params_t *p = (const %s_params_t *)params;\n", bf->cname, bf->cname);
    else wp_buf_puts(c, "  (void)params;\n");
    if (f->result.kind == WP_WIT_T_NONE) wp_buf_puts(c, "  (void)result;\n");
    wp_buf_printf(c, "  %s_ctx_t cx;\n  glue_ctx(&cx, state, call);\n  return %s(&cx", P, bf->cname);
    for (uint32_t k = 0; k < f->n_params; k++) {
      char *n = bg_param(f->params[k].name);
      wp_buf_printf(c, ", %sp->%s", bg_by_value(g, f->params[k].type) ? "" : "&", n ? n : "?");
      free(n);
    }
    if (f->result.kind != WP_WIT_T_NONE) wp_buf_printf(c, ", (%s *)result", bg_ctype(g, f->result));
    wp_buf_puts(c, ");\n}\n\n");
  }
  if (count_flat(g)) wp_buf_puts(c, "/* Flat entries (plugin ABI 1.5): what a core-module guest calls for\n"
                                   "** these functions, params in registers.  The same functions as above. */\n");
  for (uint32_t i = 0; i < g->nfuncs; i++)
    if (flat_eligible(g, &g->funcs[i])) flat_wrapper(g, c, &g->funcs[i]);
  if (g->has_async)
    wp_buf_printf(c, "static void glue_cancel(void *state, wasmplug_plugin_call_t *call) {\n"
                 "  %s_ctx_t cx;\n  glue_ctx(&cx, state, call);\n  %s_cancel(&cx);\n}\n\n",
              P, P);
  for (uint32_t i = 0; i < g->nres; i++) {
    char *b = res_base(g, g->res[i]);
    wp_buf_printf(c,
              "static void drop_%s(void *state, uint32_t rep) {\n"
              "  %s_ctx_t cx;\n  glue_ctx(&cx, state, NULL);\n  %s_destructor(&cx, rep);\n}\n\n",
              b ? b : "?", P, b ? b : "?");
    free(b);
  }
}

static void descriptor(bg_t *g, wp_buf_t *c) {
  const wp_bindgen_opts_t *o = g->o;
  char *wit = wp_wit_print(g->r, g->pkg);
  if (!wit) {
    bg_fail(g, "out of memory printing the WIT");
    return;
  }
  wp_buf_puts(c, "/* The WIT this plugin implements, printed from the resolved package\n"
             "** (dependencies as nested package blocks). */\nstatic const char plugin_wit[] =\n");
  bg_c_literal(c, wit);
  wp_buf_puts(c, ";\n\n");
  free(wit);
  if (g->nfuncs) {
    wp_buf_puts(c, "static const wasmplug_plugin_func_t plugin_funcs[] = {\n");
    for (uint32_t i = 0; i < g->nfuncs; i++) {
      const bg_func_t *bf = &g->funcs[i];
      if (bf->iface == WP_WIT_NONE) wp_buf_printf(c, "    {\"%s\", wrap_%s},\n", bf->f->name, bf->cname);
      else wp_buf_printf(c, "    {\"%s#%s\", wrap_%s},\n", bf->module, bf->f->name, bf->cname);
    }
    wp_buf_puts(c, "};\n\n");
  }
  uint32_t nflat = count_flat(g);
  if (nflat) {
    wp_buf_puts(c, "static const wasmplug_plugin_flat_t plugin_flat[] = {\n");
    for (uint32_t i = 0; i < g->nfuncs; i++) {
      const bg_func_t *bf = &g->funcs[i];
      if (!flat_eligible(g, bf)) continue;
      if (bf->iface == WP_WIT_NONE)
        wp_buf_printf(c, "    {\"%s\", (wasmplug_plugin_flat_fn)flat_%s},\n", bf->f->name, bf->cname);
      else
        wp_buf_printf(c, "    {\"%s#%s\", (wasmplug_plugin_flat_fn)flat_%s},\n", bf->module, bf->f->name, bf->cname);
    }
    wp_buf_puts(c, "};\n\n");
  }
  if (g->nres) {
    wp_buf_puts(c, "static const wasmplug_plugin_resource_t plugin_resources[] = {\n");
    for (uint32_t i = 0; i < g->nres; i++) {
      const wp_wit_typedef_t *d = &g->r->types[g->res[i]];
      char *id = wp_wit_interface_id(g->r, d->owner);
      char *b = res_base(g, g->res[i]);
      wp_buf_printf(c, "    {\"%s#%s\", drop_%s},\n", id ? id : g->ifprefix[d->owner], d->name, b ? b : "?");
      free(id);
      free(b);
    }
    wp_buf_puts(c, "};\n\n");
  }
  if (o->noptions) {
    wp_buf_puts(c, "static const wasmplug_plugin_option_t plugin_options[] = {\n");
    for (size_t i = 0; i < o->noptions; i++) {
      const wp_bindgen_option_t *op = &o->options[i];
      wp_buf_puts(c, "    {\"");
      wp_buf_puts(c, op->name);
      wp_buf_puts(c, "\", \"");
      wp_buf_puts(c, op->type);
      wp_buf_puts(c, "\", ");
      if (op->default_value) {
        bg_c_literal(c, op->default_value);
      } else {
        wp_buf_puts(c, "NULL");
      }
      wp_buf_puts(c, ",\n    ");
      bg_c_literal(c, op->doc ? op->doc : "");
      wp_buf_puts(c, "},\n");
    }
    wp_buf_puts(c, "};\n\n");
  }
  char *name = o->plugin_name ? bg_strdup(o->plugin_name) : bg_strdup(g->prefix);
  if (name && !o->plugin_name)
    for (char *s = name; *s; s++)
      if (*s == '_') *s = '-';
  if (o->services && o->nservices)
    wp_buf_printf(c, "/* The services this plugin offers other plugins (host->service). */\n"
                 "extern const wasmplug_plugin_service_t %s[%u];\n\n", o->services, (unsigned)o->nservices);
  /* async functions and stream/future/error-context values need the 1.3
  ** host functions (call_complete, stream_new, ...): an older host refuses
  ** the plugin instead of failing its calls */
  wp_buf_printf(c, "static const wasmplug_plugin_t plugin_desc = {\n"
                "    WASMPLUG_PLUGIN_MAGIC, WASMPLUG_PLUGIN_ABI_MAJOR, WASMPLUG_PLUGIN_ABI_MINOR,\n"
                "    sizeof(wasmplug_plugin_t), %s, 0,\n    ",
                g->needs_async_abi ? "3 /* min_host_minor: async (plugin ABI 1.3) */" : "0");
  bg_c_literal(c, name ? name : "plugin");
  wp_buf_puts(c, ",\n    ");
  bg_c_literal(c, o->plugin_version ? o->plugin_version : "0.0.0");
  wp_buf_puts(c, ",\n    plugin_wit,\n    ");
  if (g->world != WP_WIT_NONE) bg_c_literal(c, g->r->worlds[g->world].name);
  else wp_buf_puts(c, "NULL");
  wp_buf_printf(c, ",\n    %s, %u,\n    %s, %u,\n    %s, %u,\n",
            g->nfuncs ? "plugin_funcs" : "NULL", g->nfuncs,
            g->nres ? "plugin_resources" : "NULL", g->nres,
            o->noptions ? "plugin_options" : "NULL", (unsigned)o->noptions);
  wp_buf_puts(c, "    glue_init, glue_fini, glue_instance_new, glue_instance_drop,\n");
  if (o->services && o->nservices) wp_buf_printf(c, "    %s, %u,\n", o->services, (unsigned)o->nservices);
  else wp_buf_puts(c, "    NULL, 0,\n");
  wp_buf_puts(c, g->has_async ? "    glue_cancel,\n" : "    NULL, /* cancel: no async function */\n");
  if (nflat)
    wp_buf_printf(c, "    plugin_flat, %u, sizeof(wasmplug_plugin_flat_t), /* flat entries (plugin ABI 1.5; older hosts ignore them) */\n};\n\n",
                  nflat);
  else
    wp_buf_puts(c, "    NULL, 0, 0, /* flat entries (plugin ABI 1.5): none */\n};\n\n");
  wp_buf_puts(c, "WASMPLUG_PLUGIN_ENTRY(host) {\n"
             "  (void)host; /* init receives it again and keeps it in the plugin state */\n"
             "  return &plugin_desc;\n}\n");
  free(name);
}

void bg_emit_plugin_stubs(bg_t *g, wp_buf_t *s) {
  const char *P = g->prefix;
  wp_buf_printf(s,
            "/* %s_stubs.c — a skeleton of the plugin: every function traps with \"not\n"
            "** implemented\" until you write it.  Written once by `wasmplug bindgen c\n"
            "** --plugin ... --stubs` and never again: it is yours to edit.  Build:\n"
            "**   cc -shared -fPIC -fvisibility=hidden -I<wasmplug include> %s.c %s_stubs.c -o plugin.so\n"
            "** The hooks (%s_plugin_init, _plugin_fini, _instance_new, _instance_drop)\n"
            "** have defaults in %s.c; define them here to keep state. */\n"
            "#include \"%s.h\"\n\n",
            P, P, P, P, P, P);
  for (uint32_t i = 0; i < g->nfuncs; i++) {
    const bg_func_t *bf = &g->funcs[i];
    const wp_wit_function_t *f = bf->f;
    wp_buf_printf(s, "/* %s#%s */\n", bf->module, f->name);
    proto(g, s, bf);
    wp_buf_puts(s, " {\n");
    for (uint32_t k = 0; k < f->n_params; k++) {
      char *n = bg_param(f->params[k].name);
      wp_buf_printf(s, "  (void)%s;\n", n ? n : "?");
      free(n);
    }
    if (f->result.kind != WP_WIT_T_NONE) wp_buf_puts(s, "  (void)ret;\n");
    wp_buf_printf(s, "  return %s_trap(cx, \"not implemented: %s\");\n}\n\n", P, f->name);
  }
  for (uint32_t i = 0; i < g->nres; i++) {
    char *b = res_base(g, g->res[i]);
    wp_buf_printf(s, "void %s_destructor(%s_ctx_t *cx, uint32_t rep) {\n  (void)cx, (void)rep;\n}\n\n", b ? b : "?",
                  P);
    free(b);
  }
  if (g->has_async) wp_buf_printf(s, "void %s_cancel(%s_ctx_t *cx) {\n  (void)cx;\n}\n", P, P);
}

void bg_emit_plugin(bg_t *g, wp_buf_t *h, wp_buf_t *c) {
  wp_buf_puts(h, "#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n\n"
             "#include <wasmplug/plugin.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
  wp_buf_puts(c, "#include <stdarg.h>\n#include <stdio.h>\n#include <stdlib.h>\n\n");
  wp_buf_printf(c, "#include \"%s.h\"\n\n", g->prefix);
  bg_emit_types(g, h, c);
  header(g, h);
  glue(g, c);
  descriptor(g, c);
  wp_buf_puts(h, "\n#ifdef __cplusplus\n}\n#endif\n");
}
