#include "bindgen/internal.h"
void bg_emit_guest(bg_t *g, bg_buf_t *h, bg_buf_t *c) { (void)h; (void)c; bg_fail(g, "todo"); }
