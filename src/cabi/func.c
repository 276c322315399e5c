/*
 * func.c -- function-level lifting and lowering: flat signatures, params
 * spilled to memory past MAX_FLAT_PARAMS, results returned through memory
 * past MAX_FLAT_RESULTS (a returned pointer when the guest is the callee, a
 * retptr param when the guest is the caller).
 */
#include "cabi/cabi_internal.h"

#include <stdlib.h>

#define MAXP 64

static wp_cabi_error_t *check_nparams(const wp_cabi_func_t *f) {
  if (f->nparams > MAXP) return INVALID("function has %zu params; at most %d supported", f->nparams, MAXP);
  return NULL;
}

static wp_cabi_error_t *check_nflat(const wp_cabi_core_sig_t *sig, size_t n, bool params) {
  /* A retptr (lower context) is not part of the params proper. */
  uint32_t want = params ? sig->nparams - (sig->results_indirect && sig->nresults == 0 ? 1 : 0) : sig->nresults;
  if (n < want) return INVALID("expected %u flat %s, got %zu", want, params ? "params" : "results", n);
  return NULL;
}

/* ---- value tree ---- */

wp_cabi_error_t *wp_cabi_lower_args(wp_cabi_cx_t *cx, const wp_cabi_func_t *f, const wp_cabi_val_t *params,
                                    wp_cabi_flat_t *flat, size_t *nflat) {
  wp_cabi_error_t *e = check_nparams(f);
  if (e) return e;
  wp_cabi_core_sig_t sig;
  wp_cabi_func_flatten(f, WP_CABI_LIFT, &sig);
  *nflat = 0;
  if (sig.params_indirect) {
    uint32_t size, align, off[MAXP], p = 0;
    wp_cabi_params_layout(f, false, &size, &align, off);
    if ((e = wp_cabi_opts_realloc(cx, "params", 0, 0, align, size, &p))) return e;
    for (size_t i = 0; i < f->nparams; i++)
      if ((e = wp_cabi_store(cx, f->params[i], &params[i], p + off[i]))) return e;
    flat[0].i64 = 0;
    flat[0].i32 = p;
    *nflat = 1;
    return NULL;
  }
  size_t k = 0;
  for (size_t i = 0; i < f->nparams; i++) {
    if ((e = wp_cabi_lower_flat(cx, f->params[i], &params[i], flat + k))) return e;
    k += f->params[i]->nflat;
  }
  *nflat = k;
  return NULL;
}

wp_cabi_error_t *wp_cabi_lift_results(wp_cabi_cx_t *cx, const wp_cabi_func_t *f, const wp_cabi_flat_t *flat,
                                      size_t nflat, wp_cabi_val_t *result) {
  wp_cabi_cx_refresh(cx); /* guest code ran since: memory may have moved */
  memset(result, 0, sizeof *result);
  if (!f->result) return NULL;
  wp_cabi_core_sig_t sig;
  wp_cabi_func_flatten(f, WP_CABI_LIFT, &sig);
  wp_cabi_error_t *e = check_nflat(&sig, nflat, false);
  if (e) return e;
  if (sig.results_indirect) {
    uint32_t p = flat[0].i32;
    if ((e = wp_cabi_check_range(cx, "result", p, f->result->guest.size, f->result->guest.align))) return e;
    return wp_cabi_load(cx, f->result, p, result);
  }
  return wp_cabi_lift_flat(cx, f->result, flat, nflat, result);
}

wp_cabi_error_t *wp_cabi_lift_args(wp_cabi_cx_t *cx, const wp_cabi_func_t *f, const wp_cabi_flat_t *flat,
                                   size_t nflat, wp_cabi_val_t *params) {
  wp_cabi_error_t *e = check_nparams(f);
  if (e) return e;
  memset(params, 0, f->nparams * sizeof *params);
  wp_cabi_core_sig_t sig;
  wp_cabi_func_flatten(f, WP_CABI_LOWER, &sig);
  if ((e = check_nflat(&sig, nflat, true))) return e;
  size_t i = 0;
  if (sig.params_indirect) {
    uint32_t size, align, off[MAXP], p = flat[0].i32;
    wp_cabi_params_layout(f, false, &size, &align, off);
    if ((e = wp_cabi_check_range(cx, "params", p, size, align))) return e;
    for (; i < f->nparams; i++)
      if ((e = wp_cabi_load(cx, f->params[i], p + off[i], &params[i]))) break;
  } else {
    size_t k = 0;
    for (; i < f->nparams; i++) {
      if ((e = wp_cabi_lift_flat(cx, f->params[i], flat + k, nflat - k, &params[i]))) break;
      k += f->params[i]->nflat;
    }
  }
  if (e)
    for (size_t j = 0; j < i; j++) wp_cabi_val_drop(&params[j]);
  return e;
}

static wp_cabi_error_t *retptr(wp_cabi_cx_t *cx, const wp_cabi_func_t *f, const wp_cabi_core_sig_t *sig,
                               const wp_cabi_flat_t *core_params, size_t ncore, uint32_t *p) {
  if (ncore < sig->nparams) return INVALID("expected %u core params (with the return pointer), got %zu", sig->nparams, ncore);
  *p = core_params[sig->nparams - 1].i32;
  return wp_cabi_check_range(cx, "return", *p, f->result->guest.size, f->result->guest.align);
}

wp_cabi_error_t *wp_cabi_lower_results(wp_cabi_cx_t *cx, const wp_cabi_func_t *f, const wp_cabi_val_t *result,
                                       const wp_cabi_flat_t *core_params, size_t ncore_params,
                                       wp_cabi_flat_t *flat, size_t *nflat) {
  wp_cabi_cx_refresh(cx); /* guest code ran since: memory may have moved */
  *nflat = 0;
  if (!f->result) return NULL;
  wp_cabi_core_sig_t sig;
  wp_cabi_func_flatten(f, WP_CABI_LOWER, &sig);
  wp_cabi_error_t *e;
  if (sig.results_indirect) {
    uint32_t p = 0;
    if ((e = retptr(cx, f, &sig, core_params, ncore_params, &p))) return e;
    return wp_cabi_store(cx, f->result, result, p);
  }
  if ((e = wp_cabi_lower_flat(cx, f->result, result, flat))) return e;
  *nflat = f->result->nflat;
  return NULL;
}

/* ---- native layout ---- */

wp_cabi_error_t *wp_cabi_lower_args_native(wp_cabi_cx_t *cx, const wp_cabi_func_t *f, const void *args,
                                           wp_cabi_flat_t *flat, size_t *nflat) {
  wp_cabi_error_t *e = check_nparams(f);
  if (e) return e;
  const uint8_t *a = args;
  uint32_t nsize, nalign, noff[MAXP];
  wp_cabi_params_layout(f, true, &nsize, &nalign, noff);
  wp_cabi_core_sig_t sig;
  wp_cabi_func_flatten(f, WP_CABI_LIFT, &sig);
  *nflat = 0;
  if (sig.params_indirect) {
    uint32_t size, align, off[MAXP], p = 0;
    wp_cabi_params_layout(f, false, &size, &align, off);
    if ((e = wp_cabi_opts_realloc(cx, "params", 0, 0, align, size, &p))) return e;
    for (size_t i = 0; i < f->nparams; i++)
      if ((e = wp_cabi_store_native(cx, f->params[i], a + noff[i], p + off[i]))) return e;
    flat[0].i64 = 0;
    flat[0].i32 = p;
    *nflat = 1;
    return NULL;
  }
  size_t k = 0;
  for (size_t i = 0; i < f->nparams; i++) {
    if ((e = wp_cabi_lower_flat_native(cx, f->params[i], a + noff[i], flat + k))) return e;
    k += f->params[i]->nflat;
  }
  *nflat = k;
  return NULL;
}

wp_cabi_error_t *wp_cabi_lift_results_native(wp_cabi_cx_t *cx, const wp_cabi_func_t *f, const wp_cabi_flat_t *flat,
                                             size_t nflat, void *result) {
  wp_cabi_cx_refresh(cx); /* guest code ran since: memory may have moved */
  if (!f->result) return NULL;
  wp_cabi_core_sig_t sig;
  wp_cabi_func_flatten(f, WP_CABI_LIFT, &sig);
  wp_cabi_error_t *e = check_nflat(&sig, nflat, false);
  if (e) return e;
  if (sig.results_indirect) {
    uint32_t p = flat[0].i32;
    if ((e = wp_cabi_check_range(cx, "result", p, f->result->guest.size, f->result->guest.align))) return e;
    return wp_cabi_load_native(cx, f->result, p, result);
  }
  return wp_cabi_lift_flat_native(cx, f->result, flat, nflat, result);
}

wp_cabi_error_t *wp_cabi_lift_args_native(wp_cabi_cx_t *cx, const wp_cabi_func_t *f, const wp_cabi_flat_t *flat,
                                          size_t nflat, void *args) {
  wp_cabi_error_t *e = check_nparams(f);
  if (e) return e;
  uint8_t *a = args;
  uint32_t nsize, nalign, noff[MAXP];
  wp_cabi_params_layout(f, true, &nsize, &nalign, noff);
  memset(a, 0, nsize);
  wp_cabi_core_sig_t sig;
  wp_cabi_func_flatten(f, WP_CABI_LOWER, &sig);
  if ((e = check_nflat(&sig, nflat, true))) return e;
  if (sig.params_indirect) {
    uint32_t size, align, off[MAXP], p = flat[0].i32;
    wp_cabi_params_layout(f, false, &size, &align, off);
    if ((e = wp_cabi_check_range(cx, "params", p, size, align))) return e;
    for (size_t i = 0; i < f->nparams; i++)
      if ((e = wp_cabi_load_native(cx, f->params[i], p + off[i], a + noff[i]))) return e;
    return NULL;
  }
  size_t k = 0;
  for (size_t i = 0; i < f->nparams; i++) {
    if ((e = wp_cabi_lift_flat_native(cx, f->params[i], flat + k, nflat - k, a + noff[i]))) return e;
    k += f->params[i]->nflat;
  }
  return NULL;
}

wp_cabi_error_t *wp_cabi_lower_results_native(wp_cabi_cx_t *cx, const wp_cabi_func_t *f, const void *result,
                                              const wp_cabi_flat_t *core_params, size_t ncore_params,
                                              wp_cabi_flat_t *flat, size_t *nflat) {
  wp_cabi_cx_refresh(cx); /* guest code ran since: memory may have moved */
  *nflat = 0;
  if (!f->result) return NULL;
  wp_cabi_core_sig_t sig;
  wp_cabi_func_flatten(f, WP_CABI_LOWER, &sig);
  wp_cabi_error_t *e;
  if (sig.results_indirect) {
    uint32_t p = 0;
    if ((e = retptr(cx, f, &sig, core_params, ncore_params, &p))) return e;
    return wp_cabi_store_native(cx, f->result, result, p);
  }
  if ((e = wp_cabi_lower_flat_native(cx, f->result, result, flat))) return e;
  *nflat = f->result->nflat;
  return NULL;
}

/* ---- lift_flat_values / lower_flat_values ---- */

static uint32_t total_flat(size_t n, const wp_cabi_type_t *const *ts) {
  uint64_t k = 0;
  for (size_t i = 0; i < n; i++) k += ts[i]->nflat;
  return k > UINT32_MAX ? UINT32_MAX : (uint32_t)k;
}

wp_cabi_error_t *wp_cabi_lift_values(wp_cabi_cx_t *cx, size_t n, const wp_cabi_type_t *const *ts, uint32_t max_flat,
                                     const wp_cabi_flat_t *flat, size_t nflat, bool native, void *out) {
  if (n > MAXP) return INVALID("%zu values; at most %d supported", n, MAXP);
  wp_cabi_func_t tuple = {n, NULL, ts, NULL};
  uint32_t size, align, off[MAXP], nsize, nalign, noff[MAXP];
  wp_cabi_params_layout(&tuple, true, &nsize, &nalign, noff);
  wp_cabi_val_t *vals = out;
  uint8_t *nat = out;
  if (native) memset(nat, 0, nsize);
  else memset(vals, 0, n * sizeof *vals);
  wp_cabi_error_t *e = NULL;
  size_t i = 0;
  if (total_flat(n, ts) > max_flat) {
    if (nflat < 1) return INVALID("expected a pointer to the values");
    uint32_t p = flat[0].i32;
    wp_cabi_params_layout(&tuple, false, &size, &align, off);
    if ((e = wp_cabi_check_range(cx, "values", p, size, align))) return e;
    for (; i < n && !e; i++)
      e = native ? wp_cabi_load_native(cx, ts[i], p + off[i], nat + noff[i]) : wp_cabi_load(cx, ts[i], p + off[i], &vals[i]);
  } else {
    size_t k = 0;
    for (; i < n && !e; i++) {
      e = native ? wp_cabi_lift_flat_native(cx, ts[i], flat + k, nflat - k, nat + noff[i])
                 : wp_cabi_lift_flat(cx, ts[i], flat + k, nflat - k, &vals[i]);
      k += ts[i]->nflat;
    }
  }
  if (e && !native)
    for (size_t j = 0; j < i; j++) wp_cabi_val_drop(&vals[j]);
  return e;
}

wp_cabi_error_t *wp_cabi_lower_values(wp_cabi_cx_t *cx, size_t n, const wp_cabi_type_t *const *ts, uint32_t max_flat,
                                      bool native, const void *in, const uint32_t *out_ptr, wp_cabi_flat_t *flat,
                                      size_t *nflat) {
  if (n > MAXP) return INVALID("%zu values; at most %d supported", n, MAXP);
  wp_cabi_func_t tuple = {n, NULL, ts, NULL};
  uint32_t size, align, off[MAXP], nsize, nalign, noff[MAXP];
  wp_cabi_params_layout(&tuple, true, &nsize, &nalign, noff);
  const wp_cabi_val_t *vals = in;
  const uint8_t *nat = in;
  wp_cabi_error_t *e;
  *nflat = 0;
  if (total_flat(n, ts) > max_flat) {
    uint32_t p = 0;
    wp_cabi_params_layout(&tuple, false, &size, &align, off);
    if (out_ptr) {
      p = *out_ptr;
      if ((e = wp_cabi_check_range(cx, "return", p, size, align))) return e;
    } else {
      if ((e = wp_cabi_opts_realloc(cx, "params", 0, 0, align, size, &p))) return e;
      flat[0].i64 = 0;
      flat[0].i32 = p;
      *nflat = 1;
    }
    for (size_t i = 0; i < n; i++)
      if ((e = native ? wp_cabi_store_native(cx, ts[i], nat + noff[i], p + off[i])
                      : wp_cabi_store(cx, ts[i], &vals[i], p + off[i])))
        return e;
    return NULL;
  }
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if ((e = native ? wp_cabi_lower_flat_native(cx, ts[i], nat + noff[i], flat + k)
                    : wp_cabi_lower_flat(cx, ts[i], &vals[i], flat + k)))
      return e;
    k += ts[i]->nflat;
  }
  *nflat = k;
  return NULL;
}

/* ---- whole calls ---- */

wp_cabi_error_t *wp_cabi_call_export(const wp_cabi_opts_t *guest, wp_cabi_arena_t *arena, const wp_cabi_func_t *f,
                                     wp_cabi_core_fn core, void *core_ctx, const wp_cabi_val_t *params,
                                     wp_cabi_val_t *result) {
  wp_cabi_cx_t cx;
  wp_cabi_flat_t args[WP_CABI_MAX_FLAT_PARAMS + 1], res[WP_CABI_MAX_FLAT_RESULTS];
  wp_cabi_core_sig_t sig;
  size_t n = 0;
  memset(result, 0, sizeof *result);
  memset(res, 0, sizeof res);
  wp_cabi_func_flatten(f, WP_CABI_LIFT, &sig);
  wp_cabi_cx_init(&cx, guest, arena);
  wp_cabi_error_t *e = wp_cabi_lower_args(&cx, f, params, args, &n);
  if (!e) e = core(core_ctx, args, n, res, sig.nresults);
  if (e) {
    wp_cabi_error_delete(wp_cabi_cx_finish(&cx));
    return e;
  }
  wp_cabi_cx_refresh(&cx); /* the guest ran: memory may have grown */
  e = wp_cabi_lift_results(&cx, f, res, sig.nresults, result);
  if (!e) e = wp_cabi_post_return(&cx, res, sig.nresults);
  wp_cabi_error_t *fe = wp_cabi_cx_finish(&cx);
  if (!e) e = fe;
  else wp_cabi_error_delete(fe);
  if (e) wp_cabi_val_drop(result);
  return e;
}

wp_cabi_error_t *wp_cabi_call_import(const wp_cabi_opts_t *guest, wp_cabi_arena_t *arena, const wp_cabi_func_t *f,
                                     wp_cabi_host_fn host, void *host_ctx, const wp_cabi_flat_t *core_params,
                                     size_t ncore_params, wp_cabi_flat_t *results, size_t *nresults) {
  wp_cabi_error_t *e = check_nparams(f);
  if (e) return e;
  wp_cabi_cx_t cx;
  wp_cabi_val_t params[MAXP], result;
  memset(&result, 0, sizeof result);
  *nresults = 0;
  wp_cabi_cx_init(&cx, guest, arena);
  e = wp_cabi_lift_args(&cx, f, core_params, ncore_params, params);
  if (!e) {
    e = host(host_ctx, params, f->nparams, &result);
    for (size_t i = 0; i < f->nparams; i++) wp_cabi_val_drop(&params[i]);
    /* Lends of borrowed handles end when the host function returns. */
    if (!e) e = wp_cabi_lower_results(&cx, f, &result, core_params, ncore_params, results, nresults);
    wp_cabi_val_drop(&result);
  }
  wp_cabi_error_t *fe = wp_cabi_cx_finish(&cx);
  if (!e) e = fe;
  else wp_cabi_error_delete(fe);
  return e;
}
