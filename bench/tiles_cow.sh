#!/usr/bin/env bash
# Tile-level copy-on-write (issue "Tiles"): bytes copied by a 16x16 drawbox on one
# branch of a tee'd 1920x1088 RGBA frame, linear frames against tiled ones (64x64
# tiles). The tee shares each frame with the other branch, so drawbox must copy
# before it writes: the whole frame when linear, only the touched tiles when tiled.
# Usage: bench/tiles_cow.sh [build-dir] [frames]
set -euo pipefail
build=${1:-build}
frames=${2:-30}
tessera="$build/bin/tessera"
row() {
  local layout=$1
  "$tessera" launch --stats "testsrc tiled=$2 width=1920 height=1088 num-buffers=$frames ! tee name=t \
      t. ! queue ! drawbox x=100 y=100 w=16 h=16 ! fakesink  t. ! queue ! fakesink" |
    python3 -c 'import json, sys
d = json.load(sys.stdin)
m, n = d["memory"], int(sys.argv[2])
print("| %s | %d | %d | %d | %d | %.3f |" % (sys.argv[1], n, m["copied_bytes"], m["copied_bytes"] // n,
                                           m["peak_bytes"], d["elapsed_s"]))' "$layout" "$frames"
}
echo "| layout | frames | bytes copied | per frame | peak bytes | elapsed s |"
echo "|---|---:|---:|---:|---:|---:|"
row linear false
row tiled true
