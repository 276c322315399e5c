/*
** fuzz_component.c — libFuzzer target for the component decoder and
** validator: any byte string must load cleanly or fail with a one-line
** message; whatever loads is then walked the way later layers will (WIT
** printing, subtype checks, name matching) to shake out bad pointers.
*/
#include "component/component.h"

#include <stdlib.h>
#include <string.h>

static void walk(const wp_comp *c) {
  char buf[512], err[512];
  for (uint32_t i = 0; i < c->nimports; i++) {
    wp_comp_extern_wit(&c->imports[i], 1, buf, sizeof buf);
    wp_comp_extern_subtype(&c->imports[i], &c->imports[i], "import", err, sizeof err);
    wp_comp_extern_subtype(&c->imports[i], &c->imports[0], "import", err, sizeof err);
    wp_comp_name_matches(c->imports[i].name.ptr, c->imports[i].name.len, c->imports[0].name.ptr,
                         c->imports[0].name.len);
  }
  for (uint32_t i = 0; i < c->nexports; i++) {
    wp_comp_extern_wit(&c->exports[i].ext, 0, buf, sizeof buf);
    if (c->nimports)
      wp_comp_extern_subtype(&c->exports[i].ext, &c->imports[0], "export", err, sizeof err);
  }
  for (uint32_t i = 0; i < c->ntypes; i++) {
    wp_comp_type_wit_def(c->types[i].type, buf, sizeof buf);
    wp_comp_type_subtype(c->types[i].type, c->types[0].type, "type", err, sizeof err);
  }
  for (uint32_t i = 0; i < c->ncomponents; i++) walk(c->components[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[1024];
  wp_comp *c = NULL;
  if (wp_comp_load(data, size, "fuzz.wasm", &c, err, sizeof err) == 0) {
    walk(c);
    wp_comp_delete(c);
  } else if (c != NULL || strchr(err, '\n') || strncmp(err, "fuzz.wasm: ", 11) != 0) {
    abort(); /* errors must be one line naming the file, with no result */
  }
  return 0;
}
