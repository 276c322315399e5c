/*
** semver.c — matching import names against export names the way Wasmtime's
** component Linker does (wasmtime-environ's `NameMap`, `alternate_lookup_key`).
**
** Wasmtime first looks a name up exactly.  Failing that, a name of the form
** `<prefix>@<version>` whose version is valid semver (https://semver.org) is
** reduced to its "compatibility track":
**   - a prerelease version (`1.0.0-rc.1`) has no track: exact match only;
**   - major >= 1:            track `<prefix>@<major>`
**   - major == 0, minor >= 1: track `<prefix>@0.<minor>`
**   - 0.0.z:                 no track: exact match only.
** Build metadata (`+abc`) is ignored.  Two names match when their tracks are
** equal; among several definitions on one track Wasmtime keeps the highest
** version, which is what wp_comp_name_best() returns.  Note that the track
** does not care which side is newer: an import of 0.2.6 is satisfied by an
** export of 0.2.12, and an import of 0.2.12 by an export of 0.2.6.
*/
#include "component/internal.h"

#include <string.h>

typedef struct semver {
  uint64_t major, minor, patch;
  int has_pre;
} semver;

/* A numeric identifier: no leading zeros, fits in 64 bits. */
static int num(const char **p, const char *end, uint64_t *v) {
  const char *s = *p;
  if (s >= end || *s < '0' || *s > '9') return 0;
  if (*s == '0' && s + 1 < end && s[1] >= '0' && s[1] <= '9') return 0;
  uint64_t x = 0;
  while (s < end && *s >= '0' && *s <= '9') {
    if (x > (UINT64_MAX - 9) / 10) return 0;
    x = x * 10 + (uint64_t)(*s - '0');
    s++;
  }
  *p = s;
  *v = x;
  return 1;
}

static int ident_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

/* Dot-separated identifiers; numeric prerelease ones may not have leading 0s. */
static int idents(const char **p, const char *end, int pre) {
  const char *s = *p;
  for (;;) {
    const char *st = s;
    int all_digits = 1;
    while (s < end && ident_char(*s)) {
      if (*s < '0' || *s > '9') all_digits = 0;
      s++;
    }
    if (s == st) return 0;
    if (pre && all_digits && s - st > 1 && *st == '0') return 0;
    if (s < end && *s == '.') { s++; continue; }
    break;
  }
  *p = s;
  return 1;
}

int wp_semver_parse(const char *s, size_t n, semver *v);
int wp_semver_parse(const char *s, size_t n, semver *v) {
  const char *p = s, *end = s + n;
  memset(v, 0, sizeof *v);
  if (!num(&p, end, &v->major) || p >= end || *p++ != '.') return 0;
  if (!num(&p, end, &v->minor) || p >= end || *p++ != '.') return 0;
  if (!num(&p, end, &v->patch)) return 0;
  if (p < end && *p == '-') {
    p++;
    v->has_pre = 1;
    if (!idents(&p, end, 1)) return 0;
  }
  if (p < end && *p == '+') {
    p++;
    if (!idents(&p, end, 0)) return 0;
  }
  return p == end;
}

/* Validity of an interface version, for name validation. */
int wp_semver_valid(const char *s, size_t n);
int wp_semver_valid(const char *s, size_t n) {
  semver v;
  return wp_semver_parse(s, n, &v);
}

/* The compatibility track of a name: prefix length (up to and excluding '@')
** and the track numbers; 0 if the name has none. */
static int track(const char *name, size_t n, size_t *prefix, uint64_t *a,
                 uint64_t *b, semver *v) {
  const char *at = memchr(name, '@', n);
  if (!at) return 0;
  size_t pl = (size_t)(at - name);
  if (!wp_semver_parse(at + 1, n - pl - 1, v) || v->has_pre) return 0;
  *prefix = pl;
  if (v->major != 0) { *a = v->major; *b = UINT64_MAX; return 1; }
  if (v->minor != 0) { *a = 0; *b = v->minor; return 1; }
  return 0;
}

int wp_comp_name_matches(const char *in, size_t ilen, const char *en, size_t elen) {
  if (ilen == elen && memcmp(in, en, ilen) == 0) return 2;
  size_t ip, ep;
  uint64_t ia, ib, ea, eb;
  semver iv, ev;
  if (!track(in, ilen, &ip, &ia, &ib, &iv) || !track(en, elen, &ep, &ea, &eb, &ev))
    return 0;
  return ip == ep && memcmp(in, en, ip) == 0 && ia == ea && ib == eb;
}

long wp_comp_name_best(const char *in, size_t ilen, const wp_comp_str *names, size_t n) {
  long best = -1;
  semver bv = {0, 0, 0, 0};
  for (size_t i = 0; i < n; i++) {
    int m = wp_comp_name_matches(in, ilen, names[i].ptr, names[i].len);
    if (m == 2) return (long)i;
    if (m != 1) continue;
    const char *at = memchr(names[i].ptr, '@', names[i].len);
    semver v;
    wp_semver_parse(at + 1, names[i].len - (size_t)(at - names[i].ptr) - 1, &v);
    if (best < 0 || v.major > bv.major ||
        (v.major == bv.major && (v.minor > bv.minor ||
                                 (v.minor == bv.minor && v.patch > bv.patch)))) {
      best = (long)i;
      bv = v;
    }
  }
  return best;
}
