#!/bin/sh
# seed.sh SHARED_UI_DIR OUT_DIR — copies every .wit file of the shared
# conformance cases (valid and parse-fail) into a flat seed corpus.
set -eu
mkdir -p "$2"
cd "$1"
find . -name '*.wit' | while read -r f; do
  cp "$f" "$2/s$(echo "$f" | tr '/' '_')"
done
