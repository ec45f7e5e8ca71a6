#!/usr/bin/env python3
"""Recordings as a user makes them with `tessera launch` (issue: encode and record):
testsrc -> videoconvert -> avenc -> avmux -> filesink for H.264/MP4 (plain and
fragmented), VP8/WebM, VP9/Matroska and H.264/MPEG-TS, read back with the ffprobe CLI
(codec, frame count, duration) and decoded with the ffmpeg CLI against the I420
frames the encoder was given (PSNR >= 35 dB). Every wait is bounded."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tessera_it import TESSERA, Checks  # noqa: E402

TIMEOUT = 120  # seconds per command on a loaded 2-core machine
check = Checks("recordings")
tmp = tempfile.mkdtemp(prefix="tessera-rec-")
SOURCE = "testsrc num-buffers=60 ! videoconvert ! video/x-raw,format=I420"


def launch(description):
    r = subprocess.run([TESSERA, "launch", description], capture_output=True, text=True, timeout=TIMEOUT)
    check(r.returncode == 0, f"launch {description!r}: exit {r.returncode}: {r.stderr[-400:]}")
    return r.returncode == 0


def probe(path):
    r = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                        "stream=codec_name,nb_read_frames,width,height:format=duration", "-of", "json", path],
                       capture_output=True, text=True, timeout=TIMEOUT)
    check(r.returncode == 0, f"ffprobe {path}: {r.stderr[-300:]}")
    return json.loads(r.stdout) if r.returncode == 0 else None


def psnr(path, reference):
    r = subprocess.run(["ffmpeg", "-v", "info", "-nostats", "-i", path, "-f", "rawvideo", "-pix_fmt", "yuv420p",
                        "-s", "320x240", "-r", "30", "-i", reference, "-lavfi", "[0:v][1:v]psnr", "-f", "null", "-"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    m = re.search(r"PSNR y:[\d.inf]+ u:[\d.inf]+ v:[\d.inf]+ average:([\d.inf]+)", r.stderr)
    check(m is not None, f"ffmpeg psnr of {path}: {r.stderr[-300:]}")
    return float(m.group(1)) if m else 0.0


try:
    reference = os.path.join(tmp, "reference.yuv")
    launch(f"{SOURCE} ! filesink location={reference}")
    check(os.path.getsize(reference) == 60 * 320 * 240 * 3 // 2, "the reference holds 60 I420 frames")
    cases = [
        ("codec=h264", "format=mp4", "mp4", "h264"),
        ("codec=h264 key-int-max=15", "format=mp4 fragmented=true", "frag.mp4", "h264"),
        ("codec=vp8", "format=webm", "webm", "vp8"),
        ("codec=vp9", "format=matroska", "mkv", "vp9"),
        ("codec=h264", "format=mpegts", "ts", "h264"),
    ]
    for enc, mux, ext, codec in cases:
        path = os.path.join(tmp, "rec." + ext)
        if not launch(f"{SOURCE} ! avenc {enc} ! avmux {mux} ! filesink location={path}"):
            continue
        info = probe(path)
        if not info:
            continue
        stream = info["streams"][0]
        what = f"{enc} in {mux}"
        check(stream["codec_name"] == codec, f"{what}: codec {stream['codec_name']}")
        check((stream["width"], stream["height"]) == (320, 240), f"{what}: size {stream['width']}x{stream['height']}")
        check(int(stream["nb_read_frames"]) == 60, f"{what}: {stream['nb_read_frames']} frames, not 60")
        duration = float(info["format"].get("duration", 0))
        check(abs(duration - 2.0) <= 0.1, f"{what}: duration {duration}, not 2 s")
        quality = psnr(path, reference)
        check(quality >= 35, f"{what}: PSNR {quality:.1f} dB < 35")
        print(f"  {what}: {stream['nb_read_frames']} frames, {duration:.3f} s, PSNR {quality:.1f} dB")
finally:
    shutil.rmtree(tmp, ignore_errors=True)
check.finish()
