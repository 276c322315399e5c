/*
 * error.c -- wp_cabi_error_t: traps and host errors as values.
 */
#include "cabi/cabi_internal.h"

#include <stdio.h>
#include <stdlib.h>

struct wp_cabi_error {
  wp_cabi_error_kind_t kind;
  int status; /* WP_CABI_EXIT */
  char message[512];
};

wp_cabi_error_t *wp_cabi_error_new(wp_cabi_error_kind_t kind, const char *fmt, ...) {
  wp_cabi_error_t *e = malloc(sizeof *e);
  if (!e) return NULL;
  e->kind = kind;
  e->status = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->message, sizeof e->message, fmt, ap);
  va_end(ap);
  return e;
}

wp_cabi_error_t *wp_cabi_error_oom(void) {
  return wp_cabi_error_new(WP_CABI_LIMIT, "out of host memory");
}

wp_cabi_error_t *wp_cabi_error_exit(int status) {
  wp_cabi_error_t *e = wp_cabi_error_new(WP_CABI_EXIT, "exit status %d", status);
  if (e) e->status = status;
  return e;
}

bool wp_cabi_error_exit_status(const wp_cabi_error_t *e, int *status) {
  if (!e || e->kind != WP_CABI_EXIT) return false;
  *status = e->status;
  return true;
}

const char *wp_cabi_error_message(const wp_cabi_error_t *e) { return e ? e->message : "(no error)"; }
wp_cabi_error_kind_t wp_cabi_error_kind(const wp_cabi_error_t *e) { return e ? e->kind : 0; }
void wp_cabi_error_delete(wp_cabi_error_t *e) { free(e); }
