/*
** load.c — opening one native plugin: dlopen, the entry point, descriptor
** validation (magic, ABI version, size), WIT parsing, function-table
** coverage, config, init.
**
** Versioning (include/wasmplug/plugin.h): a different major is refused
** naming both versions; an older minor loads (we read only the bytes its
** `size` covers, the rest stays zero); a newer minor loads unless its
** `min_host_minor` is newer than this host.
*/
#include "plugin/internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

/* The descriptor size of each 1.x minor this host knows: a plugin built
** against minor m must cover at least this much. */
static size_t min_desc_size(uint16_t minor) {
  /* 1.1 and 1.4 added host functions only; 1.2 `services`, 1.3 `cancel`,
  ** 1.5 `flat` */
  if (minor >= 5) return offsetof(wasmplug_plugin_t, flat_size) + sizeof(((wasmplug_plugin_t *)0)->flat_size);
  if (minor >= 3) return offsetof(wasmplug_plugin_t, cancel) + sizeof(((wasmplug_plugin_t *)0)->cancel);
  if (minor >= 2) return offsetof(wasmplug_plugin_t, nservices) + sizeof(((wasmplug_plugin_t *)0)->nservices);
  return offsetof(wasmplug_plugin_t, instance_drop) + sizeof(((wasmplug_plugin_t *)0)->instance_drop);
}

static wasmplug_error_t *check_desc(const char *path, const wasmplug_plugin_t *d, wasmplug_plugin_t *copy) {
  if (d->magic != WASMPLUG_PLUGIN_MAGIC)
    return wasmplug_error_new("%s: bad plugin descriptor magic 0x%08x (expected 0x%08x, \"WPLG\")", path, d->magic,
                              WASMPLUG_PLUGIN_MAGIC);
  if (d->abi_major != WASMPLUG_PLUGIN_ABI_MAJOR)
    return wasmplug_error_new("%s: plugin was built for plugin ABI %u.%u, this host implements ABI %u.%u "
                              "(major versions differ; rebuild the plugin)",
                              path, d->abi_major, d->abi_minor, WASMPLUG_PLUGIN_ABI_MAJOR, WASMPLUG_PLUGIN_ABI_MINOR);
  uint16_t known = d->abi_minor;
  if (known > WASMPLUG_PLUGIN_ABI_MINOR) known = WASMPLUG_PLUGIN_ABI_MINOR;
  if (d->size < min_desc_size(known))
    return wasmplug_error_new("%s: plugin descriptor is %u bytes, shorter than the %zu bytes of ABI %u.%u "
                              "(truncated or corrupt descriptor)",
                              path, d->size, min_desc_size(known), WASMPLUG_PLUGIN_ABI_MAJOR, known);
  if (d->abi_minor > WASMPLUG_PLUGIN_ABI_MINOR && d->min_host_minor > WASMPLUG_PLUGIN_ABI_MINOR)
    return wasmplug_error_new("%s: plugin (ABI %u.%u) needs a host implementing ABI %u.%u or newer; "
                              "this host implements ABI %u.%u",
                              path, d->abi_major, d->abi_minor, WASMPLUG_PLUGIN_ABI_MAJOR, d->min_host_minor,
                              WASMPLUG_PLUGIN_ABI_MAJOR, WASMPLUG_PLUGIN_ABI_MINOR);
  /* Only the fields both sides know; newer fields the plugin added are
  ** ignored (min_host_minor said they are optional). */
  memset(copy, 0, sizeof *copy);
  memcpy(copy, d, d->size < sizeof *copy ? d->size : sizeof *copy);
  if (!copy->name || !*copy->name) return wasmplug_error_new("%s: plugin descriptor has no name", path);
  for (const char *c = copy->name; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-' ||
          *c == '_' || *c == '.'))
      return wasmplug_error_new("%s: plugin name '%s' has characters other than letters, digits, '-', '_', '.'",
                                path, copy->name);
  if (!copy->version) return wasmplug_error_new("%s: plugin %s: descriptor has no version", path, copy->name);
  if (!copy->wit) return wasmplug_error_new("%s: plugin %s: descriptor has no WIT", path, copy->name);
  if ((copy->nfuncs && !copy->funcs) || (copy->nresources && !copy->resources) ||
      (copy->nservices && !copy->services))
    return wasmplug_error_new("%s: plugin %s: descriptor has a count without a table", path, copy->name);
  /* (an array's entries are a multiple of their alignment apart) */
  if (copy->nflat && (!copy->flat || copy->flat_size < offsetof(wasmplug_plugin_flat_t, fn) + sizeof copy->flat->fn ||
                      copy->flat_size % _Alignof(wasmplug_plugin_flat_t)))
    return wasmplug_error_new("%s: plugin %s: descriptor has %u flat entries but %s", path, copy->name, copy->nflat,
                              copy->flat ? "a flat_size smaller than an entry of ABI 1.5 or not a multiple of "
                                           "its alignment"
                                         : "no flat table");
  for (uint32_t k = 0; k < copy->nservices; k++)
    if (!copy->services[k].name || !copy->services[k].table)
      return wasmplug_error_new("%s: plugin %s: service table entry %u has no name or no table", path, copy->name, k);
  return NULL;
}

/* True when table name `entry` is "<id>#<item>" or "<id without @ver>#<item>". */
bool wp_plugin_key_matches(const char *entry, const char *id, const char *item) {
  size_t il = strlen(id), nl = wp_plugin_iface_name_len(id);
  size_t el = strlen(entry), tl = strlen(item);
  if (el == il + 1 + tl && !memcmp(entry, id, il) && entry[il] == '#' && !strcmp(entry + il + 1, item)) return true;
  return el == nl + 1 + tl && !memcmp(entry, id, nl) && entry[nl] == '#' && !strcmp(entry + nl + 1, item);
}

static wasmplug_error_t *add_iface(wp_plugin_t *p, uint32_t idx) {
  for (size_t i = 0; i < p->nifaces; i++)
    if (p->ifaces[i].index == idx) return NULL;
  char *id = wp_wit_interface_id(p->wit, idx);
  if (!id) return wasmplug_error_new("plugin %s: exports an anonymous interface (native plugins export named "
                                     "interfaces)", p->desc.name);
  wp_plugin_iface_t *n = realloc(p->ifaces, (p->nifaces + 1) * sizeof *n);
  if (!n) {
    free(id);
    return wasmplug_error_new("out of memory");
  }
  p->ifaces = n;
  p->ifaces[p->nifaces].index = idx;
  p->ifaces[p->nifaces].id = id;
  p->nifaces++;
  return NULL;
}

/* The interfaces the plugin provides: the world's exports, or every named
** interface of the package. */
static wasmplug_error_t *collect_ifaces(wp_plugin_t *p) {
  const wp_wit_resolve_t *r = p->wit;
  wasmplug_error_t *e;
  if (p->desc.world) {
    uint32_t w = wp_wit_find_world(r, p->pkg, p->desc.world);
    if (w == WP_WIT_NONE)
      return wasmplug_error_new("plugin %s: its WIT has no world '%s'", p->desc.name, p->desc.world);
    const wp_wit_world_t *wd = &r->worlds[w];
    for (uint32_t i = 0; i < wd->n_exports; i++) {
      const wp_wit_world_item_t *it = &wd->exports[i];
      if (it->kind == WP_WIT_ITEM_FUNCTION)
        return wasmplug_error_new("plugin %s: world '%s' exports function '%s' directly; native plugins export "
                                  "interfaces", p->desc.name, p->desc.world, it->name ? it->name : it->func.name);
      if (it->kind == WP_WIT_ITEM_INTERFACE && (e = add_iface(p, it->id))) return e;
    }
  } else {
    const wp_wit_package_t *pk = &r->packages[p->pkg];
    for (uint32_t i = 0; i < pk->n_interfaces; i++)
      if ((e = add_iface(p, pk->interfaces[i].id))) return e;
  }
  if (!p->nifaces) return wasmplug_error_new("plugin %s: its WIT exports no interface", p->desc.name);
  return NULL;
}

/* 1.5: flat entry k (entries are flat_size bytes apart: a newer plugin's
** may have more fields). */
static const wasmplug_plugin_flat_t *flat_entry(const wp_plugin_t *p, uint32_t k) {
  return (const wasmplug_plugin_flat_t *)(const void *)((const char *)p->desc.flat + (size_t)k * p->desc.flat_size);
}

/* What a flat entry may pass (wasmplug_plugin_flat_t): 1 for an s32 or
** u32, 2 for a borrow<R> (its rep), 0 for anything else. */
static int flat_kind(const wp_wit_resolve_t *r, wp_wit_type_t t) {
  if (t.kind == WP_WIT_T_ID) {
    const wp_wit_typedef_t *d = &r->types[wp_wit_type_unalias(r, t.id)];
    if (d->kind != WP_WIT_DEF_ALIAS) return d->kind == WP_WIT_DEF_HANDLE && d->borrow ? 2 : 0;
    t = d->type; /* an alias of a primitive */
  }
  return t.kind == WP_WIT_T_S32 || t.kind == WP_WIT_T_U32;
}

/* The shapes a flat entry has: at most 4 params, each an s32, u32 or
** borrow<R>, and no result or an s32 or u32; not async. */
static bool flat_shape(const wp_wit_resolve_t *r, const wp_wit_function_t *f) {
  if (f->kind == WP_WIT_FUNC_ASYNC_FREESTANDING || f->kind == WP_WIT_FUNC_ASYNC_METHOD ||
      f->kind == WP_WIT_FUNC_ASYNC_STATIC || f->n_params > 4)
    return false;
  for (uint32_t i = 0; i < f->n_params; i++)
    if (!flat_kind(r, f->params[i].type)) return false;
  return f->result.kind == WP_WIT_T_NONE || flat_kind(r, f->result) == 1;
}

/* Function fname of interface i's flat entry into x->flat: at most one,
** not NULL, of a flat shape. */
static wasmplug_error_t *bind_flat(wp_plugin_t *p, size_t i, const wp_wit_function_t *wf, bool *used,
                                   wp_plugin_export_t *x) {
  for (uint32_t k = 0; k < p->desc.nflat; k++) {
    const wasmplug_plugin_flat_t *pf = flat_entry(p, k);
    if (!pf->name || !wp_plugin_key_matches(pf->name, p->ifaces[i].id, wf->name)) continue;
    if (used[k] || x->flat)
      return wasmplug_error_new("plugin %s: flat table lists '%s#%s' twice", p->desc.name, p->ifaces[i].id, wf->name);
    used[k] = true;
    if (!pf->fn) return wasmplug_error_new("plugin %s: flat table entry '%s' has a NULL function", p->desc.name, pf->name);
    if (!flat_shape(p->wit, wf))
      return wasmplug_error_new("plugin %s: flat table entry '%s': the function has no flat form (at most 4 "
                                "params, each s32, u32 or borrow<R>; no result, s32 or u32)",
                                p->desc.name, pf->name);
    x->flat = pf->fn;
  }
  return NULL;
}

/* Every exported function must be in the function table, and every table
** entry must name an exported function (a typo would otherwise go
** unnoticed until a guest calls it).  The same for the flat table. */
static wasmplug_error_t *bind_funcs(wp_plugin_t *p) {
  const wp_wit_resolve_t *r = p->wit;
  size_t total = 0;
  for (size_t i = 0; i < p->nifaces; i++) total += r->interfaces[p->ifaces[i].index].n_funcs;
  p->exports = calloc(total ? total : 1, sizeof *p->exports);
  if (!p->exports) return wasmplug_error_new("out of memory");
  bool *used = calloc(p->desc.nfuncs + 1, sizeof *used), *flat_used = calloc(p->desc.nflat + 1, sizeof *flat_used);
  if (!used || !flat_used) {
    free(used);
    free(flat_used);
    return wasmplug_error_new("out of memory");
  }
  wasmplug_error_t *e = NULL;
  for (size_t i = 0; i < p->nifaces && !e; i++) {
    const wp_wit_interface_t *in = &r->interfaces[p->ifaces[i].index];
    for (uint32_t f = 0; f < in->n_funcs && !e; f++) {
      const char *fname = in->funcs[f].name;
      wasmplug_plugin_fn fn = NULL;
      uint32_t index = 0;
      for (uint32_t k = 0; k < p->desc.nfuncs; k++) {
        const wasmplug_plugin_func_t *pf = &p->desc.funcs[k];
        if (pf->name && wp_plugin_key_matches(pf->name, p->ifaces[i].id, fname)) {
          if (used[k] || fn) {
            e = wasmplug_error_new("plugin %s: function table lists '%s#%s' twice", p->desc.name, p->ifaces[i].id,
                                   fname);
            break;
          }
          used[k] = true;
          fn = pf->fn;
          index = k;
          if (!fn)
            e = wasmplug_error_new("plugin %s: function table entry '%s' has a NULL function", p->desc.name, pf->name);
        }
      }
      if (e) break;
      if (!fn) {
        e = wasmplug_error_new("plugin %s: function table has no entry for exported function '%s#%s'", p->desc.name,
                               p->ifaces[i].id, fname);
        break;
      }
      wp_plugin_export_t *x = &p->exports[p->nexports++];
      x->iface = p->ifaces[i].index;
      x->func = f;
      x->fn = fn;
      x->index = index;
      x->qualified = wp_format("%s#%s", p->ifaces[i].id, fname);
      x->who = x->qualified ? wp_format("plugin %s: %s", p->desc.name, x->qualified) : NULL;
      if (!x->who) e = wasmplug_error_new("out of memory");
      if (!e) e = bind_flat(p, i, &in->funcs[f], flat_used, x);
    }
  }
  for (uint32_t k = 0; k < p->desc.nfuncs && !e; k++)
    if (!used[k])
      e = wasmplug_error_new("plugin %s: function table entry '%s' names no function its WIT exports", p->desc.name,
                             p->desc.funcs[k].name ? p->desc.funcs[k].name : "(null)");
  for (uint32_t k = 0; k < p->desc.nflat && !e; k++)
    if (!flat_used[k])
      e = wasmplug_error_new("plugin %s: flat table entry '%s' names no function its WIT exports", p->desc.name,
                             flat_entry(p, k)->name ? flat_entry(p, k)->name : "(null)");
  free(used);
  free(flat_used);
  return e;
}

/* Resource table entries must name exported resources (a missing entry
** means "no destructor"). */
static wasmplug_error_t *check_resources(wp_plugin_t *p) {
  const wp_wit_resolve_t *r = p->wit;
  for (uint32_t k = 0; k < p->desc.nresources; k++) {
    const char *name = p->desc.resources[k].name;
    bool found = false;
    for (size_t i = 0; i < p->nifaces && !found && name; i++) {
      const wp_wit_interface_t *in = &r->interfaces[p->ifaces[i].index];
      for (uint32_t t = 0; t < in->n_types && !found; t++) {
        uint32_t id = wp_wit_type_unalias(r, in->types[t].id);
        found = r->types[id].kind == WP_WIT_DEF_RESOURCE && r->types[id].name &&
                wp_plugin_key_matches(name, p->ifaces[i].id, r->types[id].name);
      }
    }
    if (!found)
      return wasmplug_error_new("plugin %s: resource table entry '%s' names no resource its WIT exports",
                                p->desc.name, name ? name : "(null)");
  }
  return NULL;
}

static wasmplug_error_t *parse_wit(wp_plugin_t *p) {
  p->wit = wp_wit_resolve_new();
  if (!p->wit) return wasmplug_error_new("out of memory");
  char *file = wp_format("<plugin %s>.wit", p->desc.name);
  if (!file) return wasmplug_error_new("out of memory");
  wp_wit_error_t *we = NULL;
  int rc = wp_wit_push_str(p->wit, file, p->desc.wit, strlen(p->desc.wit), &p->pkg, &we);
  free(file);
  if (rc) {
    wasmplug_error_t *e = wasmplug_error_new("plugin %s: its WIT does not parse: %s", p->desc.name,
                                             we && we->message ? we->message : "out of memory");
    wp_wit_error_delete(we);
    return e;
  }
  return NULL;
}

static wasmplug_error_t *open_file(const char *path, const char *config, bool init, wp_plugin_t **out);

wasmplug_error_t *wp_plugin_open(const char *path, const char *config, wp_plugin_t **out) {
  return open_file(path, config, true, out);
}

wasmplug_error_t *wp_plugin_inspect(const char *path, wp_plugin_t **out) { return open_file(path, NULL, false, out); }

static wasmplug_error_t *checks(wp_plugin_t *p, const char *path, const wasmplug_plugin_t *d, const char *config);
static wasmplug_error_t *run_init(wp_plugin_t *p);

/* dlopen of p->path, but never the copy of it already loaded: glibc hands
** back an object it has loaded under the same name, so a plugin file
** rebuilt at the same path (a reload, wasmplug_host_plugin_reload) would
** run the old code.  Such a file is loaded from a private copy (a memfd,
** open while p is loaded), which has a name of its own. */
static void *load_fresh(wp_plugin_t *p) {
  void *old = dlopen(p->path, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
  if (!old) return dlopen(p->path, RTLD_NOW | RTLD_LOCAL);
  dlclose(old);
  int in = open(p->path, O_RDONLY | O_CLOEXEC), fd = memfd_create("wasmplug-plugin", MFD_CLOEXEC);
  bool ok = in >= 0 && fd >= 0;
  char buf[65536];
  for (ssize_t k; ok && (k = read(in, buf, sizeof buf)) != 0;) {
    if (k < 0 && errno == EINTR) continue;
    ok = k > 0 && write(fd, buf, (size_t)k) == k;
  }
  if (in >= 0) close(in);
  if (!ok) {
    if (fd >= 0) close(fd);
    return dlopen(p->path, RTLD_NOW | RTLD_LOCAL); /* dlerror says why, if it fails */
  }
  char name[64];
  snprintf(name, sizeof name, "/proc/self/fd/%d", fd);
  void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (h) p->memfd = fd;
  else close(fd);
  return h;
}

static wasmplug_error_t *open_file(const char *path, const char *config, bool init, wp_plugin_t **out) {
  *out = NULL;
  wp_plugin_t *p = calloc(1, sizeof *p);
  if (!p) return wasmplug_error_new("out of memory");
  p->config.plugin = p;
  /* dlopen searches the library path for names without a '/'; a plugin
  ** named on the command line is a file. */
  p->path = strchr(path, '/') ? wp_plugin_strdup(path) : wp_format("./%s", path);
  wasmplug_error_t *e = NULL;
  if (!p->path) {
    e = wasmplug_error_new("out of memory");
    goto fail;
  }
  p->dl = load_fresh(p);
  if (!p->dl) {
    const char *why = dlerror();
    e = wasmplug_error_new("cannot load plugin %s: %s", path, why ? why : "unknown error");
    goto fail;
  }
  wasmplug_plugin_entry_fn entry;
  void *sym = dlsym(p->dl, WASMPLUG_PLUGIN_ENTRY_NAME);
  memcpy(&entry, &sym, sizeof entry); /* object pointer -> function pointer, as POSIX allows */
  if (!sym) {
    e = wasmplug_error_new("%s: not a wasmplug plugin (no exported symbol %s)", path, WASMPLUG_PLUGIN_ENTRY_NAME);
    goto fail;
  }
  const wasmplug_plugin_t *d = entry(wp_plugin_host_api());
  if (!d) {
    e = wasmplug_error_new("%s: the plugin's entry point returned no descriptor", path);
    goto fail;
  }
  if ((e = checks(p, path, d, config)) || (init && (e = run_init(p)))) goto fail;
  *out = p;
  return NULL;
fail:
  wp_plugin_close(p);
  return e;
}

/* Everything after finding the entry point; shared with built-in plugins
** (builtin.c), whose entry is linked in rather than dlsym'd. */
wasmplug_error_t *wp_plugin_setup(wp_plugin_t *p, const char *path, wasmplug_plugin_entry_fn entry,
                                  const char *config) {
  const wasmplug_plugin_t *d = entry(wp_plugin_host_api());
  if (!d) return wasmplug_error_new("%s: the plugin's entry point returned no descriptor", path);
  return wp_plugin_setup_desc(p, path, d, config);
}

/* The checks on a descriptor in hand; also the way in for proxy plugins
** (rpc_open.c), whose descriptor is rebuilt from a plugin server's data. */
wasmplug_error_t *wp_plugin_setup_desc(wp_plugin_t *p, const char *path, const wasmplug_plugin_t *d,
                                       const char *config) {
  wasmplug_error_t *e = checks(p, path, d, config);
  return e ? e : run_init(p);
}

/* Everything but init: descriptor, options, config, WIT, functions. */
static wasmplug_error_t *checks(wp_plugin_t *p, const char *path, const wasmplug_plugin_t *d, const char *config) {
  wasmplug_error_t *e = NULL;
  wp_plugin_live_init(p);
  if ((e = check_desc(path, d, &p->desc))) goto fail;
  if ((e = wp_plugin_options_check(p))) goto fail;
  if ((e = wp_plugin_config_parse(p, config))) goto fail;
  if ((e = parse_wit(p))) goto fail;
  if ((e = collect_ifaces(p))) goto fail;
  if ((e = bind_funcs(p))) goto fail;
  if ((e = check_resources(p))) goto fail;
  return NULL;
fail:
  return e;
}

static wasmplug_error_t *run_init(wp_plugin_t *p) {
  wasmplug_error_t *e = NULL;
  if (p->desc.init) {
    const char *why = NULL;
    void *state = p->host_data;
    if (p->desc.init(wp_plugin_host_api(), &p->config, &state, &why)) {
      e = wasmplug_error_new("plugin %s: init failed: %s", p->desc.name, why ? why : "(no message)");
      goto fail;
    }
    p->state = state;
  }
  p->inited = true;
  return NULL;
fail:
  return e;
}

void wp_plugin_close(wp_plugin_t *p) {
  if (!p) return;
  if (p->inited && p->desc.fini) p->desc.fini(p->state);
  for (size_t i = 0; i < p->nexports; i++) {
    free(p->exports[i].qualified);
    free(p->exports[i].who);
  }
  free(p->exports);
  for (size_t i = 0; i < p->nifaces; i++) free(p->ifaces[i].id);
  free(p->ifaces);
  wp_wit_resolve_delete(p->wit);
  wp_plugin_config_free(&p->config);
  wp_plugin_live_fini(p);
  /* Unload last: the descriptor's strings live in the plugin's image. */
  if (p->dl) dlclose(p->dl);
  if (p->memfd > 0) close(p->memfd);
  free(p->path);
  free(p);
}

const char *wp_plugin_name(const wp_plugin_t *p) { return p->desc.name; }
const char *wp_plugin_path(const wp_plugin_t *p) { return p->path; }
const wasmplug_plugin_t *wp_plugin_descriptor(const wp_plugin_t *p) { return &p->desc; }
const wp_wit_resolve_t *wp_plugin_wit(const wp_plugin_t *p, uint32_t *pkg) {
  if (pkg) *pkg = p->pkg;
  return p->wit;
}

void wp_plugin_inspect_close(wp_plugin_t *p) { wp_plugin_close(p); /* never inited: no fini */ }
size_t wp_plugin_iface_count(const wp_plugin_t *p) { return p->nifaces; }
const char *wp_plugin_iface_id(const wp_plugin_t *p, size_t i) { return i < p->nifaces ? p->ifaces[i].id : NULL; }
