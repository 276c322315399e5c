/*
** isolate_thunks.c — one tiny function per function/resource index of a
** proxy plugin.  The plugin ABI hands a function only (state, call, params,
** result): nothing says *which* WIT function is running, so each table
** slot gets its own entry point that adds its index and forwards to the
** one generic proxy (isolate_call.c).  Written out rather than generated
** by macros so a debugger shows real functions.  A plugin with more
** functions or resources than there are thunks cannot be isolated (the
** error says so).
*/
#include "isolate/rpc.h"

static int f0(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 0, a, r); }
static int f1(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 1, a, r); }
static int f2(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 2, a, r); }
static int f3(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 3, a, r); }
static int f4(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 4, a, r); }
static int f5(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 5, a, r); }
static int f6(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 6, a, r); }
static int f7(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 7, a, r); }
static int f8(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 8, a, r); }
static int f9(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 9, a, r); }
static int f10(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 10, a, r); }
static int f11(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 11, a, r); }
static int f12(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 12, a, r); }
static int f13(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 13, a, r); }
static int f14(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 14, a, r); }
static int f15(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 15, a, r); }
static int f16(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 16, a, r); }
static int f17(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 17, a, r); }
static int f18(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 18, a, r); }
static int f19(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 19, a, r); }
static int f20(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 20, a, r); }
static int f21(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 21, a, r); }
static int f22(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 22, a, r); }
static int f23(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 23, a, r); }
static int f24(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 24, a, r); }
static int f25(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 25, a, r); }
static int f26(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 26, a, r); }
static int f27(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 27, a, r); }
static int f28(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 28, a, r); }
static int f29(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 29, a, r); }
static int f30(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 30, a, r); }
static int f31(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 31, a, r); }
static int f32(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 32, a, r); }
static int f33(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 33, a, r); }
static int f34(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 34, a, r); }
static int f35(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 35, a, r); }
static int f36(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 36, a, r); }
static int f37(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 37, a, r); }
static int f38(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 38, a, r); }
static int f39(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 39, a, r); }
static int f40(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 40, a, r); }
static int f41(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 41, a, r); }
static int f42(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 42, a, r); }
static int f43(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 43, a, r); }
static int f44(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 44, a, r); }
static int f45(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 45, a, r); }
static int f46(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 46, a, r); }
static int f47(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 47, a, r); }
static int f48(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 48, a, r); }
static int f49(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 49, a, r); }
static int f50(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 50, a, r); }
static int f51(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 51, a, r); }
static int f52(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 52, a, r); }
static int f53(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 53, a, r); }
static int f54(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 54, a, r); }
static int f55(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 55, a, r); }
static int f56(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 56, a, r); }
static int f57(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 57, a, r); }
static int f58(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 58, a, r); }
static int f59(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 59, a, r); }
static int f60(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 60, a, r); }
static int f61(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 61, a, r); }
static int f62(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 62, a, r); }
static int f63(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 63, a, r); }
static int f64(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 64, a, r); }
static int f65(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 65, a, r); }
static int f66(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 66, a, r); }
static int f67(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 67, a, r); }
static int f68(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 68, a, r); }
static int f69(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 69, a, r); }
static int f70(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 70, a, r); }
static int f71(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 71, a, r); }
static int f72(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 72, a, r); }
static int f73(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 73, a, r); }
static int f74(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 74, a, r); }
static int f75(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 75, a, r); }
static int f76(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 76, a, r); }
static int f77(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 77, a, r); }
static int f78(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 78, a, r); }
static int f79(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 79, a, r); }
static int f80(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 80, a, r); }
static int f81(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 81, a, r); }
static int f82(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 82, a, r); }
static int f83(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 83, a, r); }
static int f84(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 84, a, r); }
static int f85(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 85, a, r); }
static int f86(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 86, a, r); }
static int f87(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 87, a, r); }
static int f88(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 88, a, r); }
static int f89(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 89, a, r); }
static int f90(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 90, a, r); }
static int f91(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 91, a, r); }
static int f92(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 92, a, r); }
static int f93(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 93, a, r); }
static int f94(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 94, a, r); }
static int f95(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 95, a, r); }
static int f96(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 96, a, r); }
static int f97(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 97, a, r); }
static int f98(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 98, a, r); }
static int f99(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 99, a, r); }
static int f100(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 100, a, r); }
static int f101(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 101, a, r); }
static int f102(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 102, a, r); }
static int f103(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 103, a, r); }
static int f104(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 104, a, r); }
static int f105(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 105, a, r); }
static int f106(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 106, a, r); }
static int f107(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 107, a, r); }
static int f108(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 108, a, r); }
static int f109(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 109, a, r); }
static int f110(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 110, a, r); }
static int f111(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 111, a, r); }
static int f112(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 112, a, r); }
static int f113(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 113, a, r); }
static int f114(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 114, a, r); }
static int f115(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 115, a, r); }
static int f116(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 116, a, r); }
static int f117(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 117, a, r); }
static int f118(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 118, a, r); }
static int f119(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 119, a, r); }
static int f120(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 120, a, r); }
static int f121(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 121, a, r); }
static int f122(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 122, a, r); }
static int f123(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 123, a, r); }
static int f124(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 124, a, r); }
static int f125(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 125, a, r); }
static int f126(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 126, a, r); }
static int f127(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 127, a, r); }
static int f128(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 128, a, r); }
static int f129(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 129, a, r); }
static int f130(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 130, a, r); }
static int f131(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 131, a, r); }
static int f132(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 132, a, r); }
static int f133(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 133, a, r); }
static int f134(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 134, a, r); }
static int f135(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 135, a, r); }
static int f136(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 136, a, r); }
static int f137(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 137, a, r); }
static int f138(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 138, a, r); }
static int f139(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 139, a, r); }
static int f140(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 140, a, r); }
static int f141(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 141, a, r); }
static int f142(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 142, a, r); }
static int f143(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 143, a, r); }
static int f144(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 144, a, r); }
static int f145(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 145, a, r); }
static int f146(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 146, a, r); }
static int f147(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 147, a, r); }
static int f148(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 148, a, r); }
static int f149(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 149, a, r); }
static int f150(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 150, a, r); }
static int f151(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 151, a, r); }
static int f152(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 152, a, r); }
static int f153(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 153, a, r); }
static int f154(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 154, a, r); }
static int f155(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 155, a, r); }
static int f156(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 156, a, r); }
static int f157(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 157, a, r); }
static int f158(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 158, a, r); }
static int f159(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 159, a, r); }
static int f160(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 160, a, r); }
static int f161(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 161, a, r); }
static int f162(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 162, a, r); }
static int f163(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 163, a, r); }
static int f164(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 164, a, r); }
static int f165(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 165, a, r); }
static int f166(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 166, a, r); }
static int f167(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 167, a, r); }
static int f168(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 168, a, r); }
static int f169(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 169, a, r); }
static int f170(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 170, a, r); }
static int f171(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 171, a, r); }
static int f172(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 172, a, r); }
static int f173(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 173, a, r); }
static int f174(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 174, a, r); }
static int f175(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 175, a, r); }
static int f176(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 176, a, r); }
static int f177(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 177, a, r); }
static int f178(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 178, a, r); }
static int f179(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 179, a, r); }
static int f180(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 180, a, r); }
static int f181(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 181, a, r); }
static int f182(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 182, a, r); }
static int f183(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 183, a, r); }
static int f184(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 184, a, r); }
static int f185(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 185, a, r); }
static int f186(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 186, a, r); }
static int f187(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 187, a, r); }
static int f188(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 188, a, r); }
static int f189(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 189, a, r); }
static int f190(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 190, a, r); }
static int f191(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 191, a, r); }
static int f192(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 192, a, r); }
static int f193(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 193, a, r); }
static int f194(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 194, a, r); }
static int f195(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 195, a, r); }
static int f196(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 196, a, r); }
static int f197(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 197, a, r); }
static int f198(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 198, a, r); }
static int f199(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 199, a, r); }
static int f200(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 200, a, r); }
static int f201(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 201, a, r); }
static int f202(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 202, a, r); }
static int f203(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 203, a, r); }
static int f204(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 204, a, r); }
static int f205(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 205, a, r); }
static int f206(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 206, a, r); }
static int f207(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 207, a, r); }
static int f208(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 208, a, r); }
static int f209(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 209, a, r); }
static int f210(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 210, a, r); }
static int f211(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 211, a, r); }
static int f212(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 212, a, r); }
static int f213(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 213, a, r); }
static int f214(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 214, a, r); }
static int f215(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 215, a, r); }
static int f216(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 216, a, r); }
static int f217(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 217, a, r); }
static int f218(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 218, a, r); }
static int f219(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 219, a, r); }
static int f220(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 220, a, r); }
static int f221(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 221, a, r); }
static int f222(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 222, a, r); }
static int f223(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 223, a, r); }
static int f224(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 224, a, r); }
static int f225(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 225, a, r); }
static int f226(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 226, a, r); }
static int f227(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 227, a, r); }
static int f228(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 228, a, r); }
static int f229(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 229, a, r); }
static int f230(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 230, a, r); }
static int f231(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 231, a, r); }
static int f232(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 232, a, r); }
static int f233(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 233, a, r); }
static int f234(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 234, a, r); }
static int f235(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 235, a, r); }
static int f236(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 236, a, r); }
static int f237(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 237, a, r); }
static int f238(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 238, a, r); }
static int f239(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 239, a, r); }
static int f240(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 240, a, r); }
static int f241(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 241, a, r); }
static int f242(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 242, a, r); }
static int f243(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 243, a, r); }
static int f244(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 244, a, r); }
static int f245(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 245, a, r); }
static int f246(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 246, a, r); }
static int f247(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 247, a, r); }
static int f248(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 248, a, r); }
static int f249(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 249, a, r); }
static int f250(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 250, a, r); }
static int f251(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 251, a, r); }
static int f252(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 252, a, r); }
static int f253(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 253, a, r); }
static int f254(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 254, a, r); }
static int f255(void *s, wasmplug_plugin_call_t *c, const void *a, void *r) { return wp_rpc_proxy_call(s, c, 255, a, r); }

static void d0(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 0, rep); }
static void d1(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 1, rep); }
static void d2(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 2, rep); }
static void d3(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 3, rep); }
static void d4(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 4, rep); }
static void d5(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 5, rep); }
static void d6(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 6, rep); }
static void d7(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 7, rep); }
static void d8(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 8, rep); }
static void d9(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 9, rep); }
static void d10(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 10, rep); }
static void d11(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 11, rep); }
static void d12(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 12, rep); }
static void d13(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 13, rep); }
static void d14(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 14, rep); }
static void d15(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 15, rep); }
static void d16(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 16, rep); }
static void d17(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 17, rep); }
static void d18(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 18, rep); }
static void d19(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 19, rep); }
static void d20(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 20, rep); }
static void d21(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 21, rep); }
static void d22(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 22, rep); }
static void d23(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 23, rep); }
static void d24(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 24, rep); }
static void d25(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 25, rep); }
static void d26(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 26, rep); }
static void d27(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 27, rep); }
static void d28(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 28, rep); }
static void d29(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 29, rep); }
static void d30(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 30, rep); }
static void d31(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 31, rep); }
static void d32(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 32, rep); }
static void d33(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 33, rep); }
static void d34(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 34, rep); }
static void d35(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 35, rep); }
static void d36(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 36, rep); }
static void d37(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 37, rep); }
static void d38(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 38, rep); }
static void d39(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 39, rep); }
static void d40(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 40, rep); }
static void d41(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 41, rep); }
static void d42(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 42, rep); }
static void d43(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 43, rep); }
static void d44(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 44, rep); }
static void d45(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 45, rep); }
static void d46(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 46, rep); }
static void d47(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 47, rep); }
static void d48(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 48, rep); }
static void d49(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 49, rep); }
static void d50(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 50, rep); }
static void d51(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 51, rep); }
static void d52(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 52, rep); }
static void d53(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 53, rep); }
static void d54(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 54, rep); }
static void d55(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 55, rep); }
static void d56(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 56, rep); }
static void d57(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 57, rep); }
static void d58(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 58, rep); }
static void d59(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 59, rep); }
static void d60(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 60, rep); }
static void d61(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 61, rep); }
static void d62(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 62, rep); }
static void d63(void *s, uint32_t rep) { wp_rpc_proxy_drop(s, 63, rep); }

const wasmplug_plugin_fn wp_rpc_func_thunks[WP_RPC_MAX_THUNKS] = {
f0,f1,f2,f3,f4,f5,f6,f7,f8,f9,f10,f11,f12,f13,f14,f15,
f16,f17,f18,f19,f20,f21,f22,f23,f24,f25,f26,f27,f28,f29,f30,f31,
f32,f33,f34,f35,f36,f37,f38,f39,f40,f41,f42,f43,f44,f45,f46,f47,
f48,f49,f50,f51,f52,f53,f54,f55,f56,f57,f58,f59,f60,f61,f62,f63,
f64,f65,f66,f67,f68,f69,f70,f71,f72,f73,f74,f75,f76,f77,f78,f79,
f80,f81,f82,f83,f84,f85,f86,f87,f88,f89,f90,f91,f92,f93,f94,f95,
f96,f97,f98,f99,f100,f101,f102,f103,f104,f105,f106,f107,f108,f109,f110,f111,
f112,f113,f114,f115,f116,f117,f118,f119,f120,f121,f122,f123,f124,f125,f126,f127,
f128,f129,f130,f131,f132,f133,f134,f135,f136,f137,f138,f139,f140,f141,f142,f143,
f144,f145,f146,f147,f148,f149,f150,f151,f152,f153,f154,f155,f156,f157,f158,f159,
f160,f161,f162,f163,f164,f165,f166,f167,f168,f169,f170,f171,f172,f173,f174,f175,
f176,f177,f178,f179,f180,f181,f182,f183,f184,f185,f186,f187,f188,f189,f190,f191,
f192,f193,f194,f195,f196,f197,f198,f199,f200,f201,f202,f203,f204,f205,f206,f207,
f208,f209,f210,f211,f212,f213,f214,f215,f216,f217,f218,f219,f220,f221,f222,f223,
f224,f225,f226,f227,f228,f229,f230,f231,f232,f233,f234,f235,f236,f237,f238,f239,
f240,f241,f242,f243,f244,f245,f246,f247,f248,f249,f250,f251,f252,f253,f254,f255,
};

void (*const wp_rpc_drop_thunks[WP_RPC_MAX_DROP_THUNKS])(void *state, uint32_t rep) = {
d0,d1,d2,d3,d4,d5,d6,d7,d8,d9,d10,d11,d12,d13,d14,d15,
d16,d17,d18,d19,d20,d21,d22,d23,d24,d25,d26,d27,d28,d29,d30,d31,
d32,d33,d34,d35,d36,d37,d38,d39,d40,d41,d42,d43,d44,d45,d46,d47,
d48,d49,d50,d51,d52,d53,d54,d55,d56,d57,d58,d59,d60,d61,d62,d63,
};
