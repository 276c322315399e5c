/*
** reader.h — the core layer's byte reader (LEB128, names, fixed-size
** values) and its instruction decoder, shared by the module decoder
** (decode.c), the validator (validate*.c) and the translator (translate*.c).
**
** Every read checks the remaining bytes first; on failure the reader keeps
** the first error message ("NAME: invalid module at offset 0xOFF: what")
** and every later read fails too, so callers may check once at the end of a
** sequence of reads.
*/
#ifndef WP_CORE_READER_H
#define WP_CORE_READER_H

#include "internal.h"

typedef struct wp_reader {
  const uint8_t *p, *start, *end; /* start: the module's first byte (offsets) */
  const char *name;               /* the module's name, for messages */
  char *err;                      /* first error (owned) */
} wp_reader_t;

/* Records an error at the current position (the first one wins). */
bool wp_rd_fail(wp_reader_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same at an explicit module offset. */
bool wp_rd_fail_at(wp_reader_t *r, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline size_t wp_rd_off(const wp_reader_t *r) { return (size_t)(r->p - r->start); }

bool wp_rd_u8(wp_reader_t *r, uint8_t *out);
bool wp_rd_u32(wp_reader_t *r, uint32_t *out);
bool wp_rd_u64(wp_reader_t *r, uint64_t *out);
bool wp_rd_s32(wp_reader_t *r, int32_t *out);
bool wp_rd_s33(wp_reader_t *r, int64_t *out);
bool wp_rd_s64(wp_reader_t *r, int64_t *out);
bool wp_rd_bytes(wp_reader_t *r, size_t n, const uint8_t **out);
/* A count of items of at least `min_size` bytes each: refuses counts the
** remaining bytes cannot hold, so allocation stays proportional to input. */
bool wp_rd_count(wp_reader_t *r, uint32_t min_size, uint32_t *out);
/* A UTF-8 name (checked), as a new string.  U+0000, which a name may
** hold, is spelled C0 80 (modified UTF-8, as Java does): two bytes no
** valid UTF-8 has, so names stay distinct as C strings -- how the
** embedding API takes and gives them (include/wasmplug.h). */
bool wp_rd_name(wp_reader_t *r, char **out);

/* ------------------------------------------------------------ value types */

/* Value types inside the core layer: the public kinds plus exnref (the
** exception-handling proposal's reference, never seen by hosts). */
#define WP_EXNREF ((wasmplug_valkind_t)7)
/* The validator's "unknown" type of a polymorphic stack. */
#define WP_BOT ((wasmplug_valkind_t)8)

/* wasmplug_valkind_name (wasmplug.h) names WP_EXNREF too. */
static inline bool wp_is_ref(wasmplug_valkind_t t) {
  return t == WASMPLUG_FUNCREF || t == WASMPLUG_EXTERNREF || t == WP_EXNREF;
}
/* A value type byte; names the proposal for types of unsupported ones. */
bool wp_rd_valtype(wp_reader_t *r, wasmplug_valkind_t *out);
bool wp_rd_reftype(wp_reader_t *r, wasmplug_valkind_t *out);

/* ----------------------------------------------------------- instructions */

/* Opcode numbers: one-byte opcodes as themselves; prefixed ones as
** WP_OP_FC + sub (misc: saturating truncation, bulk memory, tables),
** WP_OP_FD + sub (SIMD) and WP_OP_FE + sub (threads). */
#define WP_OP_FC 0x100u
#define WP_OP_FD 0x200u
#define WP_OP_FE 0x400u
#define WP_OP_LIMIT 0x500u

/* Block type: WP_BT_EMPTY, a value type (>= 0 below 0x100: WP_BT_VAL + kind)
** or a type index (WP_BT_INDEX + index). */
#define WP_BT_EMPTY (-1)
#define WP_BT_VAL 0x40000000
#define WP_BT_INDEX 0

typedef struct wp_instr {
  uint32_t op;
  uint32_t off;        /* module offset of the opcode */
  uint32_t a, b;       /* index immediates (see wp_read_instr) */
  uint32_t mem;        /* memarg: memory index */
  uint32_t align;      /* memarg: log2 alignment */
  uint64_t offset;     /* memarg: offset */
  int64_t bt;          /* block type */
  union {
    int32_t i32;
    int64_t i64;
    uint32_t f32;
    uint64_t f64;
    uint8_t v128[16];
  } imm;
  uint8_t lane;
  /* br_table targets / select types / try_table catches: count and where
  ** their encoding starts (re-read with the helpers below). */
  uint32_t n;
  const uint8_t *vec;
} wp_instr_t;

/* Decodes one instruction and its immediates.  Immediates:
**  block/loop/if/try_table: bt (try_table: n catches at vec)
**  br/br_if/br_on_null: a = label;  br_table: n targets at vec, a = default
**  call/return_call/ref.func: a = function;  call_indirect: a = type, b = table
**  local.*: a;  global.*: a;  table.get/set/size/grow/fill: a = table
**  table.copy: a = dst, b = src;  table.init: a = elem, b = table;  elem.drop: a
**  memory.size/grow/fill: mem;  memory.copy: mem = dst, b = src
**  memory.init: a = data, mem;  data.drop: a
**  loads/stores/atomics: mem, align, offset;  SIMD lane ops: lane too
**  const: imm;  select t*: n types at vec;  ref.null: a = heap type byte
**  throw: a = tag;  throw_ref: none;  legacy try: bt; catch: a = tag;
**  rethrow/delegate: a = label
** Unknown opcodes fail with "illegal opcode". */
bool wp_read_instr(wp_reader_t *r, wp_instr_t *in);
/* Reads the i-th br_table target (call in order from the first). */
bool wp_read_label(wp_reader_t *r, uint32_t *out);

/* One catch clause of try_table. */
enum { WP_CATCH = 0, WP_CATCH_REF, WP_CATCH_ALL, WP_CATCH_ALL_REF };
typedef struct wp_catch {
  uint8_t kind;
  uint32_t tag, label;
} wp_catch_t;
bool wp_read_catch(wp_reader_t *r, wp_catch_t *out);

/* Immediate kinds of the opcode table. */
enum wp_imm {
  WP_IMM_NONE, WP_IMM_BLOCK, WP_IMM_LABEL, WP_IMM_BR_TABLE, WP_IMM_FUNC,
  WP_IMM_CALL_INDIRECT, WP_IMM_LOCAL, WP_IMM_GLOBAL, WP_IMM_TABLE, WP_IMM_MEMARG,
  WP_IMM_MEMIDX, WP_IMM_I32, WP_IMM_I64, WP_IMM_F32, WP_IMM_F64, WP_IMM_V128,
  WP_IMM_SELECT_T, WP_IMM_REFNULL, WP_IMM_TABLE2, WP_IMM_TABLE_INIT, WP_IMM_ELEM,
  WP_IMM_MEM2, WP_IMM_MEM_INIT, WP_IMM_DATA, WP_IMM_TAG, WP_IMM_TRY_TABLE,
  WP_IMM_MEMARG_LANE, WP_IMM_LANE, WP_IMM_SHUFFLE, WP_IMM_ZERO
};

/* Which proposal an opcode belongs to (for "not supported" messages and
** for the translators' feature checks). */
enum wp_prop {
  WP_PROP_MVP, WP_PROP_SIGNEXT, WP_PROP_SATCONV, WP_PROP_BULK, WP_PROP_REFTYPES,
  WP_PROP_SIMD, WP_PROP_RELAXED_SIMD, WP_PROP_THREADS, WP_PROP_TAILCALL,
  WP_PROP_EH, WP_PROP_EH_LEGACY
};

/* What may trap: loads and stores trap out of bounds, the rest (division,
** float-to-int truncation...) each their own way. */
enum { WP_TRAP_NONE, WP_TRAP_MEM, WP_TRAP_OTHER };

typedef struct wp_opinfo {
  const char *name; /* NULL: not an opcode */
  uint8_t imm;      /* enum wp_imm */
  uint8_t prop;     /* enum wp_prop */
  uint8_t trap;     /* WP_TRAP_* */
  /* Operand and result types, "PARAMS:RESULTS" with i i32, l i64, f f32,
  ** d f64, v v128, r funcref, e externref, a the memory's address type;
  ** NULL when the instruction is typed by the validator's own rules. */
  const char *sig;
  /* The translator's C for simple instructions: $0, $1, $2 the operands,
  ** $A the effective address of a memory access; NULL: special. */
  const char *c;
} wp_opinfo_t;

/* The table entry of an opcode number (entries without a name are not
** opcodes). */
const wp_opinfo_t *wp_opinfo(uint32_t op);

/* The kind of an opcode's immediates (enum wp_imm), -1 if op is no opcode:
** the same as wp_opinfo(op)->imm, from a small constant table (what the
** reader needs; the full table is filled on first use). */
int wp_op_imm(uint32_t op);

/* The instruction's name as in the text format ("i32.add"), for messages. */
const char *wp_op_name(uint32_t op);

/* Natural alignment (log2) of a memory access opcode, or -1 if not one. */
int wp_op_natural_align(uint32_t op);
/* Bytes a memory access opcode reads or writes (0: not an access). */
unsigned wp_op_access_size(uint32_t op);

#endif
