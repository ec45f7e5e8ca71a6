#!/usr/bin/env python3
"""Encoded video to browsers as a client gets it (docs/api.md, "Encoded video"): a live
testsrc -> avenc -> websink, watched over WebSocket (first a text message with the
WebCodecs configuration, then binary frames whose first is a key frame), a second
viewer joining mid-stream (it starts at a key frame the server forced: the encoder's
own key frames are 10 s apart), the fMP4 (H.264) and WebM (VP8) streams for Media
Source Extensions read back by ffprobe (their timestamps the frames' pts), and the refusals (MJPEG of an encoded sink,
fMP4 of a JPEG sink). A real `tessera serve --port 0`; bounded waits."""

import asyncio
import base64
import http.client
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tessera_it import require_websockets, rest, WAIT, Checks, Server  # noqa: E402

websockets = require_websockets()

check = Checks("encoded_streams")


def pipeline(server, name, description):
    status, body = rest(server, "POST", "/api/v1/pipelines", {"name": name, "description": description})
    check(status == 201, f"create {name}: {status} {body}")
    status, body = rest(server, "PUT", f"/api/v1/pipelines/{name}/state", {"state": "playing"})
    check(status == 200, f"{name} to playing: {status} {body}")


def parse_frame(data):
    flags, pts_us = struct.unpack(">BQ", data[:9])
    return bool(flags & 1), pts_us, data[9:]


async def watch(server, name, frames):
    """The config message and the first `frames` binary messages of a WebSocket viewer."""
    url = f"{server.ws}/api/v1/pipelines/{name}/sinks/out/ws"
    async with websockets.connect(url, max_size=None) as ws:
        first = await asyncio.wait_for(ws.recv(), WAIT)
        got = []
        while len(got) < frames:
            msg = await asyncio.wait_for(ws.recv(), WAIT)
            got.append(msg)
        return first, got, time.monotonic()


def check_h264_stream(first, got, who):
    check(isinstance(first, str), f"{who}: the first message is not text: {type(first)}")
    if not isinstance(first, str):
        return
    config = json.loads(first)
    check(config.get("codec", "").startswith("avc1."), f"{who}: codec {config.get('codec')}")
    check((config.get("width"), config.get("height")) == (320, 240), f"{who}: size in {config}")
    avcc = base64.b64decode(config.get("description", ""))
    check(len(avcc) > 7 and avcc[0] == 1, f"{who}: description is not an avcC record: {avcc[:8].hex()}")
    check(config["codec"] == "avc1." + avcc[1:4].hex(), f"{who}: codec {config['codec']} vs avcC {avcc[1:4].hex()}")
    check(all(isinstance(m, bytes) for m in got), f"{who}: a text message among the frames")
    frames = [parse_frame(m) for m in got if isinstance(m, bytes)]
    check(frames and frames[0][0], f"{who}: the first frame is not a key frame")
    pts = [f[1] for f in frames]
    check(pts == sorted(pts) and len(set(pts)) == len(pts), f"{who}: pts not increasing: {pts[:10]}")
    # Length-prefixed NAL units fill each access unit exactly.
    for key, _, au in frames:
        i = 0
        while i + 4 <= len(au):
            i += 4 + struct.unpack(">I", au[i:i + 4])[0]
        check(i == len(au), f"{who}: an access unit is not length-prefixed NAL units")
        break
    return frames


def fetch_stream(server, name, seconds):
    """The bytes of .../fmp4 for `seconds` (the stream never ends by itself) and its Content-Type."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT)
    conn.request("GET", f"/api/v1/pipelines/{name}/sinks/out/fmp4")
    r = conn.getresponse()
    if r.status != 200:
        body = r.read()
        conn.close()
        return r.status, r.getheader("Content-Type"), body
    data = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        chunk = r.read1(65536)
        if not chunk:
            break
        data += chunk
    conn.close()
    return r.status, r.getheader("Content-Type"), data


def ffprobe(data, suffix):
    with tempfile.NamedTemporaryFile(suffix=suffix) as f:
        f.write(data)
        f.flush()
        r = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                            "stream=codec_name,width,height,nb_read_frames", "-of", "json", f.name],
                           capture_output=True, text=True, timeout=WAIT)
    check(r.returncode == 0, f"ffprobe of the {suffix} stream: {r.stderr[-300:]}")
    return json.loads(r.stdout)["streams"][0] if r.returncode == 0 else {}


def first_pts(data, suffix):
    """The first packet's pts in seconds as ffprobe reads the stream, or None."""
    with tempfile.NamedTemporaryFile(suffix=suffix) as f:
        f.write(data)
        f.flush()
        r = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-read_intervals", "%+#1",
                            "-show_entries", "packet=pts_time", "-of", "csv=p=0", f.name],
                           capture_output=True, text=True, timeout=WAIT)
    lines = r.stdout.split()
    return float(lines[0]) if r.returncode == 0 and lines else None


def check_stream_keeps_pts(server, name, data, suffix):
    """A media segment's timestamp is its frame's pts (the running time, on this live
    pipeline seconds past 0 by now), not a count from 0 at the muxer's start."""
    status, body = rest(server, "GET", f"/api/v1/pipelines/{name}")
    now = body.get("running_time_ns") if status == 200 else None
    pts = first_pts(data, suffix)
    check(pts is not None and isinstance(now, int) and 0.5 < pts < now / 1e9 and abs(pts * 30 - round(pts * 30)) < 0.03,
          f"{name}: the stream's first pts {pts} s is not a frame's running time before {now} ns")


server = Server(check)
try:
    pipeline(server, "h264", "testsrc is-live=true pattern=ball ! videoconvert ! "
                             "avenc codec=h264 key-int-max=300 ! websink name=out")
    pipeline(server, "vp8", "testsrc is-live=true pattern=ball ! videoconvert ! "
                            "avenc codec=vp8 key-int-max=300 ! websink name=out")
    pipeline(server, "jpeg", "testsrc is-live=true ! websink name=out")

    async def viewers():
        first_viewer = asyncio.create_task(watch(server, "h264", 60))
        await asyncio.sleep(1.0)  # the second viewer joins mid-stream, inside a 10 s GOP
        joined = time.monotonic()
        second = await watch(server, "h264", 10)
        return await first_viewer, second, joined

    (f1, got1, _), (f2, got2, done2), joined = asyncio.run(viewers())
    frames1 = check_h264_stream(f1, got1, "first viewer")
    frames2 = check_h264_stream(f2, got2, "second viewer")
    if frames1 and frames2:
        check(frames2[0][1] > frames1[0][1], "the second viewer did not join mid-stream")
        # Ten frames (1/3 s) within a few seconds of joining: its key frame was forced,
        # the encoder's own come every 10 s.
        check(done2 - joined < 8, f"the second viewer waited {done2 - joined:.1f} s for a key frame")
        check(sum(1 for f in frames1 if f[0]) >= 2, "no forced key frame in the first viewer's stream")

    status, ctype, data = fetch_stream(server, "h264", 3)
    check(status == 200 and ctype.startswith('video/mp4; codecs="avc1.'), f"fmp4: {status} {ctype}")
    check(data[4:8] == b"ftyp", f"fmp4 does not start with ftyp: {data[:16]!r}")
    info = ffprobe(data, ".mp4")
    check(info.get("codec_name") == "h264" and int(info.get("nb_read_frames", 0)) >= 10,
          f"fmp4 read back: {info}")
    check_stream_keeps_pts(server, "h264", data, ".mp4")

    status, ctype, data = fetch_stream(server, "vp8", 3)
    check(status == 200 and ctype == 'video/webm; codecs="vp8"', f"webm: {status} {ctype}")
    check(data[:4] == b"\x1a\x45\xdf\xa3", f"webm does not start with an EBML header: {data[:8]!r}")
    info = ffprobe(data, ".webm")
    check(info.get("codec_name") == "vp8" and int(info.get("nb_read_frames", 0)) >= 10, f"webm read back: {info}")
    check_stream_keeps_pts(server, "vp8", data, ".webm")

    status, _, body = fetch_stream(server, "jpeg", 1)
    check(status == 400, f"fmp4 of a JPEG websink: {status} {body[:200]!r}")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT)
    conn.request("GET", "/api/v1/pipelines/h264/sinks/out/mjpeg")
    r = conn.getresponse()
    body = r.read()
    check(r.status == 400 and b"video/x-h264" in body, f"mjpeg of an H.264 websink: {r.status} {body[:200]!r}")
    conn.close()
finally:
    server.stop()
check.finish()
