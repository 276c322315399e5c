/*
** set.c — the set of loaded plugins and which plugin provides which
** interface.
*/
#include "plugin/internal.h"
#include "isolate/rpc.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

wp_plugin_set_t *wp_plugin_set_new(void) {
  wp_plugin_set_t *set = calloc(1, sizeof *set);
  if (set) set->refs = 1;
  return set;
}

void wp_plugin_set_ref(wp_plugin_set_t *set) { __atomic_add_fetch(&set->refs, 1, __ATOMIC_RELAXED); }

/* A plugin is shared by the sets a reload made from one another: it is
** unloaded (fini, dlclose) with the last of them. */
static void plugin_unref(wp_plugin_t *p) {
  if (!__atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL)) wp_plugin_close(p);
}

void wp_plugin_set_delete(wp_plugin_set_t *set) {
  if (!set || __atomic_sub_fetch(&set->refs, 1, __ATOMIC_ACQ_REL)) return;
  /* Unload in reverse order of loading, like destructors of a stack. */
  for (size_t i = set->n; i-- > 0;) plugin_unref(set->plugins[i]);
  free(set->plugins);
  for (size_t i = 0; i < set->nchoices; i++) {
    free(set->choices[i].iface);
    free(set->choices[i].plugin);
  }
  free(set->choices);
  free(set);
}

size_t wp_plugin_set_count(const wp_plugin_set_t *set) { return set->n; }
const wp_plugin_t *wp_plugin_set_get(const wp_plugin_set_t *set, size_t i) {
  return i < set->n ? set->plugins[i] : NULL;
}

/* Appends p, whose reference the set takes over (closed on failure). */
static wasmplug_error_t *push(wp_plugin_set_t *set, wp_plugin_t *p) {
  if (set->n == set->cap) {
    size_t cap = set->cap ? set->cap * 2 : 4;
    wp_plugin_t **n = realloc(set->plugins, cap * sizeof *n);
    if (!n) {
      plugin_unref(p);
      return wasmplug_error_new("out of memory");
    }
    set->plugins = n;
    set->cap = cap;
  }
  set->plugins[set->n++] = p;
  return NULL;
}

static wasmplug_error_t *add(wp_plugin_set_t *set, const char *path, const char *config) {
  wp_plugin_t *p;
  /* Out-of-process plugins (",isolate", unix:/tcp: servers): rpc_open.c. */
  wasmplug_error_t *e = wp_rpc_wants(path, config) ? wp_rpc_open(path, config, &p) : wp_plugin_open(path, config, &p);
  if (e) return e;
  for (size_t i = 0; i < set->n; i++)
    if (!strcmp(set->plugins[i]->desc.name, p->desc.name)) {
      e = wasmplug_error_new("plugin %s is loaded twice (%s and %s)", p->desc.name, set->plugins[i]->path, path);
      wp_plugin_close(p);
      return e;
    }
  p->refs = 1;
  return push(set, p);
}

wasmplug_error_t *wp_plugin_set_load(wp_plugin_set_t *set, const char *spec) {
  if (!spec || !*spec) return wasmplug_error_new("--plugin: empty plugin path");
  const char *comma = strchr(spec, ',');
  if (!comma) return add(set, spec, NULL);
  char *path = strndup(spec, (size_t)(comma - spec));
  if (!path) return wasmplug_error_new("out of memory");
  wasmplug_error_t *e = *path ? add(set, path, comma + 1) : wasmplug_error_new("--plugin: empty plugin path in '%s'", spec);
  free(path);
  return e;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

wasmplug_error_t *wp_plugin_set_load_dir(wp_plugin_set_t *set, const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return wasmplug_error_new("cannot open plugin directory %s: %s", dir, strerror(errno));
  char **names = NULL;
  size_t n = 0;
  wasmplug_error_t *e = NULL;
  struct dirent *ent;
  while ((ent = readdir(d))) {
    size_t len = strlen(ent->d_name);
    if (len < 4 || strcmp(ent->d_name + len - 3, ".so") || ent->d_name[0] == '.') continue;
    char **nn = realloc(names, (n + 1) * sizeof *nn);
    char *path = wp_format("%s/%s", dir, ent->d_name);
    if (nn) names = nn;
    if (!nn || !path) {
      free(path);
      e = wasmplug_error_new("out of memory");
      break;
    }
    names[n++] = path;
  }
  closedir(d);
  /* A stable order makes "loaded twice" and conflict messages reproducible. */
  if (n) qsort(names, n, sizeof *names, cmp_str);
  for (size_t i = 0; i < n; i++) {
    if (!e) e = add(set, names[i], NULL);
    free(names[i]);
  }
  free(names);
  return e;
}

wasmplug_error_t *wp_plugin_set_load_path(wp_plugin_set_t *set, const char *list) {
  if (!list) return NULL;
  const char *s = list;
  while (*s) {
    const char *colon = strchr(s, ':');
    size_t len = colon ? (size_t)(colon - s) : strlen(s);
    if (len) {
      char *dir = strndup(s, len);
      if (!dir) return wasmplug_error_new("out of memory");
      /* Like $PATH, entries that do not exist are skipped; anything else
      ** (unreadable, a plugin that fails to load) is an error. */
      struct stat st;
      wasmplug_error_t *e = stat(dir, &st) && errno == ENOENT ? NULL : wp_plugin_set_load_dir(set, dir);
      free(dir);
      if (e) return e;
    }
    if (!colon) break;
    s = colon + 1;
  }
  return NULL;
}

wasmplug_error_t *wp_plugin_set_use(wp_plugin_set_t *set, const char *spec) {
  const char *eq = strchr(spec, '=');
  if (!eq || eq == spec || !eq[1])
    return wasmplug_error_new("--plugin-use: expected IFACE=PLUGIN (e.g. wasi:keyvalue/store=kv-sqlite), got '%s'",
                              spec);
  wp_plugin_choice_t *n = realloc(set->choices, (set->nchoices + 1) * sizeof *n);
  if (!n) return wasmplug_error_new("out of memory");
  set->choices = n;
  wp_plugin_choice_t *c = &set->choices[set->nchoices];
  c->iface = strndup(spec, (size_t)(eq - spec));
  c->plugin = wp_plugin_strdup(eq + 1);
  if (!c->iface || !c->plugin) {
    free(c->iface);
    free(c->plugin);
    return wasmplug_error_new("out of memory");
  }
  set->nchoices++;
  return NULL;
}

/* The user's choice for the interface of `want`, or NULL. */
static const char *choice_for(const wp_plugin_set_t *set, const char *want) {
  size_t wl = wp_plugin_iface_name_len(want);
  for (size_t i = 0; i < set->nchoices; i++) {
    const char *ci = set->choices[i].iface;
    size_t cl = wp_plugin_iface_name_len(ci);
    if (cl == wl && !memcmp(ci, want, wl)) return set->choices[i].plugin;
  }
  return NULL;
}

wasmplug_error_t *wp_plugin_set_find(const wp_plugin_set_t *set, const char *want, const wp_plugin_t **pout,
                                     const wp_plugin_iface_t **iout) {
  const char *chosen = choice_for(set, want);
  const wp_plugin_t *fp = NULL;
  const wp_plugin_iface_t *fi = NULL;
  wp_buf_t near = {0}; /* same name, incompatible version */
  for (size_t i = 0; i < set->n; i++) {
    const wp_plugin_t *p = set->plugins[i];
    if (chosen && strcmp(chosen, p->desc.name)) continue;
    for (size_t k = 0; k < p->nifaces; k++) {
      const wp_plugin_iface_t *in = &p->ifaces[k];
      if (!wp_plugin_iface_match(want, in->id)) {
        size_t wl = wp_plugin_iface_name_len(want);
        if (wp_plugin_iface_name_len(in->id) == wl && !memcmp(in->id, want, wl))
          wp_buf_printf(&near, "%s%s (plugin %s)", near.len ? ", " : "", in->id, p->desc.name);
        continue;
      }
      if (fp && fp != p) {
        free(near.s);
        return wasmplug_error_new("interface %s is provided by two plugins, %s (%s) and %s (%s); pick one with "
                                  "--plugin-use %.*s=NAME",
                                  want, fp->desc.name, fi->id, p->desc.name, in->id, (int)wp_plugin_iface_name_len(want),
                                  want);
      }
      if (!fp) {
        fp = p;
        fi = in;
      }
    }
  }
  wasmplug_error_t *e = NULL;
  if (!fp) {
    if (chosen) {
      bool loaded = false;
      for (size_t i = 0; i < set->n; i++) loaded |= !strcmp(set->plugins[i]->desc.name, chosen);
      e = loaded ? wasmplug_error_new("interface %s: the chosen plugin %s does not provide it", want, chosen)
                 : wasmplug_error_new("interface %s: the chosen plugin %s is not loaded", want, chosen);
    } else if (near.len) {
      e = wasmplug_error_new("no plugin provides a version of %s compatible with the import; found %s", want, near.s);
    } else {
      e = wasmplug_error_new("no loaded plugin provides interface %s (%zu plugin(s) loaded; load one with --plugin)",
                             want, set->n);
    }
  }
  free(near.s);
  *pout = fp;
  *iout = fi;
  return e;
}

wasmplug_error_t *wp_plugin_set_check(const wp_plugin_set_t *set, const char *iface, const char *item, bool resource) {
  const wp_plugin_t *p;
  const wp_plugin_iface_t *in;
  wasmplug_error_t *e = wp_plugin_set_find(set, iface, &p, &in);
  if (e) return e;
  if (!resource) {
    if (wp_plugin_find_export(p, in, item)) return NULL;
    return wasmplug_error_new_kind(WASMPLUG_ERROR_LINK, "plugin %s provides %s, which has no function '%s'",
                                   p->desc.name, in->id, item);
  }
  const wp_wit_interface_t *wi = &p->wit->interfaces[in->index];
  for (uint32_t t = 0; t < wi->n_types; t++)
    if (!strcmp(wi->types[t].name, item) &&
        p->wit->types[wp_wit_type_unalias(p->wit, wi->types[t].id)].kind == WP_WIT_DEF_RESOURCE)
      return NULL;
  return wasmplug_error_new_kind(WASMPLUG_ERROR_LINK, "plugin %s provides %s, which has no resource '%s'",
                                 p->desc.name, in->id, item);
}

/* True when `name` names p: its descriptor's name, its path, or the file
** name of its path. */
static bool names(const wp_plugin_t *p, const char *name) {
  if (!strcmp(p->desc.name, name)) return true;
  if (!p->path) return false;
  const char *slash = strrchr(p->path, '/');
  return !strcmp(p->path, name) || !strcmp(slash ? slash + 1 : p->path, name);
}

wasmplug_error_t *wp_plugin_set_reload(wp_plugin_set_t *set, const char *name, const char *spec, wp_plugin_set_t **out) {
  *out = NULL;
  size_t at = set->n;
  for (size_t i = 0; i < set->n && at == set->n; i++)
    if (names(set->plugins[i], name)) at = i;
  if (at == set->n) return wasmplug_error_new_kind(WASMPLUG_ERROR_NOT_FOUND, "reload: no loaded plugin is named %s", name);
  if (!set->plugins[at]->dl)
    return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "reload: plugin %s is built in or remote: it cannot be reloaded",
                                   name);
  wp_plugin_set_t *n = wp_plugin_set_new();
  if (!n) return wasmplug_error_new("out of memory");
  wasmplug_error_t *e = NULL;
  for (size_t i = 0; i < set->nchoices && !e; i++) {
    char *c = wp_format("%s=%s", set->choices[i].iface, set->choices[i].plugin);
    e = c ? wp_plugin_set_use(n, c) : wasmplug_error_new("out of memory");
    free(c);
  }
  for (size_t i = 0; i < set->n && !e; i++) {
    if (i == at) {
      e = wp_plugin_set_load(n, spec);
      continue;
    }
    __atomic_add_fetch(&set->plugins[i]->refs, 1, __ATOMIC_RELAXED);
    e = push(n, set->plugins[i]);
  }
  /* the new plugin may now share a name with one loaded after it */
  for (size_t i = 0; i < n->n && !e; i++)
    for (size_t k = i + 1; k < n->n && !e; k++)
      if (!strcmp(n->plugins[i]->desc.name, n->plugins[k]->desc.name))
        e = wasmplug_error_new("plugin %s is loaded twice (%s and %s)", n->plugins[i]->desc.name, n->plugins[i]->path,
                               n->plugins[k]->path);
  if (e) {
    wp_plugin_set_delete(n);
    return e;
  }
  *out = n;
  return NULL;
}
