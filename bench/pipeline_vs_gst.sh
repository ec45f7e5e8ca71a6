#!/usr/bin/env bash
# Side by side with GStreamer, in the same run (issue "Engine"): buffers per second of
#   fakesrc num-buffers=N size=64 ! identity xK ! fakesink      (K = 0, 1, 5, 10)
# and of a 2- and 4-way tee, against gst-launch-1.0 with the equivalent elements.
# Each command runs 3 times; the fastest run counts (the machines are noisy).
# Prints a markdown table: wall times, the ratio (GStreamer time / tessera time) and
# the cost per element per buffer, derived from the K=0 baseline of the same tool.
set -euo pipefail
build=${1:-build}
tessera=$build/bin/tessera
N=${N:-2000000}
command -v gst-launch-1.0 >/dev/null || { echo "gst-launch-1.0 missing: scripts/install-deps bench" >&2; exit 1; }

best_time() {  # best wall time in seconds of 3 runs of "$@"
  local best=""
  for _ in 1 2 3; do
    local t0 t1 dt
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s.%N)
    dt=$(echo "$t1 - $t0" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$dt < $best" | bc -l)" = 1 ]; then best=$dt; fi
  done
  echo "$best"
}

chain() {  # chain <identity-text> <K>
  local s=""
  for ((i = 0; i < $2; i++)); do s+=" ! $1"; done
  echo "$s"
}

copied_bytes() {
  "$tessera" launch --stats "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["memory"]["copied_bytes"])'
}

echo "## Pipeline throughput vs GStreamer ($(nproc) cores, N=$N buffers of 64 bytes, best of 3)"
echo
echo "| pipeline | tessera s | gst-launch s | tessera Mbuf/s | gst Mbuf/s | ratio (gst/tessera time) | tessera ns/elem/buf | gst ns/elem/buf | tessera bytes copied |"
echo "|---|---|---|---|---|---|---|---|---|"
t_base=""; g_base=""
for K in 0 1 5 10; do
  tp="fakesrc num-buffers=$N size=64$(chain identity "$K") ! fakesink"
  gp="fakesrc num-buffers=$N sizetype=fixed sizemax=64 filltype=nothing$(chain 'identity silent=true' "$K") ! fakesink"
  t=$(best_time "$tessera" launch "$tp")
  # shellcheck disable=SC2086
  g=$(best_time gst-launch-1.0 -q $gp)
  [ "$K" = 0 ] && { t_base=$t; g_base=$g; }
  if [ "$K" = 0 ]; then tn="-"; gn="-"; else
    tn=$(echo "($t - $t_base) * 1000000000 / ($K * $N)" | bc -l | xargs printf "%.1f")
    gn=$(echo "($g - $g_base) * 1000000000 / ($K * $N)" | bc -l | xargs printf "%.1f")
  fi
  printf "| identity x%s | %.3f | %.3f | %.2f | %.2f | %.1fx | %s | %s | %s |\n" "$K" "$t" "$g" \
    "$(echo "$N / $t / 1000000" | bc -l)" "$(echo "$N / $g / 1000000" | bc -l)" "$(echo "$g / $t" | bc -l)" \
    "$tn" "$gn" "$(copied_bytes "$tp")"
done
for W in 2 4; do
  tp="fakesrc num-buffers=$N size=64 ! tee name=t"
  gp="fakesrc num-buffers=$N sizetype=fixed sizemax=64 filltype=nothing ! tee name=t"
  for ((i = 0; i < W; i++)); do tp+=" t. ! fakesink async=false"; gp+=" t. ! fakesink async=false"; done
  t=$(best_time "$tessera" launch "$tp")
  # shellcheck disable=SC2086
  g=$(best_time gst-launch-1.0 -q $gp)
  printf "| tee %s-way | %.3f | %.3f | %.2f | %.2f | %.1fx | - | - | %s |\n" "$W" "$t" "$g" \
    "$(echo "$N / $t / 1000000" | bc -l)" "$(echo "$N / $g / 1000000" | bc -l)" "$(echo "$g / $t" | bc -l)" \
    "$(copied_bytes "$tp")"
done
