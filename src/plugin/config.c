/*
** config.c — plugin configuration: `--plugin PATH,key=value,key2=value2`.
**
** Keys must be options the plugin declares; values are checked against the
** option's type before the plugin's init sees them, so a plugin can trust
** config_get: "bool" is true/false, "u64" a decimal number that fits in 64
** bits, "path" a non-empty string, "string" anything.  Values cannot
** contain ',' (it separates pairs).
*/
#include "plugin/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const wasmplug_plugin_option_t *find_option(const wp_plugin_t *p, const char *name) {
  for (uint32_t i = 0; i < p->desc.noptions; i++)
    if (p->desc.options[i].name && !strcmp(p->desc.options[i].name, name)) return &p->desc.options[i];
  return NULL;
}

static bool known_type(const char *t) {
  return t && (!strcmp(t, "string") || !strcmp(t, "bool") || !strcmp(t, "u64") || !strcmp(t, "path"));
}

/* NULL when `v` is a valid value of type `t`, else what is wrong. */
static const char *value_problem(const char *t, const char *v) {
  if (!strcmp(t, "bool")) {
    return !strcmp(v, "true") || !strcmp(v, "false") ? NULL : "expected true or false";
  } else if (!strcmp(t, "u64")) {
    if (!*v) return "expected a decimal number";
    for (const char *c = v; *c; c++)
      if (*c < '0' || *c > '9') return "expected a decimal number";
    errno = 0;
    (void)strtoull(v, NULL, 10);
    return errno == ERANGE ? "number does not fit in 64 bits" : NULL;
  } else if (!strcmp(t, "path")) {
    return *v ? NULL : "expected a non-empty path";
  }
  return NULL;
}

wasmplug_error_t *wp_plugin_options_check(const wp_plugin_t *p) {
  const char *name = p->desc.name;
  if (p->desc.noptions && !p->desc.options)
    return wasmplug_error_new("plugin %s: descriptor has %u options but no option table", name, p->desc.noptions);
  for (uint32_t i = 0; i < p->desc.noptions; i++) {
    const wasmplug_plugin_option_t *o = &p->desc.options[i];
    if (!o->name || !*o->name || strchr(o->name, '=') || strchr(o->name, ','))
      return wasmplug_error_new("plugin %s: option %u has an invalid name", name, i);
    if (!known_type(o->type))
      return wasmplug_error_new("plugin %s: option '%s' has unknown type '%s' (expected string, bool, u64 or path)",
                                name, o->name, o->type ? o->type : "(null)");
    for (uint32_t j = 0; j < i; j++)
      if (!strcmp(p->desc.options[j].name, o->name))
        return wasmplug_error_new("plugin %s: option '%s' is declared twice", name, o->name);
    const char *why = o->default_value ? value_problem(o->type, o->default_value) : NULL;
    if (why)
      return wasmplug_error_new("plugin %s: default '%s' of option '%s' is invalid: %s", name, o->default_value,
                                o->name, why);
  }
  return NULL;
}

static wasmplug_error_t *unknown_key(const wp_plugin_t *p, const char *key) {
  wp_buf_t b = {0};
  for (uint32_t i = 0; i < p->desc.noptions; i++)
    wp_buf_printf(&b, "%s%s", i ? ", " : "", p->desc.options[i].name);
  wasmplug_error_t *e = wasmplug_error_new("plugin %s: unknown config key '%s' (valid keys: %s)", p->desc.name, key,
                                           b.len ? b.s : "none; the plugin takes no options");
  free(b.s);
  return e;
}

static wasmplug_error_t *add_pair(wp_plugin_t *p, const char *pair, size_t len) {
  wasmplug_plugin_config_t *cfg = &p->config;
  const char *eq = memchr(pair, '=', len);
  if (!eq || eq == pair)
    return wasmplug_error_new("plugin %s: config item '%.*s' is not key=value", p->desc.name, (int)len, pair);
  char *key = strndup(pair, (size_t)(eq - pair));
  char *val = strndup(eq + 1, len - (size_t)(eq - pair) - 1);
  char **nk = realloc(cfg->keys, (cfg->n + 1) * sizeof *nk);
  if (nk) cfg->keys = nk;
  char **nv = nk ? realloc(cfg->vals, (cfg->n + 1) * sizeof *nv) : NULL;
  if (nv) cfg->vals = nv;
  if (!key || !val || !nk || !nv) {
    free(key);
    free(val);
    return wasmplug_error_new("out of memory");
  }
  wasmplug_error_t *e = NULL;
  const wasmplug_plugin_option_t *o = find_option(p, key);
  const char *why;
  if (!o) {
    e = unknown_key(p, key);
  } else {
    for (size_t i = 0; i < cfg->n && !e; i++)
      if (!strcmp(cfg->keys[i], key)) e = wasmplug_error_new("plugin %s: config key '%s' given twice", p->desc.name, key);
  }
  if (!e && o && (why = value_problem(o->type, val)))
    e = wasmplug_error_new("plugin %s: bad value '%s' for config key '%s' (%s): %s", p->desc.name, val, key, o->type,
                           why);
  if (e) {
    free(key);
    free(val);
    return e;
  }
  cfg->keys[cfg->n] = key;
  cfg->vals[cfg->n] = val;
  cfg->n++;
  return NULL;
}

wasmplug_error_t *wp_plugin_config_parse(wp_plugin_t *p, const char *text) {
  p->config.plugin = p;
  if (!text) return NULL;
  const char *s = text;
  for (;;) {
    const char *comma = strchr(s, ',');
    size_t len = comma ? (size_t)(comma - s) : strlen(s);
    if (len == 0) return wasmplug_error_new("plugin %s: empty config item in '%s'", p->desc.name, text);
    wasmplug_error_t *e = add_pair(p, s, len);
    if (e) return e;
    if (!comma) return NULL;
    s = comma + 1;
  }
}

void wp_plugin_config_free(wasmplug_plugin_config_t *cfg) {
  for (size_t i = 0; i < cfg->n; i++) {
    free(cfg->keys[i]);
    free(cfg->vals[i]);
  }
  free(cfg->keys);
  free(cfg->vals);
  cfg->keys = cfg->vals = NULL;
  cfg->n = 0;
}

const char *wp_plugin_config_get(const wasmplug_plugin_config_t *cfg, const char *name) {
  if (!cfg || !name) return NULL;
  for (size_t i = 0; i < cfg->n; i++)
    if (!strcmp(cfg->keys[i], name)) return cfg->vals[i];
  if (!cfg->plugin) return NULL;
  const wasmplug_plugin_option_t *o = find_option(cfg->plugin, name);
  return o ? o->default_value : NULL;
}
