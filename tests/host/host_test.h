/*
** host_test.h — what the host tests share: CHECK (tests/check.h) and reading a
** file.
*/
#ifndef WASMPLUG_HOST_TEST_H
#define WASMPLUG_HOST_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../fixture.h" /* read_fixture */
#include "../check.h"

#endif
