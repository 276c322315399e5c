/*
** h_lib.c — dlopen() of libcurl and libmicrohttpd on first use (h_lib.h
** says why).  The sonames come from the libraries the build found
** (WH_CURL_SONAME, WH_MHD_SONAME: plugins/http/CMakeLists.txt reads them
** from the files), so the ABI loaded is the one the headers described.
** The loader searches the same places it searches at start-up; a library
** is never unloaded.
*/
#define WH_LIB_IMPL
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "h_lib.h"

struct wh_curl_api wh_curl_api;
struct wh_mhd_api wh_mhd_api;

/* Opens `soname` and fills `n` pointers from `names`; NULL or a message
** (kept in `msg`). */
static const char *load(const char *soname, const char *const *names, void **slots, size_t n, char *msg,
                        size_t msgsize) {
  void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char *e = dlerror();
    snprintf(msg, msgsize, "cannot load %s: %s", soname, e ? e : "unknown error");
    return msg;
  }
  for (size_t i = 0; i < n; i++) {
    /* dlsym gives an object pointer; POSIX guarantees it converts */
    void *p = dlsym(h, names[i]);
    if (!p) {
      snprintf(msg, msgsize, "%s lacks %s", soname, names[i]);
      return msg;
    }
    slots[i] = p;
  }
  return NULL;
}

#define WH_LIB_NAME(f) #f,
#define WH_LIB_COUNT(f) +1

static pthread_once_t curl_once = PTHREAD_ONCE_INIT, mhd_once = PTHREAD_ONCE_INIT;
static char curl_msg[300], mhd_msg[300];
static const char *curl_why, *mhd_why;

static void curl_load_once(void) {
  static const char *const names[] = {WH_CURL_FUNCS(WH_LIB_NAME)};
  void *slots[0 WH_CURL_FUNCS(WH_LIB_COUNT)];
  _Static_assert(sizeof wh_curl_api == sizeof slots, "one pointer per function");
  if (!(curl_why = load(WH_CURL_SONAME, names, slots, sizeof slots / sizeof *slots, curl_msg, sizeof curl_msg)))
    memcpy(&wh_curl_api, slots, sizeof slots);
}

static void mhd_load_once(void) {
  static const char *const names[] = {WH_MHD_FUNCS(WH_LIB_NAME)};
  void *slots[0 WH_MHD_FUNCS(WH_LIB_COUNT)];
  _Static_assert(sizeof wh_mhd_api == sizeof slots, "one pointer per function");
  if (!(mhd_why = load(WH_MHD_SONAME, names, slots, sizeof slots / sizeof *slots, mhd_msg, sizeof mhd_msg)))
    memcpy(&wh_mhd_api, slots, sizeof slots);
}

const char *wh_curl_load(void) {
  pthread_once(&curl_once, curl_load_once);
  return curl_why;
}

const char *wh_mhd_load(void) {
  pthread_once(&mhd_once, mhd_load_once);
  return mhd_why;
}
