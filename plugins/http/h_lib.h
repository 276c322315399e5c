/*
** h_lib.h — libcurl and libmicrohttpd, loaded when first needed.
**
** The wasi:http plugin's client (libcurl) and `wasmplug serve`'s server
** (libmicrohttpd) bring some thirty shared libraries with them (TLS,
** Kerberos, LDAP, ...).  Linked into libwasmplug, the dynamic loader mapped
** and relocated all of them at every start of every program, HTTP or not:
** 5 ms of a hello world's warm start.  So neither is linked: h_lib.c
** dlopen()s each by its soname the first time the plugin is initialised
** (libcurl) or a server starts (libmicrohttpd), and looks up the few
** functions used into the tables below.
**
** Code including this header calls the libraries' functions by their own
** names: after the libraries' headers, each name is defined to be the
** table's pointer (as SQLite's sqlite3ext.h does for its extension API),
** and the pointers have the exact types of the headers' declarations.
** Call wh_curl_load() / wh_mhd_load() (they return NULL or why the library
** could not be loaded) before using a library's functions.
*/
#ifndef WASMPLUG_WASI_HTTP_LIB_H
#define WASMPLUG_WASI_HTTP_LIB_H

#include <curl/curl.h>
#include <microhttpd.h>

/* X(name) for every function used: the one list the tables, the lookups
** and the renames below are made from. */
#define WH_CURL_FUNCS(X) \
  X(curl_global_init) X(curl_global_cleanup) X(curl_easy_init) X(curl_easy_setopt) X(curl_easy_perform) \
  X(curl_easy_cleanup) X(curl_easy_strerror) X(curl_slist_append) X(curl_slist_free_all)
#define WH_MHD_FUNCS(X) \
  X(MHD_start_daemon) X(MHD_stop_daemon) X(MHD_quiesce_daemon) X(MHD_run_wait) X(MHD_create_response_from_buffer) \
  X(MHD_create_response_from_callback) X(MHD_add_response_header) X(MHD_add_response_footer) X(MHD_queue_response) X(MHD_destroy_response) \
  X(MHD_suspend_connection) X(MHD_resume_connection) X(MHD_get_connection_values) \
  X(MHD_lookup_connection_value) X(MHD_get_connection_info) X(MHD_get_daemon_info)

#define WH_LIB_FIELD(f) __typeof__(f) *f;
struct wh_curl_api { WH_CURL_FUNCS(WH_LIB_FIELD) };
struct wh_mhd_api { WH_MHD_FUNCS(WH_LIB_FIELD) };
#undef WH_LIB_FIELD

extern struct wh_curl_api wh_curl_api;
extern struct wh_mhd_api wh_mhd_api;

/* Load the library once (thread-safe); NULL when its functions are ready,
** else a static message saying why not. */
const char *wh_curl_load(void);
const char *wh_mhd_load(void);

#ifndef WH_LIB_IMPL
/* curl's typecheck-gcc.h makes curl_easy_setopt a checking macro */
#undef curl_easy_setopt
#define curl_global_init (*wh_curl_api.curl_global_init)
#define curl_global_cleanup (*wh_curl_api.curl_global_cleanup)
#define curl_easy_init (*wh_curl_api.curl_easy_init)
#define curl_easy_setopt (*wh_curl_api.curl_easy_setopt)
#define curl_easy_perform (*wh_curl_api.curl_easy_perform)
#define curl_easy_cleanup (*wh_curl_api.curl_easy_cleanup)
#define curl_easy_strerror (*wh_curl_api.curl_easy_strerror)
#define curl_slist_append (*wh_curl_api.curl_slist_append)
#define curl_slist_free_all (*wh_curl_api.curl_slist_free_all)
#define MHD_start_daemon (*wh_mhd_api.MHD_start_daemon)
#define MHD_stop_daemon (*wh_mhd_api.MHD_stop_daemon)
#define MHD_quiesce_daemon (*wh_mhd_api.MHD_quiesce_daemon)
#define MHD_run_wait (*wh_mhd_api.MHD_run_wait)
#define MHD_create_response_from_buffer (*wh_mhd_api.MHD_create_response_from_buffer)
#define MHD_create_response_from_callback (*wh_mhd_api.MHD_create_response_from_callback)
#define MHD_add_response_header (*wh_mhd_api.MHD_add_response_header)
#define MHD_add_response_footer (*wh_mhd_api.MHD_add_response_footer)
#define MHD_queue_response (*wh_mhd_api.MHD_queue_response)
#define MHD_destroy_response (*wh_mhd_api.MHD_destroy_response)
#define MHD_suspend_connection (*wh_mhd_api.MHD_suspend_connection)
#define MHD_resume_connection (*wh_mhd_api.MHD_resume_connection)
#define MHD_get_connection_values (*wh_mhd_api.MHD_get_connection_values)
#define MHD_lookup_connection_value (*wh_mhd_api.MHD_lookup_connection_value)
#define MHD_get_connection_info (*wh_mhd_api.MHD_get_connection_info)
#define MHD_get_daemon_info (*wh_mhd_api.MHD_get_daemon_info)
#endif

#endif
