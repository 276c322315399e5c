/*
** p2_os_interrupted.c — wp_os_interrupted in plugins/wasi/wasi-p2.so: such
** a plugin links no libwasmplug and learns of time limits only through
** host->deadline, which the OS layer's waits honour already; an interrupt
** without a deadline does not reach it (src/wasi/os_interrupted.c is the
** built-in copy's).
*/
#include "wasi/os.h"

bool wp_os_interrupted(void) { return false; }
