/* print.c — placeholder replaced below */
#include <stdlib.h>
#include "internal.h"
char *wp_wit_print_package(const wp_wit_resolve_t *r, uint32_t pkg) { (void)r; (void)pkg; return NULL; }
char *wp_wit_print(const wp_wit_resolve_t *r, uint32_t main) { (void)r; (void)main; return NULL; }
