/* No constructor of its own, but it needs a library beyond libc and libm
** (libwpevil.so: ctor.so under that name), whose constructor would run
** (issue 12, item 1). */
__attribute__((visibility("default"))) int evil(void) { return 1; }
