/*
** util.c — errors, traps and string helpers of the core layer.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

char *wp_strdup(const char *s) { return s ? wp_strndup(s, strlen(s)) : NULL; }

char *wp_strndup(const char *s, size_t n) {
  char *d = malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

/* ------------------------------------------------------------------ errors */

struct wasmplug_error {
  wasmplug_error_kind_t kind;
  char *message;
};

/* Returned when even the error cannot be allocated: never freed. */
static const char oom_message[] = "out of memory";
static struct wasmplug_error oom_error = {WASMPLUG_ERROR_OUT_OF_MEMORY, NULL};

static wasmplug_error_t *make(wasmplug_error_kind_t kind, const char *fmt, va_list ap) {
  wasmplug_error_t *e = malloc(sizeof *e);
  if (!e) return &oom_error;
  e->message = wp_vformat(fmt, ap);
  e->kind = !e->message || !strcmp(e->message, oom_message) ? WASMPLUG_ERROR_OUT_OF_MEMORY : kind;
  return e;
}

wasmplug_error_t *wasmplug_error_new(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  wasmplug_error_t *e = make(WASMPLUG_ERROR_OTHER, fmt, ap);
  va_end(ap);
  return e;
}

wasmplug_error_t *wasmplug_error_new_kind(wasmplug_error_kind_t kind, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  wasmplug_error_t *e = make(kind, fmt, ap);
  va_end(ap);
  return e;
}

const char *wasmplug_error_message(const wasmplug_error_t *err) {
  if (!err || !err->message) return oom_message;
  return err->message;
}

wasmplug_error_kind_t wasmplug_error_kind(const wasmplug_error_t *err) {
  return err ? err->kind : WASMPLUG_ERROR_OTHER;
}

const char *wasmplug_error_kind_name(wasmplug_error_kind_t kind) {
  switch (kind) {
  case WASMPLUG_ERROR_OTHER: return "error";
  case WASMPLUG_ERROR_INVALID: return "invalid argument";
  case WASMPLUG_ERROR_OUT_OF_MEMORY: return "out of memory";
  case WASMPLUG_ERROR_IO: return "i/o";
  case WASMPLUG_ERROR_DECODE: return "decode";
  case WASMPLUG_ERROR_COMPILE: return "compile";
  case WASMPLUG_ERROR_LINK: return "link";
  case WASMPLUG_ERROR_PLUGIN: return "plugin";
  case WASMPLUG_ERROR_NOT_FOUND: return "not found";
  case WASMPLUG_ERROR_LIMIT: return "limit";
  case WASMPLUG_ERROR_VERSION: return "version";
  }
  return "error";
}

wasmplug_error_t *wasmplug_error_prefix(wasmplug_error_t *err, const char *fmt, ...) {
  if (!err || err == &oom_error) return err;
  va_list ap;
  va_start(ap, fmt);
  char *pre = wp_vformat(fmt, ap);
  va_end(ap);
  char *m = pre ? wp_format("%s%s", pre, wasmplug_error_message(err)) : NULL;
  free(pre);
  if (m) {
    free(err->message);
    err->message = m;
  }
  return err;
}

void wasmplug_error_delete(wasmplug_error_t *err) {
  if (!err || err == &oom_error) return;
  free(err->message);
  free(err);
}

/* ------------------------------------------------------------------- traps */

struct wasmplug_trap {
  wasmplug_trap_kind_t kind;
  int exit_status;
  char *message;
  wasmplug_frame_t *frames; /* module and func strings owned */
  size_t nframes;
  bool truncated;           /* more frames than were recorded */
};

const char *wasmplug_trap_kind_name(wasmplug_trap_kind_t kind) {
  switch (kind) {
  case WASMPLUG_TRAP_UNREACHABLE: return "unreachable";
  case WASMPLUG_TRAP_MEMORY_OUT_OF_BOUNDS: return "memory out of bounds";
  case WASMPLUG_TRAP_TABLE_OUT_OF_BOUNDS: return "table out of bounds";
  case WASMPLUG_TRAP_INDIRECT_CALL_TYPE_MISMATCH: return "indirect call type mismatch";
  case WASMPLUG_TRAP_INTEGER_DIVIDE_BY_ZERO: return "integer divide by zero";
  case WASMPLUG_TRAP_INTEGER_OVERFLOW: return "integer overflow";
  case WASMPLUG_TRAP_BAD_CONVERSION_TO_INTEGER: return "invalid conversion to integer";
  case WASMPLUG_TRAP_STACK_OVERFLOW: return "stack overflow";
  case WASMPLUG_TRAP_INTERRUPT: return "interrupt";
  case WASMPLUG_TRAP_HOST: return "host error";
  case WASMPLUG_TRAP_EXIT: return "exit";
  case WASMPLUG_TRAP_CANON: return "canonical ABI violation";
  case WASMPLUG_TRAP_OUT_OF_FUEL: return "all fuel consumed by WebAssembly";
  case WASMPLUG_TRAP_ATOMIC: return "atomic instruction";
  }
  return "unknown";
}

static wasmplug_trap_t *trap_alloc(wasmplug_trap_kind_t kind, char *msg) {
  wasmplug_trap_t *t = malloc(sizeof *t);
  if (!t) {
    free(msg);
    return NULL;
  }
  t->kind = kind;
  t->exit_status = 0;
  t->message = msg;
  t->frames = NULL;
  t->nframes = 0;
  t->truncated = false;
  return t;
}

wasmplug_trap_t *wasmplug_trap_new(wasmplug_trap_kind_t kind, const char *msg) {
  char *m;
  if (msg && *msg)
    m = wp_format("wasm trap: %s: %s", wasmplug_trap_kind_name(kind), msg);
  else
    m = wp_format("wasm trap: %s", wasmplug_trap_kind_name(kind));
  return trap_alloc(kind, m);
}

wasmplug_trap_t *wasmplug_trap_newf(wasmplug_trap_kind_t kind, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = wp_vformat(fmt, ap);
  va_end(ap);
  wasmplug_trap_t *t = wasmplug_trap_new(kind, msg ? msg : "out of memory");
  free(msg);
  return t;
}

wasmplug_trap_t *wasmplug_trap_copy(const wasmplug_trap_t *trap) {
  if (!trap) return NULL;
  char *m = wp_format("%s", wasmplug_trap_message(trap));
  wasmplug_trap_t *t = trap_alloc(trap->kind, m);
  if (t) t->exit_status = trap->exit_status;
  if (t) wp_trap_add_frames(t, trap->frames, trap->nframes, trap->truncated);
  return t;
}

wasmplug_trap_t *wasmplug_trap_new_exit(int status) {
  wasmplug_trap_t *t = trap_alloc(WASMPLUG_TRAP_EXIT,
                                  wp_format("guest exited with status %d", status));
  if (t) t->exit_status = status;
  return t;
}

wasmplug_trap_kind_t wasmplug_trap_kind(const wasmplug_trap_t *trap) {
  return trap ? trap->kind : WASMPLUG_TRAP_HOST;
}

const char *wasmplug_trap_message(const wasmplug_trap_t *trap) {
  if (!trap || !trap->message) return "wasm trap: out of memory";
  return trap->message;
}

bool wasmplug_trap_exit_status(const wasmplug_trap_t *trap, int *status) {
  if (!trap || trap->kind != WASMPLUG_TRAP_EXIT) return false;
  if (status) *status = trap->exit_status;
  return true;
}

static void frames_free(wasmplug_frame_t *f, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free((char *)f[i].module);
    free((char *)f[i].func);
  }
  free(f);
}

void wasmplug_trap_delete(wasmplug_trap_t *trap) {
  if (!trap) return;
  frames_free(trap->frames, trap->nframes);
  free(trap->message);
  free(trap);
}

/* Frames are appended: a trap raised by a host function first gets the
** frames of whoever made it, then those of the guest that called the host
** function.  Out of memory loses frames, never the trap. */
void wp_trap_add_frames(wasmplug_trap_t *t, const wasmplug_frame_t *f, size_t n, bool truncated) {
  if (!t || !n) {
    if (t) t->truncated |= truncated;
    return;
  }
  wasmplug_frame_t *nf = realloc(t->frames, (t->nframes + n) * sizeof *nf);
  if (!nf) return;
  t->frames = nf;
  for (size_t i = 0; i < n; i++) {
    wasmplug_frame_t *d = &t->frames[t->nframes];
    d->module = wp_strdup(f[i].module ? f[i].module : "<unknown>");
    d->func = f[i].func ? wp_strdup(f[i].func) : NULL;
    d->func_index = f[i].func_index;
    d->offset = f[i].offset;
    if (!d->module || (f[i].func && !d->func)) {
      free((char *)d->module);
      free((char *)d->func);
      break;
    }
    t->nframes++;
  }
  t->truncated |= truncated;
}

size_t wasmplug_trap_frame_count(const wasmplug_trap_t *trap) { return trap ? trap->nframes : 0; }

const wasmplug_frame_t *wasmplug_trap_frame(const wasmplug_trap_t *trap, size_t i) {
  return trap && i < trap->nframes ? &trap->frames[i] : NULL;
}

char *wasmplug_trap_backtrace(const wasmplug_trap_t *trap) {
  if (!trap || !trap->nframes) return NULL;
  wp_buf_t b = {0};
  wp_buf_puts(&b, "wasm backtrace:\n");
  for (size_t i = 0; i < trap->nframes; i++) {
    const wasmplug_frame_t *f = &trap->frames[i];
    char hex[16];
    snprintf(hex, sizeof hex, "0x%x", f->offset);
    wp_buf_printf(&b, "  %4zu: %8s - %s!", i, hex, f->module);
    if (f->func) wp_buf_puts(&b, f->func);
    else wp_buf_printf(&b, "<wasm function %u>", f->func_index);
    wp_buf_puts(&b, "\n");
  }
  if (trap->truncated) wp_buf_puts(&b, "        ... (more frames not shown)\n");
  return wp_buf_take(&b);
}

/* From 4 pages on: one call makes them present for less than their page
** faults would cost (a small module's cached code is 14 pages since it
** has no unwind tables; at the old 16-page threshold its copy took 13
** faults more per warm start: bench/README "Start time, ninth pass"). */
void wp_populate(void *p, size_t n) {
  long pg = sysconf(_SC_PAGESIZE);
  if (!p || pg <= 0 || n < (size_t)4 * (size_t)pg) return;
  uintptr_t lo = ((uintptr_t)p + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
  uintptr_t hi = ((uintptr_t)p + n) & ~((uintptr_t)pg - 1);
#ifdef MADV_POPULATE_WRITE
  if (hi > lo) madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE); /* older kernels: EINVAL, no harm */
#else
  (void)lo, (void)hi;
#endif
}
