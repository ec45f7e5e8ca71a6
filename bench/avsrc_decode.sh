#!/usr/bin/env bash
# Decode 1080p H.264 to a sink that drops it, one run each, side by side:
#   tessera:   avsrc location=clip.mp4 ! fakesink           (FFmpeg's decoder, frames not copied)
#   ffmpeg:    ffmpeg -i clip.mp4 -f null -                  (the same libavcodec)
#   GStreamer: filesrc ! qtdemux ! h264parse ! avdec_h264 ! fakesink (gstreamer1.0-libav)
# Prints frames per second and peak RSS (GNU time's maximum resident set), and
# tessera's copied_bytes from --stats (0: the decoder's buffers reach the sink as is).
# The clip (10 s, 1920x1080, 25 fps) is made with the ffmpeg CLI in a temporary directory.
set -euo pipefail
build=${1:-build}
tessera=$build/bin/tessera
dir=$(mktemp -d /tmp/tessera-avbench-XXXXXX)
trap 'rm -rf "$dir"' EXIT
frames=250
ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=size=1920x1080:rate=25" -frames:v $frames \
  -c:v libx264 -preset veryfast -pix_fmt yuv420p "$dir/clip.mp4"

run() {  # name, command...: prints "name fps rss_mib"
  local name=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$dir/rss" "$@" >"$dir/out" 2>&1
  t1=$(date +%s.%N)
  awk -v n="$name" -v f=$frames -v a="$t0" -v b="$t1" -v r="$(tail -1 "$dir/rss")" \
    'BEGIN { printf "%-10s %8.1f fps %8.1f MiB peak RSS\n", n, f / (b - a), r / 1024 }'
}

run tessera "$tessera" launch --stats "avsrc location=$dir/clip.mp4 ! fakesink"
grep -o '"copied_bytes":[0-9]*' "$dir/out" | sed 's/^/tessera   /'
run ffmpeg ffmpeg -nostdin -v error -i "$dir/clip.mp4" -f null -
run gstreamer gst-launch-1.0 -q filesrc location="$dir/clip.mp4" ! qtdemux ! h264parse ! avdec_h264 ! fakesink
