/* summary.h — a textual summary of a decoded component, for tests. */
#ifndef WASMPLUG_TESTS_COMPONENT_SUMMARY_H
#define WASMPLUG_TESTS_COMPONENT_SUMMARY_H
#include "component/component.h"
/* A malloc'd summary; the caller frees it. */
char *comp_summary(const wp_comp *c);
#endif
