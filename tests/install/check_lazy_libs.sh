#!/bin/sh
# The HTTP libraries are loaded when first used, not at every start
# (issue 18, warm start; plugins/http/h_lib.h): neither the wasmplug
# program nor libwasmplug.so needs libcurl or libmicrohttpd, and a run that
# does not touch HTTP maps neither.  (That they load when used: ctest
# http_serve, which serves and fetches through both.)
# With a third argument "nolibm" (a build linking libffi and libseccomp
# statically, not sanitized): the wasmplug program needs no libm either,
# one library fewer for the loader on every start (src/core/tcc_mem.c has
# the baseline tier's rounding functions and libtcc's ldexp).
# usage: check_lazy_libs.sh WASMPLUG LIBWASMPLUG.so [nolibm]
set -u
W=$1 LIB=$2 NOLIBM=${3:-}
fails=0
for f in "$W" "$LIB"; do
  needed=$(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  [ -n "$needed" ] || { echo "FAIL: readelf -d $f lists no NEEDED libraries"; fails=$((fails + 1)); }
  case $needed in
  *curl* | *microhttpd*) echo "FAIL: $f is linked against an HTTP library: $(echo $needed)"; fails=$((fails + 1)) ;;
  esac
done
if [ "$NOLIBM" = nolibm ]; then
  needed=$(readelf -d "$W" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  case $needed in
  *libm.so*) echo "FAIL: $W needs libm: $(echo $needed)"; fails=$((fails + 1)) ;;
  esac
fi
# a program run that does not serve: the loader maps neither library
loaded=$(LD_DEBUG=files "$W" --help 2>&1 >/dev/null | grep -c 'file=lib\(curl\|microhttpd\)' || true)
if [ "$loaded" != 0 ]; then
  echo "FAIL: wasmplug --help loaded an HTTP library"; fails=$((fails + 1))
fi
[ $fails -eq 0 ] && echo "passed"
[ $fails -eq 0 ]
