#!/usr/bin/env python3
"""Live timing side by side with GStreamer: latency and QoS, in one run.

Each case runs the same live pipeline under gst-launch-1.0 and `tessera launch`
(same elements, same properties) and prints, per tool: the wall time, the buffers the
qos transform skipped, and the buffers the sink rendered and dropped.

Cases (30 fps live test source, 90 frames = 3 s of stream):
  qos        -> videoconvert qos=true ! identity sleep 70 ms ! fakesink sync qos
                (processing slower than real time: QoS must make upstream skip)
  qos-ml20   -> the same with max-lateness=20 ms on the sink
  latency25  -> identity sleep 25 ms ! sink with a video sink's defaults (qos,
                max-lateness 20 ms): within the latency, nothing dropped
  latency50-qos -> videoconvert qos=true ! identity sleep 50 ms ! the same sink:
                QoS skips what would be late, the rest is shown

GStreamer's figures come from `-m -v`: the qos messages of the transform (dropped)
and the sink (processed, dropped), and the fakesink "chain" lines (rendered).
tessera's come from `--stats` (elements.<name>.qos_dropped / rendered / dropped).

Usage: bench/live_qos.py [build-dir]   (FRAMES=90 by default)
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time

build = sys.argv[1] if len(sys.argv) > 1 else "build"
tessera = os.path.join(build, "bin", "tessera")
frames = int(os.environ.get("FRAMES", "90"))

CASES = [
    ("qos",
     f"videotestsrc is-live=true num-buffers={frames} ! videoconvert qos=true ! identity sleep-time=70000 ! "
     "fakesink name=out sync=true qos=true silent=false",
     f"testsrc is-live=true num-buffers={frames} ! videoconvert qos=true ! identity sleep-us=70000 ! "
     "fakesink name=out sync=true qos=true",
     "videoconvert0"),
    ("qos-ml20",
     f"videotestsrc is-live=true num-buffers={frames} ! videoconvert qos=true ! identity sleep-time=70000 ! "
     "fakesink name=out sync=true qos=true max-lateness=20000000 silent=false",
     f"testsrc is-live=true num-buffers={frames} ! videoconvert qos=true ! identity sleep-us=70000 ! "
     "fakesink name=out sync=true qos=true max-lateness=20000000",
     "videoconvert0"),
    ("latency25",
     f"videotestsrc is-live=true num-buffers={frames} ! identity sleep-time=25000 ! "
     "fakesink name=out sync=true qos=true max-lateness=20000000 silent=false",
     f"testsrc is-live=true num-buffers={frames} ! identity sleep-us=25000 ! "
     "fakesink name=out sync=true qos=true max-lateness=20000000",
     None),
    ("latency50-qos",
     f"videotestsrc is-live=true num-buffers={frames} ! videoconvert qos=true ! identity sleep-time=50000 ! "
     "fakesink name=out sync=true qos=true max-lateness=20000000 silent=false",
     f"testsrc is-live=true num-buffers={frames} ! videoconvert qos=true ! identity sleep-us=50000 ! "
     "fakesink name=out sync=true qos=true max-lateness=20000000",
     "videoconvert0"),
]


def run(cmd):
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
    return time.monotonic() - t0, p.returncode, p.stdout


def gst_case(desc, xform):
    wall, rc, out = run(["gst-launch-1.0", "-m", "-v"] + desc.split())
    rendered = len(re.findall(r"last-message = chain", out))
    skipped = sink_dropped = 0
    for line in out.splitlines():
        m = re.search(r'from element "([^"]+)" \(qos\).*dropped=\(guint64\)(\d+)', line)
        if m:
            if xform and m.group(1) == xform:
                skipped = max(skipped, int(m.group(2)))
            elif m.group(1) == "out":
                sink_dropped = max(sink_dropped, int(m.group(2)))
    return {"wall_s": wall, "rc": rc, "skipped": skipped, "rendered": rendered, "sink_dropped": sink_dropped}


def tessera_case(desc, xform):
    wall, rc, out = run([tessera, "launch", "--stats", desc])
    stats = {}
    for line in out.splitlines():
        if line.startswith("{"):
            stats = json.loads(line)
    el = stats.get("elements", {})
    sink = el.get("out", {})
    return {"wall_s": wall, "rc": rc, "skipped": el.get(xform, {}).get("qos_dropped", 0) if xform else 0,
            "rendered": sink.get("rendered", 0), "sink_dropped": sink.get("dropped", 0)}


def main():
    if not shutil.which("gst-launch-1.0"):
        print("gst-launch-1.0 missing: scripts/install-deps bench", file=sys.stderr)
        return 1
    print(f"Live timing, {frames} frames at 30 fps per run, one run each, load {os.getloadavg()[0]:.1f}\n")
    print("| case | tool | wall s | transform skipped | sink rendered | sink dropped |")
    print("|---|---|---:|---:|---:|---:|")
    for name, gst_desc, tes_desc, xform in CASES:
        g = gst_case(gst_desc, xform)
        t = tessera_case(tes_desc, xform)
        for tool, r in (("GStreamer", g), ("tessera", t)):
            print(f"| {name} | {tool} | {r['wall_s']:.2f} | {r['skipped']} | {r['rendered']} | {r['sink_dropped']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
