/*
** compose_encode.c — `wasmplug compose`: the run-time composition of
** wasm_instances.c written down as one standalone component, which other
** runtimes can run.  Layout of the output:
**
**   type      the instance type of every import left unsatisfied (copied
**             from the component that imports it; deduplicated by name)
**   import    those imports: the union of what the plugins and the app
**             need from the host (wasi:dl stays an import of the result)
**   component the plugins (in dependency order) and the app, embedded
**   alias/instance  each plugin instantiated with the host's imports and
**             the exported instances of the plugins it imports from; then
**             the app, with its imports taken the same way
**   alias/export    the app's exports, re-exported
**
** The same rules as at run time decide who satisfies what (wp_wasm_resolve,
** wp_wasm_provider): cycles are refused, the app may not import wasi:dl, a
** plugin may only import it when its spec says allow-dl=.  Capabilities
** granted on a spec (dir=, env=) cannot be written into a component: the
** runtime running the result decides those, so they are refused here.
**
** A plugin exporting resources composes like any other: the instance
** argument carries resources defined in another nested instance, which the
** consumer imports as `(sub resource)` and the component layer's type
** checker binds to them (tests/wasm_plugin/cli_test.sh composes
** res_plugin.wasm; tests/component_rt/wat/nested_sub_resource.wat is the
** shape in small).
*/
#include "host/compose_internal.h"
#include "core/buf.h"
#include "host/wasm_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define leb wp_compose_leb
#define str wp_compose_str
#define section wp_compose_section

enum { SORT_FUNC = 0x01, SORT_TYPE = 0x03, SORT_COMPONENT = 0x04, SORT_INSTANCE = 0x05 };

/* One component of the composition: a plugin, or the app (last). */
typedef struct part {
  const char *name;
  const uint8_t *bytes;
  size_t len;
  const wp_comp *def;
  const long *provider;   /* per import: a part index, or -1 */
  uint32_t inst;          /* its instance index in the output */
} part;

typedef struct outer_import {
  wp_comp_str name;
  uint32_t inst;          /* = its index among the outer imports */
} outer_import;

static wasmplug_error_t *import_type(const part *pt, const wp_comp_extern *imp, const uint8_t **p, size_t *n) {
  const wp_comp *d = pt->def;
  for (uint32_t k = 0; k < d->ntypes; k++)
    if (d->types[k].type == (imp->declared ? imp->declared : imp->type)) {
      const uint8_t *at = pt->bytes + d->types[k].offset;
      bool escapes = false;
      size_t len = wp_compose_type_len(at, pt->len - d->types[k].offset, &escapes);
      if (!len || escapes) break;
      *p = at;
      *n = len;
      return NULL;
    }
  return wasmplug_error_new("compose: %s: the type of import `%.*s` refers to types outside it (or is not an "
                            "instance type defined in the component); compose cannot copy it yet",
                            pt->name, (int)imp->name.len, imp->name.ptr);
}

/* The outer import for `imp` of part pt, added (with its type) if new. */
static wasmplug_error_t *outer_for(const part *pt, const wp_comp_extern *imp, outer_import **imps, size_t *nimps,
                                   wp_buf_t *types, wp_buf_t *imports, uint32_t *out) {
  for (size_t i = 0; i < *nimps; i++)
    if ((*imps)[i].name.len == imp->name.len && !memcmp((*imps)[i].name.ptr, imp->name.ptr, imp->name.len)) {
      *out = (*imps)[i].inst;
      return NULL;
    }
  if (imp->sort != WP_COMP_SORT_INSTANCE)
    return wasmplug_error_new("compose: %s: import `%.*s` is a %s; compose handles interface (instance) imports only",
                              pt->name, (int)imp->name.len, imp->name.ptr, wp_comp_sort_name(imp->sort));
  const uint8_t *tp = NULL;
  size_t tn = 0;
  wasmplug_error_t *e = import_type(pt, imp, &tp, &tn);
  if (e) return e;
  outer_import *n = realloc(*imps, (*nimps + 1) * sizeof *n);
  if (!n) return wasmplug_error_new("out of memory");
  *imps = n;
  uint32_t idx = (uint32_t)*nimps;
  n[idx].name = imp->name;
  n[idx].inst = idx;
  (*nimps)++;
  wp_buf_put(types, tp, tn);                 /* type idx = idx */
  wp_buf_byte(imports, 0x00);                /* importname' */
  str(imports, imp->name.ptr, imp->name.len);
  wp_buf_byte(imports, SORT_INSTANCE);       /* externdesc: instance of type idx */
  leb(imports, idx);
  *out = idx;
  return NULL;
}

/* The export of `provider` matching import `imp`: exact, else the newest
** on its semver track (wp_comp_name_best, as at run time). */
static const wp_comp_export *provided(const part *provider, const wp_comp_extern *imp) {
  const wp_comp *d = provider->def;
  wp_comp_str *names = malloc((d->nexports + 1) * sizeof *names);
  uint32_t *idx = malloc((d->nexports + 1) * sizeof *idx);
  const wp_comp_export *best = NULL;
  if (names && idx) {
    size_t n = 0;
    for (uint32_t i = 0; i < d->nexports; i++)
      if (d->exports[i].ext.sort == WP_COMP_SORT_INSTANCE) {
        names[n] = d->exports[i].ext.name;
        idx[n++] = i;
      }
    long b = wp_comp_name_best(imp->name.ptr, imp->name.len, names, n);
    if (b >= 0) best = &d->exports[idx[b]];
  }
  free(names);
  free(idx);
  return best;
}

/* Names match, then types decide (the rule's second half, as at run time):
** every import a plugin satisfies is checked against the export before
** anything is written, so a mismatch names the import and the item. */
static wasmplug_error_t *check_types(const part *parts, size_t nparts, const size_t *order) {
  char what[700], err[2048];
  for (size_t k = 0; k < nparts; k++) {
    const part *pt = &parts[order[k]];
    wp_comp_typecheck *tc = wp_comp_typecheck_new();
    if (!tc) return wasmplug_error_new("out of memory");
    for (uint32_t i = 0; i < pt->def->nimports; i++) {
      if (pt->provider[i] < 0) continue;
      const wp_comp_extern *imp = &pt->def->imports[i];
      const part *pv = &parts[pt->provider[i]];
      const wp_comp_export *x = provided(pv, imp);
      if (!x) continue; /* encode() says so */
      snprintf(what, sizeof what, "import `%.*s` (from wasm plugin %s)", (int)imp->name.len, imp->name.ptr, pv->name);
      if (wp_comp_typecheck_extern(tc, &x->ext, imp, what, err, sizeof err)) {
        wp_comp_typecheck_delete(tc);
        return wasmplug_error_new_kind(WASMPLUG_ERROR_LINK, "compose: %s: %s", pt->name, err);
      }
    }
    wp_comp_typecheck_delete(tc);
  }
  return NULL;
}

static wasmplug_error_t *encode(part *parts, size_t nparts, const size_t *order, wp_buf_t *out) {
  wasmplug_error_t *e = NULL;
  wp_buf_t types = {0}, imports = {0}, body = {0};
  outer_import *imps = NULL;
  size_t nimps = 0;
  /* 1. outer imports: every import no part satisfies, first-come types */
  for (size_t k = 0; !e && k < nparts; k++) {
    part *pt = &parts[order[k]];
    for (uint32_t i = 0; !e && i < pt->def->nimports; i++) {
      uint32_t idx;
      if (pt->provider[i] < 0)
        e = outer_for(pt, &pt->def->imports[i], &imps, &nimps, &types, &imports, &idx);
    }
  }
  if (!e) {
    static const uint8_t preamble[8] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
    wp_buf_put(out, preamble, sizeof preamble);
    if (nimps) {
      section(out, 7, (uint32_t)nimps, &types);
      section(out, 10, (uint32_t)nimps, &imports);
    }
    /* 2. the parts, embedded: component index = position in `order` */
    for (size_t k = 0; k < nparts; k++) {
      const part *pt = &parts[order[k]];
      wp_buf_byte(out, 4);
      leb(out, (uint32_t)pt->len);
      wp_buf_put(out, pt->bytes, pt->len);
    }
  }
  /* 3. instantiate in order; instance indices continue after the imports */
  uint32_t ninst = (uint32_t)nimps;
  for (size_t k = 0; !e && k < nparts; k++) {
    part *pt = &parts[order[k]];
    const wp_comp *d = pt->def;
    uint32_t *args = calloc(d->nimports + 1, sizeof *args);
    if (!args) {
      e = wasmplug_error_new("out of memory");
      break;
    }
    /* aliases of the providers' exported instances */
    wp_buf_t al = {0};
    uint32_t nal = 0;
    for (uint32_t i = 0; !e && i < d->nimports; i++) {
      const wp_comp_extern *imp = &d->imports[i];
      if (pt->provider[i] < 0) {
        e = outer_for(pt, imp, &imps, &nimps, &types, &imports, &args[i]);
        continue;
      }
      const part *pv = &parts[pt->provider[i]];
      const wp_comp_export *x = provided(pv, imp);
      if (!x) {
        e = wasmplug_error_new("compose: %s exports nothing matching `%.*s`", pv->name, (int)imp->name.len, imp->name.ptr);
        break;
      }
      wp_buf_byte(&al, SORT_INSTANCE);
      wp_buf_byte(&al, 0x00); /* alias export */
      leb(&al, pv->inst);
      str(&al, x->ext.name.ptr, x->ext.name.len);
      args[i] = ninst++;
      nal++;
    }
    if (!e && nal) section(out, 6, nal, &al);
    free(al.s);
    if (!e) {
      wp_buf_t in = {0};
      wp_buf_byte(&in, 0x00); /* instantiate */
      leb(&in, (uint32_t)k);
      leb(&in, d->nimports);
      for (uint32_t i = 0; i < d->nimports; i++) {
        str(&in, d->imports[i].name.ptr, d->imports[i].name.len);
        wp_buf_byte(&in, SORT_INSTANCE);
        leb(&in, args[i]);
      }
      section(out, 5, 1, &in);
      free(in.s);
      pt->inst = ninst++;
    }
    free(args);
  }
  /* 4. the app's exports */
  if (!e) {
    const part *app = &parts[order[nparts - 1]];
    uint32_t count[6] = {0};
    count[SORT_INSTANCE] = ninst;
    count[SORT_TYPE] = (uint32_t)nimps;
    count[SORT_COMPONENT] = (uint32_t)nparts;
    wp_buf_t al = {0}, ex = {0};
    uint32_t n = 0;
    /* The interfaces the app imports from plugins are exported too: the
    ** app's exported interfaces may use their types (`use store.{entry}`),
    ** and validators (wasm-tools, hence jco) require every type an export
    ** mentions to be exported or imported by the component before it. */
    for (uint32_t i = 0; !e && i < app->def->nimports; i++) {
      if (app->provider[i] < 0) continue;
      const wp_comp_extern *imp = &app->def->imports[i];
      bool clash = false;
      for (uint32_t k = 0; k < app->def->nexports; k++)
        clash |= app->def->exports[k].ext.name.len == imp->name.len &&
                 !memcmp(app->def->exports[k].ext.name.ptr, imp->name.ptr, imp->name.len);
      const part *pv = &parts[app->provider[i]];
      const wp_comp_export *x = provided(pv, imp);
      if (clash || !x) continue;
      wp_buf_byte(&al, SORT_INSTANCE);
      wp_buf_byte(&al, 0x00);
      leb(&al, pv->inst);
      str(&al, x->ext.name.ptr, x->ext.name.len);
      wp_buf_byte(&ex, 0x00);
      str(&ex, imp->name.ptr, imp->name.len);
      wp_buf_byte(&ex, SORT_INSTANCE);
      leb(&ex, count[SORT_INSTANCE]++);
      wp_buf_byte(&ex, 0x00);
      n++;
    }
    for (uint32_t i = 0; !e && i < app->def->nexports; i++) {
      const wp_comp_export *x = &app->def->exports[i];
      uint8_t sort = x->ext.sort == WP_COMP_SORT_FUNC ? SORT_FUNC : x->ext.sort == WP_COMP_SORT_INSTANCE ? SORT_INSTANCE : 0;
      if (!sort) {
        e = wasmplug_error_new("compose: %s: export `%.*s` is a %s; compose re-exports functions and interfaces only",
                               app->name, (int)x->ext.name.len, x->ext.name.ptr, wp_comp_sort_name(x->ext.sort));
        break;
      }
      wp_buf_byte(&al, sort);
      wp_buf_byte(&al, 0x00);
      leb(&al, app->inst);
      str(&al, x->ext.name.ptr, x->ext.name.len);
      wp_buf_byte(&ex, 0x00);
      str(&ex, x->ext.name.ptr, x->ext.name.len);
      wp_buf_byte(&ex, sort);
      leb(&ex, count[sort]++);
      wp_buf_byte(&ex, 0x00); /* no type ascription */
      n++;
    }
    if (!e && n) {
      section(out, 6, n, &al);
      section(out, 11, n, &ex);
    }
    free(al.s);
    free(ex.s);
  }
  if (!e && (out->oom || types.oom || imports.oom)) e = wasmplug_error_new("out of memory");
  free(types.s);
  free(imports.s);
  free(body.s);
  free(imps);
  return e;
}

/* Post-order over the providers: every part after the parts it imports from. */
static void topo(const part *parts, size_t i, bool *done, size_t *order, size_t *n) {
  if (done[i]) return;
  done[i] = true;
  for (uint32_t k = 0; k < parts[i].def->nimports; k++)
    if (parts[i].provider[k] >= 0) topo(parts, (size_t)parts[i].provider[k], done, order, n);
  order[(*n)++] = i;
}

wasmplug_error_t *wp_wasm_compose(wp_wasm_plugins_t *set, const uint8_t *app, size_t app_len, const char *app_name,
                                  uint8_t **out, size_t *out_len) {
  *out = NULL;
  *out_len = 0;
  char err[1024];
  for (size_t i = 0; i < set->n; i++) {
    wp_wasm_plugin *p = set->p[i];
    if (p->ndirs || p->nenvs)
      return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "compose: %s: dir= and env= grants cannot be written into a component (the runtime "
                                "running the result decides them)", p->name);
    if (!p->def) {
      if (wp_comp_load(p->bytes, p->len, p->path, &p->decoded, err, sizeof err))
        return wasmplug_error_new_kind(WASMPLUG_ERROR_DECODE, "%s", err);
      p->def = p->decoded;
    }
    for (uint32_t k = 0; k < p->def->nimports; k++) {
      const wp_comp_extern *imp = &p->def->imports[k];
      if (wp_wasm_is_dl(imp->name.ptr, imp->name.len) && !p->allow_dl)
        return wasmplug_error_new("wasm plugin %s imports %.*s but was not granted it (add allow-dl=POLICY to its "
                                  "--plugin spec)", p->name, (int)imp->name.len, imp->name.ptr);
    }
  }
  wasmplug_error_t *e = wp_wasm_resolve(set);
  if (e) return e;
  wp_comp *ad = NULL;
  if (wp_comp_load(app, app_len, app_name, &ad, err, sizeof err))
    return wasmplug_error_new_kind(WASMPLUG_ERROR_DECODE, "%s", err);
  part *parts = calloc(set->n + 1, sizeof *parts);
  long *app_prov = calloc(ad->nimports + 1, sizeof *app_prov);
  size_t *order = calloc(set->n + 1, sizeof *order);
  bool *done = calloc(set->n + 1, sizeof *done);
  if (!parts || !app_prov || !order || !done) e = wasmplug_error_new("out of memory");
  for (uint32_t k = 0; !e && k < ad->nimports; k++) {
    const wp_comp_extern *imp = &ad->imports[k];
    if (wp_wasm_is_dl(imp->name.ptr, imp->name.len))
      e = wasmplug_error_new("%s: import `%.*s` refused: wasi:dl reaches native code, so only trusted wasm plugins "
                             "granted allow-dl may import it, never the guest", app_name, (int)imp->name.len,
                             imp->name.ptr);
    else
      app_prov[k] = imp->sort == WP_COMP_SORT_INSTANCE ? wp_wasm_provider(set, imp->name.ptr, imp->name.len, SIZE_MAX)
                                                       : -1;
  }
  if (!e) {
    for (size_t i = 0; i < set->n; i++)
      parts[i] = (part){set->p[i]->name, set->p[i]->bytes, set->p[i]->len, set->p[i]->def, set->p[i]->provider, 0};
    parts[set->n] = (part){app_name, app, app_len, ad, app_prov, 0};
    /* only the plugins the app reaches, directly or through other plugins */
    size_t n = 0;
    topo(parts, set->n, done, order, &n);
    wp_buf_t b = {0};
    e = check_types(parts, n, order);
    if (!e) e = encode(parts, n, order, &b);
    if (!e) {
      wp_comp *check = NULL;
      if (wp_comp_load((const uint8_t *)b.s, b.len, "composed component", &check, err, sizeof err))
        e = wasmplug_error_new("compose: the composition does not validate: %s", err);
      wp_comp_delete(check);
    }
    if (e) free(b.s);
    else {
      *out = (uint8_t *)b.s;
      *out_len = b.len;
    }
  }
  free(parts);
  free(app_prov);
  free(order);
  free(done);
  wp_comp_delete(ad);
  return e;
}
