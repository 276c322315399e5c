/*
** p2_caps.c — the host side of the built-in wasi-p2 plugin: turns the
** CLI's capabilities into the plugin's config text and registers the
** plugin (linked in, not dlopen'd) on a plugin set.  Not part of
** wasi-p2.so: a loaded plugin gets the same text from `--plugin P,...`.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p2.h"
#include "plugin/plugin.h"

static const char *const list_keys[] = {"args", "env", "dir", "dir-ro"};
#define NLISTS 4

struct wp_wasi_p2_caps {
  char *lists[NLISTS]; /* encoded items, space-separated */
  bool inherit_env, allow_network;
};

wp_wasi_p2_caps_t *wp_wasi_p2_caps_new(void) { return calloc(1, sizeof(wp_wasi_p2_caps_t)); }

void wp_wasi_p2_caps_delete(wp_wasi_p2_caps_t *c) {
  if (!c) return;
  for (int i = 0; i < NLISTS; i++) free(c->lists[i]);
  free(c);
}

/* Bytes that would end an item (space), a config pair (comma) or be read
** as an escape (percent) are written %XX; so are control bytes. */
static bool needs_escape(unsigned char ch) { return ch <= ' ' || ch == ',' || ch == '%' || ch == 0x7f; }

bool wp_wasi_p2_caps_add(wp_wasi_p2_caps_t *c, const char *key, const char *item) {
  int k = 0;
  while (k < NLISTS && strcmp(list_keys[k], key)) k++;
  if (k == NLISTS) return false;
  size_t old = c->lists[k] ? strlen(c->lists[k]) : 0, n = 0;
  for (const unsigned char *p = (const unsigned char *)item; *p; p++) n += needs_escape(*p) ? 3 : 1;
  /* An empty item would vanish between separators: it is spelled "%"
  ** (a real '%' is always "%25"). */
  char *s = realloc(c->lists[k], old + 1 + n + 2);
  if (!s) return false;
  c->lists[k] = s;
  char *o = s + old;
  if (old) *o++ = ' ';
  if (!*item) *o++ = '%';
  for (const unsigned char *p = (const unsigned char *)item; *p; p++) {
    if (needs_escape(*p)) o += sprintf(o, "%%%02X", *p);
    else *o++ = (char)*p;
  }
  *o = 0;
  return true;
}

bool wp_wasi_p2_caps_set(wp_wasi_p2_caps_t *c, const char *key) {
  if (!strcmp(key, "inherit-env")) c->inherit_env = true;
  else if (!strcmp(key, "allow-network")) c->allow_network = true;
  else return false;
  return true;
}

wasmplug_error_t *wp_wasi_p2_register(struct wp_plugin_set *set, const wp_wasi_p2_caps_t *c) {
  size_t len = 64;
  for (int i = 0; i < NLISTS; i++) len += (c->lists[i] ? strlen(c->lists[i]) : 0) + 16;
  char *spec = malloc(len), *o = spec;
  if (!spec) return wasmplug_error_new("out of memory");
  *o = 0;
  for (int i = 0; i < NLISTS; i++)
    if (c->lists[i] && *c->lists[i]) o += sprintf(o, "%s%s=%s", o == spec ? "" : ",", list_keys[i], c->lists[i]);
  if (c->inherit_env) o += sprintf(o, "%sinherit-env=true", o == spec ? "" : ",");
  if (c->allow_network) o += sprintf(o, "%sallow-network=true", o == spec ? "" : ",");
  wasmplug_error_t *e = wp_plugin_set_add_builtin(set, wp_wasi_p2_entry, "wasi-p2", spec);
  free(spec);
  return e;
}

bool wp_wasi_p2_exit_status(const char *msg, int *code) {
  static const char tag[] = ": wasi:cli/exit: exit status ";
  const char *f = msg ? strstr(msg, "wasi:cli/exit@") : NULL, *t = f ? strstr(f, tag) : NULL;
  if (!t) return false;
  /* the function part between them must be #exit or #exit-with-code */
  const char *hash = memchr(f, '#', (size_t)(t - f));
  if (!hash || (strncmp(hash, "#exit:", 6) && strncmp(hash, "#exit-with-code:", 16))) return false;
  const char *d = t + sizeof tag - 1;
  int n = 0;
  if (*d < '0' || *d > '9') return false;
  for (; *d >= '0' && *d <= '9' && n <= 255; d++) n = n * 10 + (*d - '0');
  if (*d || n > 255) return false;
  *code = n;
  return true;
}
