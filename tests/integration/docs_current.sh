#!/usr/bin/env bash
# docs/elements.md must be what scripts/gen-elements-doc makes from this build's
# `tessera inspect --json`: an element, pad or property changed without regenerating
# the catalogue fails here, with the command that fixes it.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
case "$build" in /*) ;; *) build="$PWD/$build" ;; esac
if ! "$root/scripts/gen-elements-doc" --tessera "$build/bin/tessera" --output "$root/docs/elements.md" --check; then
  echo "docs_current: FAILED: docs/elements.md is out of date." >&2
  echo "docs_current: run  scripts/gen-elements-doc --tessera $build/bin/tessera  and commit docs/elements.md" >&2
  exit 1
fi
echo "docs_current: docs/elements.md is current"
