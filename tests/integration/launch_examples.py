#!/usr/bin/env python3
"""`tessera launch` and `tessera inspect` as a user runs them: the pipelines the README
shows, their --stats JSON, the exit codes 0/1/2 with one clear line on stderr, -m (every
bus message) and -v (every pad's caps) in gst-launch's shapes, and Ctrl-C (SIGINT)
ending a live pipeline through EOS. Every wait is bounded."""

import atexit
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
TESSERA = os.path.join(BUILD, "bin", "tessera")
TIMEOUT = 60  # seconds per command; generous for a loaded 2-core CI machine

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def launch(description, *flags):
    r = subprocess.run([TESSERA, "launch", *flags, description], capture_output=True, text=True,
                       timeout=TIMEOUT)
    return r.returncode, r.stdout, r.stderr


def stats_of(out, description):
    try:
        return json.loads(out)
    except json.JSONDecodeError as e:
        check(False, f"--stats of {description!r} is not one JSON object ({e}): {out[:200]!r}")
        return None


# Pipelines from docs/pipelines.md and README, made finite with num-buffers (README's
# /tmp/out.mjpeg goes to a temporary directory here).
README_DIR = tempfile.mkdtemp(prefix="tessera-readme-")
atexit.register(shutil.rmtree, README_DIR, ignore_errors=True)
README_MJPEG = os.path.join(README_DIR, "out.mjpeg")
EXAMPLES = [
    ("testsrc pattern=ball width=640 height=480 num-buffers=5 ! video/x-raw,format=GRAY8 ! invert ! "
     "websink name=out", 5, 640 * 480),
    ("testsrc num-buffers=5 ! tee name=t  t. ! queue ! websink name=a  t. ! queue ! invert ! websink name=b",
     10, None),
    ("testsrc num-buffers=100 ! video/x-raw,format=GRAY8 ! invert ! fakesink", 100, None),
    ("fakesrc num-buffers=100 ! tee name=t  t. ! queue ! fakesink  t. ! queue ! fakesink", 200, None),
    ("testsrc pattern=ball num-buffers=60 ! websink name=out", 60, None),
    ("testsrc num-buffers=3 ! videoconvert ! video/x-raw,format=RGB ! fakesink", 3, None),
    ("audiotestsrc num-buffers=10 ! audioconvert ! volume volume=0.5 ! fakesink", 10, None),
    (f"testsrc num-buffers=30 ! jpegenc quality=80 ! filesink location={README_MJPEG}", 30, None),
]

for description, buffers, frame_bytes in EXAMPLES:
    rc, out, err = launch(description, "--stats")
    check(rc == 0, f"{description!r} exited {rc}: {err.strip()}")
    s = stats_of(out, description)
    if s is None:
        continue
    check(s.get("buffers") == buffers, f"{description!r}: buffers {s.get('buffers')}, want {buffers}")
    if frame_bytes is not None:
        check(s.get("bytes") == buffers * frame_bytes,
              f"{description!r}: bytes {s.get('bytes')}, want {buffers * frame_bytes}")
    for key in ("elapsed_s", "memory", "tiles", "qos", "elements"):
        check(key in s, f"{description!r}: --stats lacks {key}")
    for key in ("allocated_bytes", "copied_bytes", "copies", "peak_bytes"):
        check(key in s.get("memory", {}), f"{description!r}: --stats memory lacks {key}")

# A passthrough chain copies nothing.
rc, out, err = launch("fakesrc num-buffers=50 size=4096 ! identity ! identity ! fakesink", "--stats")
s = stats_of(out, "identity chain")
check(rc == 0 and s is not None and s["memory"]["copies"] == 0, f"identity chain copied: {out[:200]}")

# Bad descriptions: exit 2 with the position or the link problem named.
for description, needle in [
    ("testsrc ! invret", '1:11: no element "invret"'),
    ("testsrc ! ", "1:"),
    ("testsrc nosuch=1 ! fakesink", "nosuch"),
    ("testsrc width=abc ! fakesink", "width"),
    ("testsrc ! audio/x-raw ! fakesink", "testsrc0"),
]:
    rc, out, err = launch(description)
    check(rc == 2, f"{description!r} exited {rc}, want 2")
    check(needle in err, f"{description!r}: stderr {err.strip()!r} does not name {needle!r}")
    check(len(err.strip().splitlines()) == 1, f"{description!r}: stderr is not one line: {err!r}")

# Bins group elements as in gst-launch; enum values by GStreamer's number or any case.
for description in ("testsrc num-buffers=3 ! ( invert ! queue ) ! fakesink",
                    "testsrc pattern=BALL num-buffers=3 ! bin.( name=fx videoconvert ! invert ) ! fakesink",
                    "testsrc pattern=18 num-buffers=3 ! fakesink"):
    rc, out, err = launch(description, "--stats")
    check(rc == 0, f"{description!r} exited {rc}: {err.strip()}")
    s = stats_of(out, description)
    check(s is not None and s.get("buffers") == 3, f"{description!r}: buffers {s and s.get('buffers')}, want 3")
for description, needle in [("testsrc ! ( invert ! fakesink", '1:11: unclosed "("'),
                            ("testsrc pattern=99 ! fakesink", "ball (18)")]:
    rc, out, err = launch(description)
    check(rc == 2 and needle in err and len(err.strip().splitlines()) == 1,
          f"{description!r}: exit {rc}, stderr {err.strip()!r}, want 2 and {needle!r}")

# A source adopts the size downstream asks for behind videoscale: 640x360 frames made,
# none scaled (videoscale passes them through, so nothing is copied).
rc, out, err = launch("testsrc num-buffers=2 ! videoscale ! video/x-raw,width=640,height=360 ! fakesink",
                      "--stats")
s = stats_of(out, "videoscale adoption")
check(rc == 0 and s is not None and s.get("bytes") == 2 * 640 * 360 * 4,
      f"testsrc ! videoscale ! 640x360: rc {rc}, bytes {s and s.get('bytes')}, want {2 * 640 * 360 * 4}")
check(s is not None and s["memory"]["copied_bytes"] == 0, f"videoscale scaled or copied: {out[:300]}")

# Bytes without caps into an encoder: a not-negotiated error on one line, as
# gst-launch-1.0 fakesrc ! jpegenc ! fakesink; nothing is encoded. launch exits 2 for
# a description that does not negotiate (gst-launch exits 1 for every error).
rc, out, err = launch("fakesrc num-buffers=2 size=64 filltype=random ! jpegenc ! fakesink", "--stats")
check(rc == 2, f"fakesrc ! jpegenc exited {rc}, want 2 ({err.strip()!r})")
s = stats_of(out, "fakesrc ! jpegenc")
check(s is not None and s.get("buffers") == 0, f"fakesrc ! jpegenc encoded something: {out[:200]}")
check("jpegenc0" in err and "caps" in err and len(err.strip().splitlines()) == 1, f"fakesrc ! jpegenc stderr: {err!r}")

# A runtime error: exit 1, the element named on one line.
rc, out, err = launch("testsrc num-buffers=10 ! identity error-after=2 ! fakesink")
check(rc == 1, f"error-after exited {rc}, want 1")
check("identity0" in err and len(err.strip().splitlines()) == 1, f"error-after stderr: {err!r}")
check("identity0: identity0" not in err, f"error-after names its element twice: {err!r}")

# Usage errors: exit 2.
for args in ([TESSERA, "launch"], [TESSERA, "launch", "--nonsense", "fakesrc ! fakesink"]):
    r = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT)
    check(r.returncode == 2, f"{args[1:]} exited {r.returncode}, want 2")

# The tile cache flags: a bad size or a missing swap dir is a usage error naming it;
# a good pair runs, and the swap file does not outlive the run (docs/deploy.md).
for flags, needle in [(["--cache-size", "12Q"], "--cache-size 12Q"),
                      (["--cache-size", "0"], "--cache-size 0"),
                      (["--swap-dir", "/nonexistent/tessera-swap"], "/nonexistent/tessera-swap")]:
    rc, out, err = launch("fakesrc num-buffers=1 ! fakesink", *flags)
    check(rc == 2 and needle in err, f"launch {flags}: exit {rc}, stderr {err.strip()!r}")
with tempfile.TemporaryDirectory() as d:
    rc, out, err = launch("testsrc tiled=true num-buffers=3 ! drawbox x=4 y=4 w=16 h=16 ! fakesink",
                          "--stats", "--cache-size=8M", f"--swap-dir={d}")
    check(rc == 0, f"launch with --cache-size/--swap-dir exited {rc}: {err.strip()}")
    s = stats_of(out, "tile cache flags")
    check(s is not None and "cache_hits" in s.get("tiles", {}), f"tile cache flags: --stats tiles {out!r}")
    check(os.listdir(d) == [], f"the swap dir still holds {os.listdir(d)} after launch exited")

# A file round trip through filesrc/filesink: the bytes arrive unchanged.
with tempfile.TemporaryDirectory() as d:
    src, dst = os.path.join(d, "in.bin"), os.path.join(d, "out.bin")
    data = os.urandom(1 << 20)
    with open(src, "wb") as f:
        f.write(data)
    rc, out, err = launch(f'filesrc location="{src}" blocksize=65536 ! filesink location="{dst}"')
    check(rc == 0, f"file copy exited {rc}: {err.strip()}")
    with open(dst, "rb") as f:
        check(f.read() == data, "filesrc ! filesink changed the bytes")
    rc, out, err = launch(f'filesrc location="{os.path.join(d, "missing")}" ! fakesink')
    check(rc == 1 and "missing" in err, f"missing file: rc {rc}, stderr {err!r}")
    check("filesrc0: filesrc0" not in err, f"missing file names filesrc0 twice: {err!r}")
    # A warning (a short last frame) names its element once too.
    short = os.path.join(d, "short.gray")
    with open(short, "wb") as f:
        f.write(bytes(3 * 32 + 5))
    rc, out, err = launch(f'filesrc location="{short}" ! rawvideoparse width=8 height=4 format=GRAY8 ! fakesink')
    check(rc == 0 and "rawvideoparse0" in err and "dropping 5 bytes" in err,
          f"short last frame: rc {rc}, stderr {err!r}")
    check("rawvideoparse0: rawvideoparse0" not in err, f"the warning names rawvideoparse0 twice: {err!r}")

# Tiled frames through crop and videoconvert (the capsfilter makes sure they stay
# tiled; a 64 KiB tile cache swaps most tiles out and back in on the way): filesink
# writes the same bytes as for the linear pipeline.
with tempfile.TemporaryDirectory() as d:
    for middle in ("crop left=64 top=64 right=10 bottom=3", "crop left=13 right=2 top=5 bottom=7",
                   # RGBA first, or testsrc would draw the converted format itself.
                   "video/x-raw,format=RGBA ! videoconvert ! video/x-raw,format=GRAY8",
                   "video/x-raw,format=RGBA ! crop left=3 top=70 ! videoconvert ! video/x-raw,format=RGB"):
        written = []
        for tiled, check_layout, flags in (("false", "", []),
                                           ("true", " ! video/x-raw,layout=tiled", ["--cache-size=64K", f"--swap-dir={d}"])):
            path = os.path.join(d, f"tiled-{tiled}.raw")
            rc, out, err = launch(f"testsrc pattern=smpte num-buffers=3 width=200 height=150 tiled={tiled} ! "
                                  f'{middle}{check_layout} ! filesink location="{path}"', *flags)
            check(rc == 0, f"tiled={tiled} {middle}: exit {rc}: {err.strip()}")
            with open(path, "rb") as f:
                written.append(f.read())
        check(len(written[0]) > 0 and written[0] == written[1],
              f"{middle}: tiled frames wrote other bytes than linear ones ({len(written[1])} vs {len(written[0])})")

# -m: every bus message as gst-launch -m prints it, numbered from 1, ending with the EOS.
rc, out, err = launch("testsrc num-buffers=3 ! fakesink", "-m")
check(rc == 0, f"-m exited {rc}: {err.strip()}")
line_re = re.compile(r'^Got message #(\d+) from element "([^"]+)" \(([a-z-]+)\): (.+)$')
got = [line_re.match(l) for l in out.splitlines()]
check(got and all(got), f"-m printed lines of another shape: {out[:400]!r}")
got = [(int(m[1]), m[2], m[3], m[4]) for m in got if m]
check([n for n, *_ in got] == list(range(1, len(got) + 1)), f"-m numbers: {[n for n, *_ in got]}")
seen = [(src, kind, details) for _, src, kind, details in got]
for want in [("pipeline0", "stream-start", "no message details"),
             ("pipeline0", "async-done", "no message details"),
             ("fakesink0", "state-changed", "old=null, new=ready, pending=void-pending"),
             ("testsrc0", "state-changed", "old=ready, new=paused, pending=void-pending"),
             ("fakesink0", "state-changed", "old=ready, new=paused, pending=void-pending"),
             ("pipeline0", "state-changed", "old=null, new=ready, pending=playing"),
             ("pipeline0", "state-changed", "old=paused, new=playing, pending=void-pending")]:
    check(want in seen, f"-m lacks {want}: {seen}")
check(seen and seen[-1] == ("pipeline0", "eos", "no message details"), f"-m does not end with the EOS: {seen[-1:]}")
kinds = [k for _, k, _ in seen]
if "stream-start" in kinds and "async-done" in kinds:
    check(kinds.index("stream-start") < kinds.index("async-done"), f"-m order: {kinds}")

# -v: one caps line for every linked pad, "/pipeline0/<element>.<pad>: caps = <caps>".
rc, out, err = launch("testsrc num-buffers=2 width=64 height=48 ! tee name=t  t. ! queue ! fakesink  "
                      "t. ! queue ! videoconvert ! video/x-raw,format=GRAY8 ! fakesink", "-v")
check(rc == 0, f"-v exited {rc}: {err.strip()}")
caps_of = {}
for l in out.splitlines():
    m = re.match(r"^/pipeline0/(\S+): caps = (\S+)$", l)
    check(m is not None, f"-v printed a line of another shape: {l!r}")
    if m:
        caps_of[m[1]] = m[2]
pads = {"testsrc0.src", "t.sink", "t.src_0", "t.src_1", "queue0.sink", "queue0.src", "fakesink0.sink",
        "queue1.sink", "queue1.src", "videoconvert0.sink", "videoconvert0.src", "capsfilter0.sink",
        "capsfilter0.src", "fakesink1.sink"}
check(set(caps_of) == pads, f"-v pads: missing {sorted(pads - set(caps_of))}, extra {sorted(set(caps_of) - pads)}")
check(caps_of.get("testsrc0.src", "").startswith("video/x-raw,") and "width=64" in caps_of.get("testsrc0.src", ""),
      f"-v source caps: {caps_of.get('testsrc0.src')}")
check("format=GRAY8" in caps_of.get("fakesink1.sink", ""), f"-v converted caps: {caps_of.get('fakesink1.sink')}")

# Ctrl-C: a live pipeline that never ends by itself gets EOS, prints its stats, exits 0.
p = subprocess.Popen([TESSERA, "launch", "--stats", "testsrc is-live=true ! fakesink"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
time.sleep(1.0)
p.send_signal(signal.SIGINT)
try:
    out, err = p.communicate(timeout=TIMEOUT)
    check(p.returncode == 0, f"SIGINT: exit {p.returncode}, want 0 ({err.strip()})")
    s = stats_of(out, "SIGINT run")
    check(s is not None and s.get("buffers", -1) >= 0, "SIGINT run printed no stats")
except subprocess.TimeoutExpired:
    p.kill()
    check(False, "SIGINT did not end the live pipeline")

# inspect: the catalogue and one element, text and JSON.
r = subprocess.run([TESSERA, "inspect", "--json"], capture_output=True, text=True, timeout=TIMEOUT)
names = [f["name"] for f in json.loads(r.stdout)["factories"]]
for f in ("testsrc", "invert", "videoconvert", "queue", "tee", "websink", "filesrc", "filesink", "identity"):
    check(f in names, f"inspect --json lacks {f}")
r = subprocess.run([TESSERA, "inspect", "testsrc"], capture_output=True, text=True, timeout=TIMEOUT)
check(r.returncode == 0 and "pattern" in r.stdout and "num-buffers" in r.stdout, "inspect testsrc")
r = subprocess.run([TESSERA, "inspect", "nosuch"], capture_output=True, text=True, timeout=TIMEOUT)
check(r.returncode != 0 and "nosuch" in r.stderr, f"inspect nosuch: rc {r.returncode} {r.stderr!r}")

if failures:
    print(f"launch_examples: {len(failures)} failure(s)", file=sys.stderr)
    sys.exit(1)
print("launch examples ok")
