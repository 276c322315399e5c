/*
** translate.h — wasmplug's own Wasm -> C translator (translate*.c).
**
** A validated module becomes a header shared by every C file (the prelude,
** the instance layout, one prototype per function), one file of glue
** (import trampolines, export entries, instantiation: globals, tables,
** memories, segments) and the function bodies split into units of bounded
** size, each compiled on its own so units can be compiled in parallel and
** cached one by one.  The glue meets the contract of src/core/internal.h
** (wp_glue_t), the same one wasm2c's output meets through codegen.c.
*/
#ifndef WP_CORE_TRANSLATE_H
#define WP_CORE_TRANSLATE_H

#include "internal.h"
#include "reader.h"

struct wp_xlate;

/* How the C is shaped. */
typedef struct wp_xlate_opts {
  /* For libtcc: calls between functions go through the instance's
  ** function table (so hot functions can be re-pointed to optimized code);
  ** otherwise direct calls the C compiler can see through. */
  bool baseline;
  /* Wasm code bytes per unit (0: everything in one unit). */
  uint32_t unit_bytes;
  /* Fuel metering (wasmplug_config_fuel_set): every function entry and
  ** every loop iteration takes a unit from the running call's fuel and
  ** traps (WP_T_FUEL) when none is left. */
  bool fuel;
  /* Epoch interruption (wasmplug_config_epoch_deadline_set): the same
  ** places compare the engine's epoch with the call's deadline and trap
  ** (WP_T_EPOCH) once it is reached. */
  bool epoch;
  /* Hot-first tier-up (compile.c): the optimized tier's C of only the
  ** defined functions i with hot[i] set, for a shared object loaded beside
  ** the baseline code (its "hot object"): calls between hot functions are
  ** direct, calls of the others go through the instance's function table
  ** into the baseline code, and the glue is the hot object's own (the
  ** helpers function bodies call, type ids, a wp_hot descriptor listing
  ** the hot functions), not a module's: the baseline glue instantiates.
  ** NULL: the whole module. */
  const uint8_t *hot;
  /* Called with each unit as soon as its C is complete, before the next
  ** unit is translated (the header and the glue are complete by then):
  ** the build starts compiling it while the rest is translated, and may
  ** free its C (build.c).  An error it returns ends the translation.
  ** NULL: none (not with wp_translate_inline). */
  char *(*on_unit)(void *arg, struct wp_xlate *x, uint32_t u);
  void *on_unit_arg;
} wp_xlate_opts_t;

/* Wasm code bytes per C unit of the optimized tier: small enough that the
** units of a large module keep every core busy and bound the compiler's
** memory, large enough that the shared header is parsed rarely. */
#define WP_OPT_UNIT_BYTES (64u * 1024)
/* The baseline tier's: tcc compiles fast, so units are larger, and only
** modules with more code than WP_BASE_LARGE are split at all (below that
** one in-memory compile is quicker than starting processes). */
#define WP_BASE_UNIT_BYTES (512u * 1024)
#define WP_BASE_LARGE (1024u * 1024)

/* A defined function with at least this many bytes of wasm code, less
** than 90 % of them in loops, is "huge and straight", and cold (translate.c:
** find_cold), as are the functions only cold ones call outside their
** loops: on the optimized tier they go into units of cold functions only,
** which the compiler is given a cheaper level (build.c: cc_level).  A
** function's compile time grows faster than its size, and code outside
** loops runs at most once a call: in SQLite the huge straight functions
** are 19 % of the C and 1.3 % of the workload's instructions.  The
** measurements are in bench/README.md ("Huge straight functions at -Og",
** "Cold functions at -Og"). */
#define WP_OPT_HUGE_BYTES (4u * 1024)

typedef struct wp_unit {
  wp_buf_t c;          /* the unit's C (includes "wp.h") */
  uint32_t first, count; /* its first defined function, how many it holds */
  bool cold;           /* holds cold functions only (WP_OPT_HUGE_BYTES) */
  /* holds no huge function nearly all in loops (a hot loop that needs the
  ** register allocator's loop regions: SQLite's interpreter loop); only
  ** set where find_cold classified the functions */
  bool flat;
} wp_unit_t;

typedef struct wp_xlate {
  wp_buf_t header; /* wp.h */
  wp_buf_t glue;   /* glue.c */
  wp_unit_t *units;
  uint32_t nunits;
} wp_xlate_t;

/* Translates `m` (decoded and validated).  Returns NULL or an error message
** (caller frees); on success the caller frees `out` with wp_xlate_free. */
char *wp_translate(const wasmplug_module_t *m, const wp_xlate_opts_t *opts, wp_xlate_t *out);
/* The same, with the header's text itself starting the glue and every unit
** instead of #include "wp.h": C compiled from memory (compile.c, a small
** module's baseline), with no file to include. */
char *wp_translate_inline(const wasmplug_module_t *m, const wp_xlate_opts_t *opts, wp_xlate_t *out);
void wp_xlate_free(wp_xlate_t *x);

/* Features the translator does not implement yet (WP_FEAT_*). */
uint32_t wp_translate_unsupported(void);

/* ------------------------------------------------- shared by translate*.c */

extern const char wp_prelude[];
/* The SIMD helpers (translate_simd.c), in the header of modules using v128. */
extern const char wp_prelude_simd[];
/* Exception handling's types and helpers (translate_rt.c), after wp_tv. */
extern const char wp_prelude_eh[];
/* The threads proposal's atomic instructions (translate_atomic.c). */
extern const char wp_prelude_atomic[];

/* Whether the C keeps memory 0's base in r15 (translate.c: pin_block):
** the optimized tier of a whole module with a memory.  Not a hot object
** (hot-first tier-up): the baseline's code calls into it through the
** function table and sets no register. */
static inline bool wp_xlate_pins(const wp_modinfo_t *m, const wp_xlate_opts_t *o) {
  return !o->baseline && !o->hot && wp_nmems(m) > 0;
}

/* Whether the C keeps the instance pointer in r14 as well (pin_block):
** where memory 0's base is pinned, in modules without tail calls (whose
** trampolines take the instance from a buffer).  The module's own
** functions then take no instance parameter: F<N>(WP_IP params...). */
static inline bool wp_xlate_pins_inst(const wp_modinfo_t *m, const wp_xlate_opts_t *o) {
  return wp_xlate_pins(m, o) && !(m->features & WP_FEAT_TAILCALL);
}

/* The optimized tier's loads that need no barrier (translate_loads.c): a
** bitmap over the bytes of defined function body `body` (its module
** offset and length; the reader at its first instruction), bit k set when
** the load whose opcode is k bytes into the body can be a plain C load.
** NULL when out of memory (then every load keeps its barrier). */
uint8_t *wp_xlate_plain_loads(const wp_modinfo_t *mi, const wp_reader_t *body, uint32_t body_off,
                              uint32_t body_len);

/* A loop that is a byte copy (translate_idiom.c), K bytes an iteration in
** memory `mem`, the count in local n: forward (!back), from local s to
** local d, both stepped by K; or backward (back), from bs + n to bd + n
** (locals d and s hold bd and bs) teed into locals td and ts, bytes K - 1
** down to 0.  end_off: the module offset of the loop's br_if.
** wp_xlate_bytecopy reads the loop's body (the reader right after the
** loop's block type) and fills `out` when the loop is exactly that shape;
** translate_func.c then runs it as memmove when that provably gives the
** same result and cannot trap. */
typedef struct wp_bytecopy {
  uint32_t d, s, n, k, mem, td, ts, end_off;
  bool back;
} wp_bytecopy_t;
bool wp_xlate_bytecopy(const wp_modinfo_t *mi, const wasmplug_valkind_t *locals, uint32_t nlocals,
                       const wp_reader_t *body, wp_bytecopy_t *out);

/* The C type of a value type, and the letter naming its slot variables. */
const char *wp_ctype(wasmplug_valkind_t t);
char wp_tletter(wasmplug_valkind_t t);

/* Translates defined function `i` into `out`.  Returns NULL or an error. */
typedef struct wp_xmod wp_xmod_t;
char *wp_translate_func(const wp_xmod_t *x, uint32_t i, wp_buf_t *out);

/* A function's C parameter list (translate.c): `(self, u32 l0...)`, e.g.
** `(wp_inst *I, u32 l0...)`, or with `self` NULL (the instance pinned and
** not a parameter) `(WP_IP u32 l0...)`; each type after `prefix`
** ("volatile "), names l<k> when `names`. */
void wp_xlate_params(wp_buf_t *b, const wasmplug_valkind_t *pt, uint32_t np, const char *self, const char *prefix,
                     bool names);

/* Whether function f's C takes the instance as its first parameter:
** imports (the glue's trampolines), every function where the instance is
** not pinned, and, where it is, the functions a funcref or another
** instance may hold (`esc`, translate.c: escaping_funcs).  Those are
** called as funcrefs are, `(wp_inst *, params...)`, through their F<N>x
** wrapper; with the body taking the same list, the wrapper's fast path is
** a jump that moves no argument (issue 18: six register moves and a stack
** load per call of SQLite's sorter comparator).  Under the pinned
** register the body ignores the parameter and reads the register. */
static inline bool wp_xlate_takes_inst(const wp_modinfo_t *m, const wp_xlate_opts_t *o, const uint8_t *esc,
                                       uint32_t f) {
  return f < m->nimported_funcs || !wp_xlate_pins_inst(m, o) || (esc && esc[f]);
}

/* What translate_func.c needs of the module-level translation. */
struct wp_xmod {
  const wasmplug_module_t *m;
  const wp_modinfo_t *info;
  const wp_xlate_opts_t *opts;
  /* Tail calls (NULL: the module makes none).  tailer[i]: defined function
  ** i makes tail calls, so its body is F<N>_t, run by the trampoline in
  ** F<N> (see translate.c). */
  const uint8_t *tailer;
  /* Where the instance is pinned (wp_xlate_pins_inst): esc[f] set when a
  ** funcref or another instance may hold function f (wp_xlate_takes_inst). */
  const uint8_t *esc;
};

#endif
