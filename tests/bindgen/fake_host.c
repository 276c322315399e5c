/*
** fake_host.c — see fake_host.h.
*/
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_host.h"

static void *fh_alloc(wasmplug_plugin_call_t *call, size_t size, size_t align) {
  if (align > sizeof(max_align_t)) return NULL;
  fh_block_t *b = malloc(sizeof *b + (size ? size : 1));
  if (!b) return NULL;
  b->next = call->blocks;
  call->blocks = b;
  return b->data;
}

static int fh_trap(wasmplug_plugin_call_t *call, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(call->trap, sizeof call->trap, fmt, ap);
  va_end(ap);
  call->trapped = true;
  return WASMPLUG_TRAP;
}

static void fh_log(const wasmplug_plugin_config_t *plugin, wasmplug_log_level_t level, const char *fmt, ...) {
  (void)plugin;
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "plugin log[%d]: ", (int)level);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static const char *fh_config_get(const wasmplug_plugin_config_t *c, const char *name) {
  for (int i = 0; i < c->n; i++)
    if (!strcmp(c->keys[i], name)) return c->values[i];
  for (uint32_t i = 0; i < c->desc->noptions; i++)
    if (!strcmp(c->desc->options[i].name, name)) return c->desc->options[i].default_value;
  return NULL;
}

static void *fh_call_state(wasmplug_plugin_call_t *call) { return call->state; }

static uint64_t fh_deadline(wasmplug_plugin_call_t *call) {
  if (!call || !call->limits) return 0;
  atomic_fetch_add(&call->limits->asked, 1);
  return call->limits->deadline;
}

static bool fh_interrupted(wasmplug_plugin_call_t *call) {
  if (!call || !call->limits) return false;
  atomic_fetch_add(&call->limits->asked, 1);
  return call->limits->stop && atomic_load(call->limits->stop);
}

const wasmplug_host_api_t fh_host = {
    sizeof(wasmplug_host_api_t), WASMPLUG_PLUGIN_ABI_MAJOR, WASMPLUG_PLUGIN_ABI_MINOR, "test",
    fh_alloc, fh_trap, fh_log, fh_config_get, fh_call_state,
    NULL, NULL, fh_deadline, /* 1.1: exit, call_func (this test host has none), deadline */
    NULL,             /* 1.2: service (no other plugins to serve) */
    /* 1.3: async (none either) */
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    fh_interrupted, /* 1.4 */
};

int fh_load(fh_plugin_t *p, const char *so, const char *const *settings) {
  memset(p, 0, sizeof *p);
  p->dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
  if (!p->dl) {
    fprintf(stderr, "dlopen %s: %s\n", so, dlerror());
    return -1;
  }
  wasmplug_plugin_entry_fn entry = (wasmplug_plugin_entry_fn)dlsym(p->dl, WASMPLUG_PLUGIN_ENTRY_NAME);
  if (!entry) {
    fprintf(stderr, "%s: no %s\n", so, WASMPLUG_PLUGIN_ENTRY_NAME);
    return -1;
  }
  p->desc = entry(&fh_host);
  if (!p->desc || p->desc->magic != WASMPLUG_PLUGIN_MAGIC || p->desc->abi_major != WASMPLUG_PLUGIN_ABI_MAJOR) {
    fprintf(stderr, "%s: bad descriptor\n", so);
    return -1;
  }
  p->config.desc = p->desc;
  for (int i = 0; settings && settings[i] && i < FH_MAX_OPTS; i++) {
    const char *eq = strchr(settings[i], '=');
    p->config.keys[i] = strndup(settings[i], (size_t)(eq - settings[i]));
    p->config.values[i] = eq + 1;
    p->config.n++;
  }
  const char *err = NULL;
  if (p->desc->init && p->desc->init(&fh_host, &p->config, &p->plugin_state, &err)) {
    fprintf(stderr, "%s: init refused: %s\n", so, err ? err : "(no message)");
    return -1;
  }
  return 0;
}

void fh_unload(fh_plugin_t *p) {
  if (p->desc && p->desc->fini) p->desc->fini(p->plugin_state);
  for (int i = 0; i < p->config.n; i++) free((char *)p->config.keys[i]);
  if (p->dl) dlclose(p->dl);
  memset(p, 0, sizeof *p);
}

void *fh_instance(fh_plugin_t *p) {
  void *inst = p->plugin_state;
  const char *err = NULL;
  if (p->desc->instance_new && p->desc->instance_new(p->plugin_state, &p->config, &inst, &err)) {
    fprintf(stderr, "instance_new refused: %s\n", err ? err : "(no message)");
    return NULL;
  }
  return inst;
}

void fh_instance_drop(fh_plugin_t *p, void *inst) {
  if (p->desc->instance_drop) p->desc->instance_drop(inst);
}

int fh_call(fh_plugin_t *p, void *inst, wasmplug_plugin_call_t *call, const char *name,
            const void *params, void *result, size_t result_size) {
  return fh_call_limited(p, inst, call, name, params, result, result_size, NULL);
}

int fh_call_limited(fh_plugin_t *p, void *inst, wasmplug_plugin_call_t *call, const char *name,
                    const void *params, void *result, size_t result_size, fh_limits_t *lim) {
  memset(call, 0, sizeof *call);
  call->state = inst;
  call->limits = lim;
  if (result) memset(result, 0, result_size);
  for (uint32_t i = 0; i < p->desc->nfuncs; i++)
    if (!strcmp(p->desc->funcs[i].name, name)) return p->desc->funcs[i].fn(inst, call, params, result);
  snprintf(call->trap, sizeof call->trap, "no function %s", name);
  call->trapped = true;
  return WASMPLUG_TRAP;
}

void fh_call_end(wasmplug_plugin_call_t *call) {
  while (call->blocks) {
    fh_block_t *n = call->blocks->next;
    free(call->blocks);
    call->blocks = n;
  }
}

void fh_drop(fh_plugin_t *p, void *inst, const char *resource, uint32_t rep) {
  for (uint32_t i = 0; i < p->desc->nresources; i++)
    if (!strcmp(p->desc->resources[i].name, resource)) {
      p->desc->resources[i].drop(inst, rep);
      return;
    }
  fprintf(stderr, "no resource %s\n", resource);
  abort();
}
