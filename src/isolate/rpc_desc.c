/*
** rpc_desc.c — the descriptor's data in the DESCRIBE handshake, and the
** per-function canonical ABI types both ends derive from the WIT.
**
** Only data crosses: names, versions, WIT, world, function and resource
** names (with whether a resource has a drop hook), options.  The host
** rebuilds a descriptor from it whose function pointers are proxies, and
** the loader checks it exactly as it checks a .so's.
*/
#include "isolate/rpc.h"

#include <stdlib.h>
#include <string.h>

/* Bounds for what a server may announce (a descriptor is small). */
#define MAX_ITEMS 4096u
#define MAX_STR ((size_t)4 << 20)

void wp_rpc_desc_encode(wp_rpc_buf_t *b, const wasmplug_plugin_t *d) {
  wp_rpc_buf_u32(b, d->abi_minor);
  wp_rpc_buf_str(b, d->name);
  wp_rpc_buf_str(b, d->version);
  wp_rpc_buf_str(b, d->wit);
  wp_rpc_buf_str(b, d->world);
  wp_rpc_buf_u32(b, d->nfuncs);
  for (uint32_t i = 0; i < d->nfuncs; i++) wp_rpc_buf_str(b, d->funcs[i].name);
  wp_rpc_buf_u32(b, d->nresources);
  for (uint32_t i = 0; i < d->nresources; i++) {
    wp_rpc_buf_str(b, d->resources[i].name);
    wp_buf_byte(b, d->resources[i].drop != NULL);
  }
  wp_rpc_buf_u32(b, d->noptions);
  for (uint32_t i = 0; i < d->noptions; i++) {
    wp_rpc_buf_str(b, d->options[i].name);
    wp_rpc_buf_str(b, d->options[i].type);
    wp_rpc_buf_str(b, d->options[i].default_value);
    wp_rpc_buf_str(b, d->options[i].doc);
  }
}

void wp_rpc_desc_free(wp_rpc_desc_t *d) {
  free((char *)d->d.name);
  free((char *)d->d.version);
  free((char *)d->d.wit);
  free((char *)d->d.world);
  for (uint32_t i = 0; d->funcs && i < d->d.nfuncs; i++) free((char *)d->funcs[i].name);
  for (uint32_t i = 0; d->resources && i < d->d.nresources; i++) free((char *)d->resources[i].name);
  for (uint32_t i = 0; d->options && i < d->d.noptions; i++) {
    free((char *)d->options[i].name);
    free((char *)d->options[i].type);
    free((char *)d->options[i].default_value);
    free((char *)d->options[i].doc);
  }
  free(d->funcs);
  free(d->resources);
  free(d->res_has_drop);
  free(d->options);
  memset(d, 0, sizeof *d);
}

/* A required string: NULL (or the NULL encoding) marks the reader bad. */
static char *req(wp_rpc_rd_t *r) {
  bool isnull;
  char *s = wp_rpc_rd_str(r, MAX_STR, &isnull);
  if (isnull) r->bad = true;
  return s;
}
static char *opt(wp_rpc_rd_t *r) {
  bool isnull;
  return wp_rpc_rd_str(r, MAX_STR, &isnull);
}

static uint32_t count(wp_rpc_rd_t *r) {
  uint32_t n = wp_rpc_rd_u32(r);
  /* Each item takes at least 4 bytes: a count the payload cannot hold is
  ** refused before it sizes an allocation. */
  if (n > MAX_ITEMS || (size_t)n * 4 > r->len - r->pos) r->bad = true;
  return r->bad ? 0 : n;
}

wasmplug_error_t *wp_rpc_desc_decode(const uint8_t *p, size_t len, wp_rpc_desc_t *out) {
  memset(out, 0, sizeof *out);
  wp_rpc_rd_t r = {p, len, 0, false};
  wasmplug_plugin_t *d = &out->d;
  d->magic = WASMPLUG_PLUGIN_MAGIC;
  d->abi_major = WASMPLUG_PLUGIN_ABI_MAJOR;
  uint32_t minor = wp_rpc_rd_u32(&r);
  /* The server's loader already applied the version rules to the .so;
  ** this copy is built by, and for, this host. */
  d->abi_minor = minor > WASMPLUG_PLUGIN_ABI_MINOR ? WASMPLUG_PLUGIN_ABI_MINOR : (uint16_t)minor;
  d->size = sizeof *d;
  d->name = req(&r);
  d->version = req(&r);
  d->wit = req(&r);
  d->world = opt(&r);
  uint32_t nf = count(&r);
  out->funcs = calloc(nf ? nf : 1, sizeof *out->funcs);
  if (!out->funcs) r.bad = true;
  for (uint32_t i = 0; i < nf && !r.bad; i++) {
    out->funcs[i].name = req(&r);
    d->nfuncs = i + 1;
  }
  uint32_t nr = r.bad ? 0 : count(&r);
  out->resources = calloc(nr ? nr : 1, sizeof *out->resources);
  out->res_has_drop = calloc(nr ? nr : 1, sizeof *out->res_has_drop);
  if (!out->resources || !out->res_has_drop) r.bad = true;
  for (uint32_t i = 0; i < nr && !r.bad; i++) {
    out->resources[i].name = req(&r);
    uint8_t has = wp_rpc_rd_u8(&r);
    if (has > 1) r.bad = true;
    out->res_has_drop[i] = has == 1;
    d->nresources = i + 1;
  }
  uint32_t no = r.bad ? 0 : count(&r);
  out->options = calloc(no ? no : 1, sizeof *out->options);
  if (!out->options) r.bad = true;
  for (uint32_t i = 0; i < no && !r.bad; i++) {
    wasmplug_plugin_option_t *o = &out->options[i];
    d->noptions = i + 1;
    o->name = req(&r);
    o->type = req(&r);
    o->default_value = opt(&r);
    o->doc = opt(&r);
  }
  if (r.bad || r.pos != r.len) {
    wp_rpc_desc_free(out);
    return wasmplug_error_new("malformed DESCRIBE frame (%zu bytes): a string, count or flag is out of bounds", len);
  }
  d->funcs = out->funcs;
  d->resources = out->resources;
  d->options = out->options;
  return NULL;
}

/* ---------------------------------------------------------------- types */

static const char *iface_id(const wp_plugin_t *p, uint32_t index) {
  for (size_t i = 0; i < p->nifaces; i++)
    if (p->ifaces[i].index == index) return p->ifaces[i].id;
  return NULL;
}

wasmplug_error_t *wp_rpc_types_new(const wp_plugin_t *p, wp_rpc_types_t *out) {
  memset(out, 0, sizeof *out);
  uint32_t n = p->desc.nfuncs;
  /* resource types without destructors: the wire carries reps only */
  out->conv = wp_wit_cabi_new(p->wit, (wp_wit_cabi_resource_hook_t){NULL, NULL});
  out->f = calloc(n ? n : 1, sizeof *out->f);
  out->args = calloc(n ? n : 1, sizeof *out->args);
  if (!out->conv || !out->f || !out->args) {
    wp_rpc_types_free(out);
    return wasmplug_error_new("out of memory");
  }
  out->n = n;
  /* Function k of the table is the export whose "<iface>#<name>" it names
  ** (the loader checked that each entry names exactly one). */
  for (uint32_t k = 0; k < n; k++) {
    const wp_plugin_export_t *x = NULL;
    for (size_t i = 0; i < p->nexports && !x; i++) {
      const wp_plugin_export_t *c = &p->exports[i];
      const char *id = iface_id(p, c->iface);
      if (id && wp_plugin_key_matches(p->desc.funcs[k].name, id, p->wit->interfaces[c->iface].funcs[c->func].name))
        x = c;
    }
    wasmplug_error_t *e = NULL;
    if (!x) e = wasmplug_error_new("plugin %s: function '%s' has no export", p->desc.name, p->desc.funcs[k].name);
    if (!e) e = wp_wit_cabi_func(out->conv, &p->wit->interfaces[x->iface].funcs[x->func], &out->f[k]);
    if (!e) {
      wp_cabi_error_t *ce = wp_cabi_func_native_args(out->f[k], &out->args[k]);
      if (ce) {
        e = wasmplug_error_new("plugin %s: %s: %s", p->desc.name, x->qualified, wp_cabi_error_message(ce));
        wp_cabi_error_delete(ce);
      }
    }
    if (e) {
      wp_rpc_types_free(out);
      return e;
    }
  }
  out->nres = p->desc.nresources;
  out->res = calloc(out->nres ? out->nres : 1, sizeof *out->res);
  size_t cap = 0;
  for (size_t i = 0; i < p->nifaces; i++) cap += p->wit->interfaces[p->ifaces[i].index].n_types;
  out->provided = calloc(cap ? cap : 1, sizeof *out->provided);
  if (!out->res || !out->provided) {
    wp_rpc_types_free(out);
    return wasmplug_error_new("out of memory");
  }
  for (size_t i = 0; i < p->nifaces; i++) {
    const wp_wit_interface_t *in = &p->wit->interfaces[p->ifaces[i].index];
    for (uint32_t t = 0; t < in->n_types; t++) {
      uint32_t id = wp_wit_type_unalias(p->wit, in->types[t].id);
      if (p->wit->types[id].kind != WP_WIT_DEF_RESOURCE || p->wit->types[id].owner_kind != WP_WIT_OWNER_INTERFACE ||
          p->wit->types[id].owner != p->ifaces[i].index)
        continue;
      wasmplug_error_t *e = NULL;
      const wp_cabi_resource_t *r = wp_wit_cabi_resource(out->conv, id, &e);
      wasmplug_error_delete(e);
      if (!r) continue;
      out->provided[out->nprovided++] = r;
      const char *name = p->wit->types[id].name;
      for (uint32_t k = 0; k < out->nres && name; k++)
        if (p->desc.resources[k].name && wp_plugin_key_matches(p->desc.resources[k].name, p->ifaces[i].id, name))
          out->res[k] = r;
    }
  }
  return NULL;
}

void wp_rpc_types_free(wp_rpc_types_t *t) {
  wp_wit_cabi_delete(t->conv);
  free(t->f);
  free(t->args);
  free(t->res);
  free(t->provided);
  memset(t, 0, sizeof *t);
}
