/*
** table.c — the instance's resource table: reps with generations, so a
** rep that was dropped (or never handed out) is refused instead of being
** used; and the one place that knows how to free each kind of object.
*/
#include <stdlib.h>
#include <string.h>

#include "dl/internal.h"

static uint32_t make_rep(uint32_t index, uint32_t gen) { return (gen << DL_REP_BITS) | (index + 1); }

uint32_t dl_table_put(dl_instance_t *in, dl_kind_t kind, void *obj) {
  uint32_t idx;
  if (in->free_head) {
    idx = in->free_head - 1;
    in->free_head = (uint32_t)(uintptr_t)in->slots[idx].obj;
  } else {
    if (in->nslots == DL_MAX_OBJECTS) return 0;
    if (in->nslots == in->cap) {
      uint32_t cap = in->cap ? in->cap * 2 : 16;
      if (cap > DL_MAX_OBJECTS) cap = DL_MAX_OBJECTS;
      dl_slot_t *s = realloc(in->slots, cap * sizeof *s);
      if (!s) return 0;
      in->slots = s;
      in->cap = cap;
    }
    idx = in->nslots++;
    in->slots[idx].gen = 0;
  }
  dl_slot_t *s = &in->slots[idx];
  /* generations 1..4095, so no rep is ever 0 and reuse changes the rep */
  s->gen = s->gen % ((1u << (32 - DL_REP_BITS)) - 1) + 1;
  s->kind = kind;
  s->obj = obj;
  return make_rep(idx, s->gen);
}

static dl_slot_t *lookup(dl_instance_t *in, uint32_t rep, dl_kind_t kind) {
  uint32_t idx = (rep & DL_MAX_OBJECTS);
  if (!idx || idx > in->nslots) return NULL;
  dl_slot_t *s = &in->slots[idx - 1];
  if (s->kind != kind || s->gen != rep >> DL_REP_BITS) return NULL;
  return s;
}

void *dl_table_get(dl_instance_t *in, uint32_t rep, dl_kind_t kind) {
  dl_slot_t *s = lookup(in, rep, kind);
  return s ? s->obj : NULL;
}

void *dl_table_take(dl_instance_t *in, uint32_t rep, dl_kind_t kind) {
  dl_slot_t *s = lookup(in, rep, kind);
  if (!s) return NULL;
  void *obj = s->obj;
  s->kind = DLK_FREE;
  s->obj = (void *)(uintptr_t)in->free_head;
  in->free_head = (rep & DL_MAX_OBJECTS);
  return obj;
}

const char *dl_kind_name(dl_kind_t kind) {
  switch (kind) {
  case DLK_ALLOC: return "alloc";
  case DLK_STRUCT_TYPE: return "struct-type";
  case DLK_OUT_PRIM: return "outgoing-primitive";
  case DLK_OUT_STRUCT: return "outgoing-struct";
  case DLK_IN_PRIM: return "incoming-primitive";
  case DLK_IN_STRUCT: return "incoming-struct";
  case DLK_FUNCTION: return "function";
  case DLK_SYMBOL: return "symbol";
  case DLK_LIBRARY: return "library";
  default: return "free slot";
  }
}

void dl_object_free(dl_kind_t kind, void *obj) {
  if (!obj) return;
  switch (kind) {
  case DLK_ALLOC: dl_alloc_unref(obj); break;
  case DLK_STRUCT_TYPE: dl_type_unref(obj); break;
  case DLK_OUT_PRIM:
  case DLK_OUT_STRUCT:
    dl_oval_clear(obj);
    free(obj);
    break;
  case DLK_IN_PRIM: {
    dl_iprim_t *p = obj;
    dl_lib_unref(p->lib);
    dl_alloc_unref(p->src);
    free(p);
    break;
  }
  case DLK_IN_STRUCT: {
    dl_istruct_t *s = obj;
    dl_type_unref(s->ty);
    dl_lib_unref(s->lib);
    dl_alloc_unref(s->src);
    free(s->bytes);
    free(s);
    break;
  }
  case DLK_FUNCTION: dl_func_free(obj); break;
  case DLK_SYMBOL: {
    dl_symbol_t *s = obj;
    dl_lib_unref(s->lib);
    free(s->name);
    free(s);
    break;
  }
  case DLK_LIBRARY: dl_lib_close(obj); break;
  default: break;
  }
}

void dl_table_clear(dl_instance_t *in) {
  /* Libraries last: closing one first would be safe (children check), but
  ** freeing children first lets dlclose really unmap. */
  for (int pass = 0; pass < 2; pass++)
    for (uint32_t i = 0; i < in->nslots; i++) {
      dl_slot_t *s = &in->slots[i];
      if (s->kind == DLK_FREE || (s->kind == DLK_LIBRARY) != (pass == 1)) continue;
      dl_object_free(s->kind, s->obj);
      s->kind = DLK_FREE;
      s->obj = NULL;
    }
  dl_alloc_free_all(in);
  free(in->slots);
  in->slots = NULL;
  in->nslots = in->cap = in->free_head = 0;
}
