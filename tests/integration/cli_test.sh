#!/usr/bin/env bash
# The binary answers --help and --version and refuses unknown commands with exit 2.
set -euo pipefail
bin=${1:-build}/bin/tessera
"$bin" --help | grep -q "usage: tessera"
"$bin" --version | grep -Eq "^tessera [0-9]+\.[0-9]+\.[0-9]+$"
set +e
"$bin" frobnicate 2>/dev/null; rc=$?
set -e
[ "$rc" = 2 ] || { echo "unknown command exited $rc, want 2" >&2; exit 1; }
for c in serve launch inspect; do "$bin" $c --help >/dev/null; done
echo "cli ok"
