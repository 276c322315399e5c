/*
** os_interrupted.c — wp_os_interrupted in libwasmplug: the OS layer's waits
** (os_poll.c, os_clock.c) ask the engine whether the guest call they serve
** was interrupted, so an interrupt without a deadline ends them too.
*/
#include "os.h"
#include "wasmplug.h"

bool wp_os_interrupted(void) { return wasmplug_call_interrupted(); }
