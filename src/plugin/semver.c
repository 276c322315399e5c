/*
** semver.c — matching a requested interface name against a provided one.
**
** The rule is Wasmtime's (its linker files a definition under a semver
** "bucket" and looks imports up by bucket): 1.x.y versions share the bucket
** "1", 0.x.y versions with x >= 1 the bucket "0.x", and 0.0.z versions and
** pre-releases only match themselves.  We add one condition Wasmtime leaves
** to type checking: the provided version must not be older than the
** requested one, because a guest built against 1.3 may call what 1.2 lacks,
** and "function missing" is a worse message than "version too old".
*/
#include "plugin/internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  unsigned long long major, minor, patch;
  bool pre; /* has a pre-release part */
} ver_t;

static bool parse_num(const char **p, unsigned long long *out) {
  const char *s = *p;
  if (*s < '0' || *s > '9') return false;
  if (*s == '0' && s[1] >= '0' && s[1] <= '9') return false; /* no leading zeros */
  unsigned long long v = 0;
  while (*s >= '0' && *s <= '9') {
    if (v > (~0ull - 9) / 10) return false;
    v = v * 10 + (unsigned)(*s - '0');
    s++;
  }
  *p = s;
  *out = v;
  return true;
}

static bool parse_ver(const char *s, ver_t *v) {
  memset(v, 0, sizeof *v);
  if (!parse_num(&s, &v->major) || *s++ != '.' || !parse_num(&s, &v->minor) || *s++ != '.' ||
      !parse_num(&s, &v->patch))
    return false;
  if (*s == '-') {
    v->pre = true;
    return s[1] != 0;
  }
  return *s == 0 || *s == '+'; /* build metadata is ignored */
}

size_t wp_plugin_iface_name_len(const char *id) {
  const char *at = strchr(id, '@');
  return at ? (size_t)(at - id) : strlen(id);
}

bool wp_plugin_iface_match(const char *want, const char *have) {
  size_t wl = wp_plugin_iface_name_len(want), hl = wp_plugin_iface_name_len(have);
  if (wl != hl || memcmp(want, have, wl)) return false;
  bool wv = want[wl] == '@', hv = have[hl] == '@';
  if (!wv || !hv) return wv == hv;
  if (!strcmp(want + wl, have + hl)) return true;
  ver_t a, b;
  if (!parse_ver(want + wl + 1, &a) || !parse_ver(have + hl + 1, &b)) return false;
  if (a.pre || b.pre) return false; /* pre-releases match exactly only */
  if (a.major != b.major) return false;
  if (a.major == 0) {
    if (a.minor != b.minor) return false;
    if (a.minor == 0) return a.patch == b.patch;
    return b.patch >= a.patch;
  }
  return b.minor > a.minor || (b.minor == a.minor && b.patch >= a.patch);
}
