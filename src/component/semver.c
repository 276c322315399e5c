/*
** semver.c — component names matched by the one semver rule of wasmplug
** (wp_wit_semver_name_match, src/wit/version.c): the component layer's
** view of it, on its length-delimited names.
*/
#include "component/internal.h"
#include "wit/wit.h"

#include <string.h>

int wp_comp_name_matches(const char *in, size_t ilen, const char *en, size_t elen) {
  return wp_wit_semver_name_match(in, ilen, en, elen);
}

long wp_comp_name_best(const char *in, size_t ilen, const wp_comp_str *names, size_t n) {
  long best = -1;
  wp_wit_semver_t bv = {0, 0, 0, false};
  for (size_t i = 0; i < n; i++) {
    int m = wp_wit_semver_name_match(in, ilen, names[i].ptr, names[i].len);
    if (m == 2) return (long)i;
    if (m != 1) continue;
    const char *at = memchr(names[i].ptr, '@', names[i].len);
    wp_wit_semver_t v;
    wp_wit_semver_parse(at + 1, names[i].len - (size_t)(at - names[i].ptr) - 1, &v, NULL);
    if (best < 0 || wp_wit_semver_cmp(&v, &bv) > 0) {
      best = (long)i;
      bv = v;
    }
  }
  return best;
}
