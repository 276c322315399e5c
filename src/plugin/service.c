/*
** service.c — plugins serving plugins: host->service (plugin ABI 1.1).
**
** A plugin that hands its guest resources of another plugin's interface
** (wasi:http's bodies are wasi:io streams, kept in the WASI 0.2 plugin's
** table so one wasi:io/poll#poll waits on all of them) asks the host for
** the provider's C service.  It asks with what it has: its config (which
** names the plugin) and its instance state; each plugin keeps a registry
** of its live instances, which leads to the guest, and the guest to the
** plugin providing the interface and its instance state for that guest.
*/
#include "plugin/internal.h"

#include <stdlib.h>
#include <string.h>

void wp_plugin_live_init(wp_plugin_t *p) {
  if (p->live_ready) return;
  pthread_mutex_init(&p->live_lock, NULL);
  p->live_ready = true;
}

void wp_plugin_live_fini(wp_plugin_t *p) {
  if (!p->live_ready) return;
  pthread_mutex_destroy(&p->live_lock);
  free(p->live);
  p->live = NULL;
  p->nlive = p->caplive = 0;
  p->live_ready = false;
}

bool wp_plugin_live_add(wp_plugin_inst_t *in) {
  wp_plugin_t *p = (wp_plugin_t *)in->p; /* the registry is the mutable part of a loaded plugin */
  if (!p->live_ready) return true;
  bool ok = true;
  pthread_mutex_lock(&p->live_lock);
  if (p->nlive == p->caplive) {
    size_t cap = p->caplive ? p->caplive * 2 : 16;
    wp_plugin_inst_t **n = realloc(p->live, cap * sizeof *n);
    if (n) {
      p->live = n;
      p->caplive = cap;
    } else {
      ok = false;
    }
  }
  if (ok) p->live[p->nlive++] = in;
  pthread_mutex_unlock(&p->live_lock);
  return ok;
}

void wp_plugin_live_remove(wp_plugin_inst_t *in) {
  wp_plugin_t *p = (wp_plugin_t *)in->p;
  if (!p->live_ready) return;
  pthread_mutex_lock(&p->live_lock);
  for (size_t i = p->nlive; i-- > 0;)
    if (p->live[i] == in) {
      p->live[i] = p->live[--p->nlive];
      break;
    }
  pthread_mutex_unlock(&p->live_lock);
}

const void *wp_plugin_host_service(const wasmplug_plugin_config_t *self, void *instance_state, const char *iface,
                                   const char *name, void **provider_state) {
  if (provider_state) *provider_state = NULL;
  if (!self || !self->plugin || !instance_state || !iface || !name || !provider_state) return NULL;
  wp_plugin_t *p = (wp_plugin_t *)self->plugin;
  if (!p->live_ready) return NULL;
  wp_plugin_instances_t *g = NULL;
  pthread_mutex_lock(&p->live_lock);
  for (size_t i = 0; i < p->nlive && !g; i++)
    if (p->live[i]->state == instance_state) g = p->live[i]->g;
  pthread_mutex_unlock(&p->live_lock);
  /* The guest itself is used by the asking thread only (a call of it is
  ** in progress, or it is being set up): no lock from here on. */
  if (!g || g->dead) return NULL;
  const wp_plugin_t *prov;
  const wp_plugin_iface_t *pi;
  wasmplug_error_t *e = wp_plugin_set_find(g->set, iface, &prov, &pi);
  if (e) {
    wasmplug_error_delete(e);
    return NULL;
  }
  const wasmplug_plugin_service_t *svc = NULL;
  for (uint32_t k = 0; k < prov->desc.nservices && !svc; k++)
    if (!strcmp(prov->desc.services[k].name, name)) svc = &prov->desc.services[k];
  if (!svc) return NULL;
  wp_plugin_inst_t *inst;
  if ((e = wp_plugin_instances_get(g, prov, &inst))) {
    wasmplug_error_delete(e);
    return NULL;
  }
  *provider_state = inst->state;
  return svc->table;
}
