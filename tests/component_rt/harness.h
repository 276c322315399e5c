/*
** harness.h — tiny helpers shared by the component runtime tests.
*/
#ifndef COMPONENT_RT_HARNESS_H
#define COMPONENT_RT_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cabi/cabi.h"
#include "wasmplug.h"
#include "../check.h"
#include "../fixture.h"


#define CHECK_STR(a, b)                                                      \
  do {                                                                       \
    const char *a_ = (a), *b_ = (b);                                         \
    checks++;                                                                \
    if (!a_ || !b_ || strcmp(a_, b_)) {                                      \
      failures++;                                                            \
      fprintf(stderr, "%s:%d: expected \"%s\", got \"%s\"\n", __FILE__, __LINE__, b_ ? b_ : "(null)", \
              a_ ? a_ : "(null)");                                           \
    }                                                                        \
  } while (0)

/* Reads a whole file (malloc'ed); exits on failure. */
/* An engine on `tier` with the test cache directory. */
wasmplug_engine_t *h_engine(wasmplug_tier_t tier);
/* Loads a component; exits with the message on failure. */
wasmplug_component_t *h_component(wasmplug_engine_t *e, const char *path, unsigned char **bytes);
/* Instantiates; on error/trap prints it and returns NULL.  *msg (if not
** NULL) receives a malloc'ed copy of the error or trap message. */
wasmplug_component_instance_t *h_instantiate(wasmplug_component_linker_t *l, wasmplug_component_t *c,
                                             char **msg);
/* Calls `name` through WAVE text; returns the printed result (malloc'ed)
** or "trap: MESSAGE" / "error: MESSAGE". */
char *h_invoke(wasmplug_component_instance_t *in, const char *call);
/* got == want, or got starts with want's text before a final '*'. */
int h_matches(const char *got, const char *want);
/* CHECK that invoking `call` prints `want` (a prefix match when want ends
** with '*'). */
#define CHECK_INVOKE(in, call, want)                                         \
  do {                                                                       \
    char *got_ = h_invoke((in), (call));                                     \
    const char *w_ = (want);                                                 \
    int ok_ = h_matches(got_, w_);                                           \
    checks++;                                                                \
    if (!ok_) {                                                              \
      failures++;                                                            \
      fprintf(stderr, "%s:%d: %s: expected \"%s\", got \"%s\"\n", __FILE__, __LINE__, (call), w_, got_); \
    }                                                                        \
    free(got_);                                                              \
  } while (0)

#endif
