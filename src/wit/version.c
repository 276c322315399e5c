/*
** version.c — semantic versions (semver 2.0): validation and precedence
** for package names and @since/@deprecated gates, and THE rule by which
** every linking path of wasmplug (component linker, native plugins, wasm
** plugin composition) matches a versioned name (see wit.h).
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int is_alnum_h(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

/* One numeric core component: no leading zeros, fits in 64 bits. */
static const char *core_num(const char *p, const char *end, uint64_t *v, const char **why) {
  if (p >= end || !(*p >= '0' && *p <= '9')) {
    *why = p >= end ? "unexpected end of input while parsing version" : "expected a number";
    return NULL;
  }
  if (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9') {
    *why = "invalid leading zero";
    return NULL;
  }
  uint64_t x = 0;
  while (p < end && *p >= '0' && *p <= '9') {
    if (x > (UINT64_MAX - 9) / 10) {
      *why = "value out of range";
      return NULL;
    }
    x = x * 10 + (uint64_t)(*p++ - '0');
  }
  *v = x;
  return p;
}

/* Dot-separated identifiers; numeric ones must not have leading zeros
   when `pre` is set. */
static const char *idents(const char *p, const char *end, int pre, const char **why) {
  for (;;) {
    const char *s = p;
    int numeric = 1;
    while (p < end && is_alnum_h(*p)) {
      if (!(*p >= '0' && *p <= '9')) numeric = 0;
      p++;
    }
    if (p == s) {
      *why = "empty identifier segment";
      return NULL;
    }
    if (pre && numeric && *s == '0' && p - s > 1) {
      *why = "invalid leading zero in pre-release identifier";
      return NULL;
    }
    if (p >= end || *p != '.') return p;
    p++;
  }
}

int wp_wit_semver_parse(const char *s, size_t n, wp_wit_semver_t *v, const char **why) {
  const char *p = s, *end = s + n, *dummy;
  if (!why) why = &dummy;
  memset(v, 0, sizeof *v);
  uint64_t *part[3] = {&v->major, &v->minor, &v->patch};
  for (int i = 0; i < 3; i++) {
    if (!(p = core_num(p, end, part[i], why))) return -1;
    if (i < 2) {
      if (p >= end || *p != '.') {
        *why = "unexpected end of input while parsing version";
        return -1;
      }
      p++;
    }
  }
  if (p < end && *p == '-') {
    v->pre = true;
    if (!(p = idents(p + 1, end, 1, why))) return -1;
  }
  if (p < end && *p == '+' && !(p = idents(p + 1, end, 0, why))) return -1;
  if (p != end) {
    *why = "unexpected character after version";
    return -1;
  }
  return 0;
}

int wp_wit_version_check(const char *s, const char **why) {
  wp_wit_semver_t v;
  return wp_wit_semver_parse(s, strlen(s), &v, why);
}

/* The compatibility track of "prefix@version": the prefix length and the
** track (major, or 0 and minor); false when the name has none (no valid
** version, a pre-release, or 0.0.z). */
static bool track(const char *name, size_t n, size_t *prefix, uint64_t *a, uint64_t *b) {
  const char *at = memchr(name, '@', n);
  wp_wit_semver_t v;
  if (!at || wp_wit_semver_parse(at + 1, n - (size_t)(at - name) - 1, &v, NULL) || v.pre) return false;
  *prefix = (size_t)(at - name);
  if (v.major) {
    *a = v.major;
    *b = UINT64_MAX;
    return true;
  }
  *a = 0;
  *b = v.minor;
  return v.minor != 0;
}

int wp_wit_semver_name_match(const char *a, size_t alen, const char *b, size_t blen) {
  if (alen == blen && !memcmp(a, b, alen)) return 2;
  size_t ap, bp;
  uint64_t a1, a2, b1, b2;
  if (!track(a, alen, &ap, &a1, &a2) || !track(b, blen, &bp, &b1, &b2)) return 0;
  return ap == bp && !memcmp(a, b, ap) && a1 == b1 && a2 == b2;
}

int wp_wit_semver_cmp(const wp_wit_semver_t *a, const wp_wit_semver_t *b) {
  if (a->major != b->major) return a->major < b->major ? -1 : 1;
  if (a->minor != b->minor) return a->minor < b->minor ? -1 : 1;
  if (a->patch != b->patch) return a->patch < b->patch ? -1 : 1;
  return a->pre == b->pre ? 0 : a->pre ? -1 : 1;
}

static int cmp_num(const char **a, const char **b) {
  unsigned long long x = strtoull(*a, (char **)a, 10), y = strtoull(*b, (char **)b, 10);
  return x < y ? -1 : x > y;
}

/* Compares dot-separated identifier lists ending at '+' or NUL. */
static int cmp_idents(const char *a, const char *b) {
  for (;;) {
    int ea = !*a || *a == '+', eb = !*b || *b == '+';
    if (ea || eb) return ea && eb ? 0 : ea ? -1 : 1;
    size_t la = strcspn(a, ".+"), lb = strcspn(b, ".+");
    int na = strspn(a, "0123456789") == la, nb = strspn(b, "0123456789") == lb;
    int c;
    if (na && nb) {
      c = la != lb ? (la < lb ? -1 : 1) : strncmp(a, b, la);
    } else if (na != nb) {
      c = na ? -1 : 1;
    } else {
      size_t m = la < lb ? la : lb;
      c = strncmp(a, b, m);
      if (!c && la != lb) c = la < lb ? -1 : 1;
    }
    if (c) return c < 0 ? -1 : 1;
    a += la;
    b += lb;
    if (*a == '.') a++;
    if (*b == '.') b++;
  }
}

int wp_wit_version_cmp(const char *a, const char *b) {
  for (int i = 0; i < 3; i++) {
    int c = cmp_num(&a, &b);
    if (c) return c;
    if (*a == '.') a++;
    if (*b == '.') b++;
  }
  int pa = *a == '-', pb = *b == '-';
  if (pa != pb) return pa ? -1 : 1; /* a pre-release precedes the release */
  if (pa) {
    int c = cmp_idents(a + 1, b + 1);
    if (c) return c;
    a += strcspn(a, "+");
    b += strcspn(b, "+");
  }
  int ba = *a == '+', bb = *b == '+';
  if (ba != bb) return ba ? 1 : -1;
  if (ba) return cmp_idents(a + 1, b + 1);
  return 0;
}
