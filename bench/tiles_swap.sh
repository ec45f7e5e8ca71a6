#!/usr/bin/env bash
# Tile cache under a budget (issue "Tiles"): a boxblur over 4096x4096 RGBA tiled frames
# (64 MiB each) with a 32 MiB tile cache, so cold tiles go to the swap file and come back,
# against the same pipeline with a cache that holds everything. Reports peak RSS (the
# process's ru_maxrss, from wait4), wall time, swapped bytes from --stats, the swap
# throughput against dd's sequential bandwidth on the disk of the swap dir, and checks
# that both runs wrote the same bytes. pattern=snow is the least compressible pattern testsrc
# has, but it is grey noise with opaque alpha: LZ4 still stores its tiles at about 3/4 size,
# so swapped bytes (counted raw) are more than the bytes that went to the swap file.
# Usage: bench/tiles_swap.sh [build-dir] [frames]
# Env: SWAP_BASE (where the temporary swap dir goes, default /tmp), DD_MIB (default 512).
set -euo pipefail
build=${1:-build}
frames=${2:-4}
tessera="$build/bin/tessera"
[ -x "$tessera" ] || { echo "tiles_swap: no $tessera (build the tessera target first)" >&2; exit 2; }
small_cache=32M
large_cache=4G
dd_mib=${DD_MIB:-512}
work=$(mktemp -d "${SWAP_BASE:-/tmp}/tessera-tiles-swap.XXXXXX")
trap 'rm -rf "$work"' EXIT

# measure OUT CMD...: runs CMD with stdout to OUT; prints "peak_rss_kib wall_s user_s sys_s
# disk_read_bytes" (ru_inblock: what the process read from the block device, not the page cache).
measure() {
  python3 - "$@" <<'EOF'
import os, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
with open(out, "wb") as f:
    start = time.monotonic()
    child = subprocess.Popen(cmd, stdout=f)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - start
code = os.waitstatus_to_exitcode(status)
if code != 0:
    sys.exit("tiles_swap: %s exited with %d" % (" ".join(cmd), code))
print(usage.ru_maxrss, "%.3f %.3f %.3f %d" % (wall, usage.ru_utime, usage.ru_stime, usage.ru_inblock * 512))
EOF
}

blur() {  # blur CACHE_SIZE OUTPUT_FILE STATS_FILE
  measure "$3" "$tessera" launch --cache-size "$1" --swap-dir "$work" --stats \
    "testsrc tiled=true width=4096 height=4096 num-buffers=$frames pattern=snow ! queue ! boxblur radius=5 ! filesink location=$2"
}

# dd_rate ARGS...: runs dd, prints its bytes/second (from the summary line on stderr).
dd_rate() {
  LC_ALL=C dd "$@" 2>&1 >/dev/null | python3 -c 'import re, sys
line = [l for l in sys.stdin.read().splitlines() if " copied, " in l][-1]
m = re.match(r"(\d+) bytes .* copied, ([0-9.e+-]+) s", line)
print("%.0f" % (int(m.group(1)) / float(m.group(2))))'
}

drop_page_cache() {
  sync
  { echo 3 > /proc/sys/vm/drop_caches; } 2>/dev/null
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
read -r base_rss _ < <(measure "$work/base.json" "$tessera" launch --stats "testsrc num-buffers=1 ! fakesink")
read -r small_rss small_wall small_user small_sys small_disk_read < <(blur "$small_cache" "$work/out_small.raw" "$work/small.json")
read -r large_rss large_wall large_user large_sys large_disk_read < <(blur "$large_cache" "$work/out_large.raw" "$work/large.json")
if cmp -s "$work/out_small.raw" "$work/out_large.raw"; then identical=yes; else identical=no; fi
rm -f "$work/out_small.raw" "$work/out_large.raw"

dd_write=$(dd_rate if=/dev/zero of="$work/dd.bin" bs=1M count="$dd_mib" conv=fdatasync)
dd_read_cached=$(dd_rate if="$work/dd.bin" of=/dev/null bs=1M)
if drop_page_cache; then
  read_how="page cache dropped"
  dd_read=$(dd_rate if="$work/dd.bin" of=/dev/null bs=1M)
elif dd_read=$(dd_rate if="$work/dd.bin" of=/dev/null bs=1M iflag=direct 2>/dev/null); then
  read_how="iflag=direct"
else
  read_how="page cache NOT dropped (no drop_caches, no O_DIRECT): a cached read"
  dd_read=$dd_read_cached
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$work" "$frames" "$base_rss" "$small_rss $small_wall $small_user $small_sys $small_disk_read" \
  "$large_rss $large_wall $large_user $large_sys $large_disk_read" \
  "$dd_write" "$dd_read" "$dd_read_cached" "$read_how" "$identical" "$small_cache" "$large_cache" \
  "$load_before" "$load_after" "$dd_mib" "$(df -P "$work" | awk 'NR==2 {print $1}')" <<'EOF'
import json, sys
(work, frames, base_rss, small_run, large_run, dd_write, dd_read,
 dd_read_cached, read_how, identical, small_cache, large_cache, load_before, load_after,
 dd_mib, device) = sys.argv[1:]
MiB = 1024 * 1024
small = json.load(open(work + "/small.json"))
large = json.load(open(work + "/large.json"))
small_rss, small_wall, small_user, small_sys, small_disk_read = map(float, small_run.split())
large_rss, large_wall, large_user, large_sys, large_disk_read = map(float, large_run.split())
base_rss = int(base_rss)
dd_write, dd_read, dd_read_cached = float(dd_write), float(dd_read), float(dd_read_cached)

def row(cache, stats, rss_kib, wall, user, sys_s, disk_read):
    t = stats["tiles"]
    out, inn, el = t["swapped_out_bytes"], t["swapped_in_bytes"], stats["elapsed_s"]
    print("| %s | %s | %.1f | %.3f | %.2f / %.2f | %.3f | %.1f | %.1f | %d / %d | %.0f | %.1f |" % (
        cache, frames, rss_kib / 1024, wall, user, sys_s, el, out / MiB, inn / MiB,
        t["cache_hits"], t["cache_misses"], (out + inn) / el / MiB, disk_read / MiB))

print("| cache | frames | peak RSS MiB | wall s | user / sys s | elapsed_s (stats) | swapped out MiB | swapped in MiB | hits / misses | swap MiB/s | read from disk MiB |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
row(small_cache, small, small_rss, small_wall, small_user, small_sys, small_disk_read)
row(large_cache, large, large_rss, large_wall, large_user, large_sys, large_disk_read)
print()
t, el = small["tiles"], small["elapsed_s"]
swap_rate = (t["swapped_out_bytes"] + t["swapped_in_bytes"]) / el
cache_mib = 32
print("| figure | value |")
print("|---|---:|")
print("| base RSS (`testsrc num-buffers=1 ! fakesink`) | %.1f MiB |" % (base_rss / 1024))
print("| peak RSS with %s cache - 32 MiB | %.1f MiB |" % (small_cache, small_rss / 1024 - cache_mib))
print("| peak RSS with %s cache - 32 MiB - base RSS | %.1f MiB |" % (small_cache, small_rss / 1024 - cache_mib - base_rss / 1024))
print("| peak RSS %s / %s | %.2f |" % (small_cache, large_cache, small_rss / large_rss))
print("| wall time %s / %s | %.2f |" % (small_cache, large_cache, small_wall / large_wall))
print("| dd write %d MiB, conv=fdatasync (%s) | %.0f MiB/s |" % (int(dd_mib), device, dd_write / MiB))
print("| dd read (%s) | %.0f MiB/s |" % (read_how, dd_read / MiB))
print("| dd read from the page cache | %.0f MiB/s |" % (dd_read_cached / MiB))
print("| swap throughput (out + in) / elapsed_s | %.0f MiB/s |" % (swap_rate / MiB))
print("| swap throughput / dd write | %.2f |" % (swap_rate / dd_write))
print("| swap throughput / dd read | %.2f |" % (swap_rate / dd_read))
print("| swap-out rate / dd write | %.2f |" % (t["swapped_out_bytes"] / el / dd_write))
print("| swap-in rate / dd read | %.2f |" % (t["swapped_in_bytes"] / el / dd_read))
print("| outputs byte-identical (cmp) | %s |" % identical)
print("| load average (1/5/15 min) before / after | %s / %s |" % (load_before, load_after))
EOF
if [ "$identical" != yes ]; then
  echo "tiles_swap: the $small_cache and $large_cache runs wrote different bytes" >&2
  exit 1
fi
