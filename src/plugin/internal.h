/*
** internal.h — structures shared by the files of src/plugin/ only.
*/
#ifndef WASMPLUG_PLUGIN_INTERNAL_H
#define WASMPLUG_PLUGIN_INTERNAL_H

#include "plugin/plugin.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>

/* The config handed to a plugin: `--plugin P,key=value` pairs, checked
** against the plugin's declared options before init runs. */
struct wasmplug_plugin_config {
  const wp_plugin_t *plugin; /* for config_get's defaults and log's prefix */
  size_t n;
  char **keys, **vals;
};

/* One exported WIT function and the plugin function implementing it. */
typedef struct wp_plugin_export {
  uint32_t iface;          /* interface index in the plugin's resolve */
  uint32_t func;           /* function index in that interface */
  wasmplug_plugin_fn fn;
  uint32_t index;          /* its entry in desc.funcs (host->call_func) */
  wasmplug_plugin_flat_fn flat; /* 1.5: its flat entry, or NULL (load.c checked its shape) */
  char *qualified;         /* "ns:pkg/iface@ver#name", for messages */
  char *who;               /* "plugin NAME: <qualified>", for traps */
} wp_plugin_export_t;

/* One exported interface: its full id and where it is in the resolve. */
typedef struct wp_plugin_iface {
  uint32_t index;
  char *id;      /* "ns:pkg/iface@ver" or "ns:pkg/iface" */
} wp_plugin_iface_t;

struct wp_plugin {
  unsigned refs;                    /* the sets holding it (set.c): closed at 0 */
  char *path;
  void *dl;                         /* dlopen handle */
  int memfd;                        /* >0: dl was loaded from this private copy (load.c) */
  wasmplug_plugin_t desc;           /* our copy, only the fields `size` covers */
  wasmplug_plugin_config_t config;
  wp_wit_resolve_t *wit;
  uint32_t pkg;
  wp_plugin_iface_t *ifaces;
  size_t nifaces;
  wp_plugin_export_t *exports;
  size_t nexports;
  void *host_data;                  /* *plugin_state as init receives it (built-ins) */
  void *state;                      /* from init */
  bool inited;
  /* Proxies of out-of-process plugins (src/isolate): one destructor for
  ** every resource, told which one (its index in desc.resources); resource
  ** k has a destructor when drop_has[k] (an array the setter owns). */
  void (*drop_at)(void *state, uint32_t resource, uint32_t rep);
  const bool *drop_has;
  /* The plugin's live per-guest instances (service.c): host->service
  ** finds the guest of an instance state here.  Guests live on several
  ** threads (a server), hence the lock. */
  pthread_mutex_t live_lock;
  bool live_ready;
  struct wp_plugin_inst **live;
  size_t nlive, caplive;
};


typedef struct wp_plugin_choice {
  char *iface; /* "ns:pkg/iface" */
  char *plugin;
} wp_plugin_choice_t;

struct wp_plugin_set {
  unsigned refs;                    /* its owner and its guests (a reload leaves the old set to them) */
  wp_plugin_t **plugins;
  size_t n, cap;
  wp_plugin_choice_t *choices;
  size_t nchoices;
};

/* The host API table (immutable). */
const wasmplug_host_api_t *wp_plugin_host_api(void);

/* One call in progress is a `struct wasmplug_plugin_call`, defined once in
** src/cabi/cabi.h: the component runtime makes calls too and passes them to
** plugin functions, whose host->alloc/trap (host_api.c) then read them. */

/* config.c */
/* Parses "key=value,..." (the part after the path) into cfg; checks keys
** and values against p's declared options.  Errors name the plugin. */
wasmplug_error_t *wp_plugin_config_parse(wp_plugin_t *p, const char *text);
void wp_plugin_config_free(wasmplug_plugin_config_t *cfg);
const char *wp_plugin_config_get(const wasmplug_plugin_config_t *cfg, const char *name);
/* Checks the declared options themselves (names, types, defaults). */
wasmplug_error_t *wp_plugin_options_check(const wp_plugin_t *p);

/* load.c */
/* Opens PATH, validates the descriptor and WIT, parses the config text
** (may be NULL) and runs init.  *out is a complete plugin. */
wasmplug_error_t *wp_plugin_open(const char *path, const char *config, wp_plugin_t **out);
void wp_plugin_close(wp_plugin_t *p);
/* The part of wp_plugin_open after the entry point was found: validates
** the descriptor and WIT, parses the config and runs init.  On error p is
** left for the caller to wp_plugin_close.  `path` names p in messages. */
wasmplug_error_t *wp_plugin_setup(wp_plugin_t *p, const char *path, wasmplug_plugin_entry_fn entry,
                                  const char *config);
/* wp_plugin_setup with the descriptor already in hand (proxy plugins). */
wasmplug_error_t *wp_plugin_setup_desc(wp_plugin_t *p, const char *path, const wasmplug_plugin_t *d,
                                       const char *config);
/* True when a function/resource table name `entry` is "<id>#<item>" or
** "<id without @version>#<item>". */
bool wp_plugin_key_matches(const char *entry, const char *id, const char *item);

/* semver.c: splits "ns:pkg/iface@ver" at '@' (len of the name part). */
size_t wp_plugin_iface_name_len(const char *id);

/* set.c: the plugin and interface providing `want`, or an error naming
** the candidates. */
wasmplug_error_t *wp_plugin_set_find(const wp_plugin_set_t *set, const char *want, const wp_plugin_t **p,
                                     const wp_plugin_iface_t **iface);

/* WIT types -> canonical ABI descriptors: src/cabi/wit.h. */
#include "cabi/wit.h"

/* service.c: the live-instance registry and host->service. */
void wp_plugin_live_init(wp_plugin_t *p);
void wp_plugin_live_fini(wp_plugin_t *p);
/* false when out of memory */
bool wp_plugin_live_add(struct wp_plugin_inst *in);
void wp_plugin_live_remove(struct wp_plugin_inst *in);
const void *wp_plugin_host_service(const wasmplug_plugin_config_t *self, void *instance_state, const char *iface,
                                   const char *name, void **provider_state);

/* Small helpers (util.c). */
char *wp_plugin_strdup(const char *s);
/* Text is built with the tree's buffer (src/core/buf.h). */
#include "core/buf.h"

/* instances.c: one plugin's state for one guest instance, with the canonical
** ABI types of its WIT (built per instance: resource destructors carry the
** instance state). */
typedef struct wp_plugin_dtor_ctx {
  struct wp_plugin_inst *inst;
  void (*drop)(void *state, uint32_t rep); /* NULL: the plugin's drop_at */
  uint32_t index;                          /* in desc.resources */
  const wp_cabi_resource_t *res; /* the resource type it destroys */
} wp_plugin_dtor_ctx_t;

typedef struct wp_plugin_inst {
  struct wp_plugin_instances *g;
  const wp_plugin_t *p;
  void *state;
  bool own_state; /* instance_new ran: instance_drop must run */
  struct wp_wit_cabi *conv;
  wp_plugin_dtor_ctx_t **dtors;
  size_t ndtors;
} wp_plugin_inst_t;

struct wp_plugin_instances {
  wp_plugin_set_t *set;
  wp_plugin_inst_t **insts;
  size_t ninsts;
  wp_cabi_handles_t *handles;
  wp_cabi_arena_t *arena;
  wp_plugin_binding_t **bindings; /* made by wp_plugin_instances_bind */
  size_t nbindings;
  /* Core-module guests (core_link.c). */
  wp_cabi_opts_t cguest;
  wasmplug_instance_t *instance; /* the instance this guest is bound to */
  wasmplug_caller_t *caller;     /* and its caller object (compared per call) */
  wasmplug_memory_t *memory;
  wasmplug_func_t *realloc;
  bool busy; /* a plugin call is in progress (re-entry from cabi_realloc) */
  bool dead; /* torn down: calls trap */
  bool skip_unprovided; /* wp_plugin_instances_skip_unprovided */
  bool check_only;      /* wp_plugin_instances_check_only: no instance states */
  unsigned refs; /* the owner + one per linker definition */
};

/* The plugin state of p for guest g, created on first use. */
wasmplug_error_t *wp_plugin_instances_get(wp_plugin_instances_t *g, const wp_plugin_t *p, wp_plugin_inst_t **out);
/* Runs the destructor of resource `res` for `rep` (no-op without one). */
void wp_plugin_inst_destroy(wp_plugin_inst_t *in, const wp_cabi_resource_t *res, uint32_t rep);
/* Drops one reference (frees g at zero). */
void wp_plugin_instances_unref(wp_plugin_instances_t *g);
/* The exported function `func` of plugin interface `in` (NULL if none). */
const wp_plugin_export_t *wp_plugin_find_export(const wp_plugin_t *p, const wp_plugin_iface_t *in, const char *func);

#endif
