#!/usr/bin/env bash
# Side by side with GStreamer, in the same run.
# Section "engine" (issue "Engine"): buffers per second of
#   fakesrc num-buffers=N size=64 ! identity xK ! fakesink      (K = 0, 1, 5, 10)
# and of fakesrc ! tee ! W x (queue ! fakesink) for W = 2, 4, against gst-launch-1.0
# with the equivalent elements.
# Section "video" (issue 6): frames per second of
#   testsrc pattern=smpte ! <caps> ! videoconvert | videoscale | jpegenc ! fakesink
# against videotestsrc pattern=smpte with the same caps and element: RGBA->GRAY8 at
# 640x480 and 1920x1080, RGBA 1080p->720p (bilinear on both sides), RGB->JPEG
# quality 80 at 640x480 and 1080p (GStreamer's jpegenc takes no RGBA).
# Each command runs 3 times; the fastest run counts (the machines are noisy).
# Prints markdown tables: wall times, the ratio (GStreamer time / tessera time) and,
# for the engine, the cost per element per buffer from the K=0 baseline of each tool.
# Usage: bench/pipeline_vs_gst.sh [build-dir]; SECTIONS="engine video" (default both),
# N (engine buffers), VIDEO_SCALE (multiplies the video frame counts, default 1).
set -euo pipefail
build=${1:-build}
tessera=$build/bin/tessera
N=${N:-2000000}
SECTIONS=${SECTIONS:-"engine video"}
VIDEO_SCALE=${VIDEO_SCALE:-1}
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v gst-launch-1.0 >/dev/null; then
  "$here/../scripts/install-deps" bench
  command -v gst-launch-1.0 >/dev/null || { echo "gst-launch-1.0 missing: scripts/install-deps bench" >&2; exit 1; }
fi

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

element_ratio() {  # element_ratio <tessera ns> <gst ns>: "n/a" when tessera's cost is lost in the noise
  if [ "$(echo "$1 <= 0" | bc -l)" = 1 ]; then echo "n/a"; else echo "$2 / $1" | bc -l | xargs printf "%.1fx"; fi
}

engine_rows() {
  echo "## Pipeline throughput vs GStreamer ($(nproc) cores, N=$N buffers of 64 bytes, best of 3)"
  echo
  echo "| pipeline | tessera s | gst-launch s | tessera Mbuf/s | gst Mbuf/s | ratio (gst/tessera time) | tessera ns/elem/buf | gst ns/elem/buf | ratio per element (gst/tessera ns) | tessera bytes copied |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  t_base=""; g_base=""
  for K in 0 1 5 10; do
    tp="fakesrc num-buffers=$N size=64$(chain identity "$K") ! fakesink"
    gp="fakesrc num-buffers=$N sizetype=fixed sizemax=64 filltype=nothing$(chain 'identity silent=true' "$K") ! fakesink"
    t=$(best_time "$tessera" launch "$tp")
    # shellcheck disable=SC2086
    g=$(best_time gst-launch-1.0 -q $gp)
    [ "$K" = 0 ] && { t_base=$t; g_base=$g; }
    if [ "$K" = 0 ]; then tn="-"; gn="-"; en="-"; else
      tn=$(echo "($t - $t_base) * 1000000000 / ($K * $N)" | bc -l | xargs printf "%.1f")
      gn=$(echo "($g - $g_base) * 1000000000 / ($K * $N)" | bc -l | xargs printf "%.1f")
      en=$(element_ratio "$tn" "$gn")
    fi
    printf "| identity x%s | %.3f | %.3f | %.2f | %.2f | %.1fx | %s | %s | %s | %s |\n" "$K" "$t" "$g" \
      "$(echo "$N / $t / 1000000" | bc -l)" "$(echo "$N / $g / 1000000" | bc -l)" "$(echo "$g / $t" | bc -l)" \
      "$tn" "$gn" "$en" "$(copied_bytes "$tp")"
  done
  # Tee rows: fakesrc ! tee ! W x (queue ! fakesink), default queue and fakesink
  # settings on both sides (tessera's queue defaults are GStreamer's: 200 buffers,
  # 10 MiB, 1 s). Against the K=0 run (fakesrc ! fakesink) these add 2W elements
  # (the tee, W queues, W-1 more sinks), so ns/elem/buf = (time - K0) / (2W * N).
  for W in 2 4; do
    tp="fakesrc num-buffers=$N size=64 ! tee name=t"
    gp="fakesrc num-buffers=$N sizetype=fixed sizemax=64 filltype=nothing ! tee name=t"
    for ((i = 0; i < W; i++)); do tp+=" t. ! queue ! fakesink"; gp+=" t. ! queue ! fakesink"; done
    t=$(best_time "$tessera" launch "$tp")
    # shellcheck disable=SC2086
    g=$(best_time gst-launch-1.0 -q $gp)
    tn=$(echo "($t - $t_base) * 1000000000 / (2 * $W * $N)" | bc -l | xargs printf "%.1f")
    gn=$(echo "($g - $g_base) * 1000000000 / (2 * $W * $N)" | bc -l | xargs printf "%.1f")
    printf "| tee %s-way (queue ! fakesink each) | %.3f | %.3f | %.2f | %.2f | %.1fx | %s | %s | %s | %s |\n" "$W" "$t" "$g" \
      "$(echo "$N / $t / 1000000" | bc -l)" "$(echo "$N / $g / 1000000" | bc -l)" "$(echo "$g / $t" | bc -l)" \
      "$tn" "$gn" "$(element_ratio "$tn" "$gn")" "$(copied_bytes "$tp")"
  done
}

video_rows() {
  echo
  echo "## Video elements vs GStreamer ($(nproc) cores, frames per second, best of 3, start-up included)"
  echo
  echo "| pipeline | frames | tessera s | gst-launch s | tessera fps | gst fps | ratio (gst/tessera time) | tessera ms/frame in the element | gst ms/frame in the element | ratio (gst/tessera element) |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  # name | frames | caps in | element (both tools) | caps out (may be empty)
  local rows=(
    "videoconvert RGBA->GRAY8 640x480|6000|format=RGBA,width=640,height=480|videoconvert|video/x-raw,format=GRAY8"
    "videoconvert RGBA->GRAY8 1920x1080|1000|format=RGBA,width=1920,height=1080|videoconvert|video/x-raw,format=GRAY8"
    "videoscale RGBA 1920x1080->1280x720 bilinear|1500|format=RGBA,width=1920,height=1080|videoscale method=bilinear|video/x-raw,width=1280,height=720"
    "jpegenc quality=80 RGB 640x480|1500|format=RGB,width=640,height=480|jpegenc quality=80|"
    "jpegenc quality=80 RGB 1920x1080|250|format=RGB,width=1920,height=1080|jpegenc quality=80|"
  )
  for row in "${rows[@]}"; do
    IFS='|' read -r name frames in_caps element out_caps <<<"$row"
    frames=$((frames * VIDEO_SCALE))
    local tail=" ! $element"
    [ -n "$out_caps" ] && tail+=" ! $out_caps"
    tail+=" ! fakesink sync=false"
    local tp="testsrc num-buffers=$frames pattern=smpte ! video/x-raw,$in_caps,framerate=30/1$tail"
    local gp="videotestsrc num-buffers=$frames pattern=smpte ! video/x-raw,$in_caps,framerate=30/1$tail"
    # The sources alone (same caps, straight into fakesink): the two test sources
    # do not cost the same, so the element's own cost per frame is (row - source).
    local tb="testsrc num-buffers=$frames pattern=smpte ! video/x-raw,$in_caps,framerate=30/1 ! fakesink sync=false"
    local gb="videotestsrc num-buffers=$frames pattern=smpte ! video/x-raw,$in_caps,framerate=30/1 ! fakesink sync=false"
    local t g t0 g0 te ge
    t=$(best_time "$tessera" launch "$tp")
    t0=$(best_time "$tessera" launch "$tb")
    # shellcheck disable=SC2086
    g=$(best_time gst-launch-1.0 -q $gp)
    # shellcheck disable=SC2086
    g0=$(best_time gst-launch-1.0 -q $gb)
    te=$(echo "($t - $t0) * 1000 / $frames" | bc -l)
    ge=$(echo "($g - $g0) * 1000 / $frames" | bc -l)
    printf "| %s | %s | %.3f | %.3f | %.0f | %.0f | %.2fx | %.3f | %.3f | %.2fx |\n" "$name" "$frames" "$t" "$g" \
      "$(echo "$frames / $t" | bc -l)" "$(echo "$frames / $g" | bc -l)" "$(echo "$g / $t" | bc -l)" \
      "$te" "$ge" "$(echo "$ge / $te" | bc -l)"
  done
}

for section in $SECTIONS; do
  case "$section" in
    engine) engine_rows ;;
    video) video_rows ;;
    *) echo "unknown section '$section' (known: engine, video)" >&2; exit 2 ;;
  esac
done
