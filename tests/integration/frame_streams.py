#!/usr/bin/env python3
"""Frames to browsers as a viewer gets them (docs/api.md): WebSocket
.../sinks/{e}/ws (one binary JPEG per message) and MJPEG .../sinks/{e}/mjpeg
(multipart/x-mixed-replace), JPEG sizes read from the SOF marker, a resize while
playing, `?timestamps=1` (the pts of each JPEG, against the pipeline's running_time_ns),
the preroll frame of a paused pipeline, a stalled viewer that does not stall
another, the max-subscribers refusal, 404/400, Origin, token and single-use ticket checks, and the stream
ending when its pipeline is deleted. A real `tessera serve --port 0`; bounded waits."""

import asyncio
import http.client
import json
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tessera_it import require_websockets, jpeg_size, TESSERA, WAIT, Checks, Server  # noqa: E402

websockets = require_websockets()

check = Checks("frame_streams")


class Server(Server):
    """The shared server, with the REST calls these checks make."""

    def rest(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT)
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, (json.loads(data) if data else None)

    def pipeline(self, name, description, state):
        status, body = self.rest("POST", "/api/v1/pipelines", {"name": name, "description": description})
        check(status == 201, f"create {name}: {status} {body}")
        status, body = self.rest("PUT", f"/api/v1/pipelines/{name}/state", {"state": state})
        check(status == 200 and body.get("state") == state, f"{name} to {state}: {status} {body}")


async def ws_frames(url, count, **kw):
    async with websockets.connect(url, max_size=None, **kw) as ws:
        return [await asyncio.wait_for(ws.recv(), WAIT) for _ in range(count)]


async def ws_refused(url, **kw):
    """The HTTP status an upgrade was refused with (None when accepted)."""
    try:
        async with websockets.connect(url, **kw):
            return None
    except websockets.exceptions.InvalidStatusCode as e:
        return e.status_code


class Mjpeg:
    """A raw-socket MJPEG viewer: the response head, then one part at a time."""

    def __init__(self, port, path, rcvbuf=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(WAIT)
        self.sock.connect(("127.0.0.1", port))
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        self.buf = b""

    def _until(self, token):
        while token not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("stream ended")
            self.buf += chunk
        head, _, self.buf = self.buf.partition(token)
        return head

    def _exactly(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("stream ended")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def head(self):
        lines = self._until(b"\r\n\r\n").decode().split("\r\n")
        status = int(lines[0].split()[1])
        fields = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
        return status, fields

    def part(self, boundary):
        """(part headers, bytes) of the next part."""
        self._until(b"--" + boundary.encode() + b"\r\n")
        fields = {k.strip().lower(): v.strip()
                  for k, _, v in (l.partition(":") for l in self._until(b"\r\n\r\n").decode().split("\r\n"))}
        data = self._exactly(int(fields["content-length"]))
        return fields, data

    def close(self):
        self.sock.close()


def ws_frames_are_jpegs_of_the_negotiated_size(srv):
    srv.pipeline("cam", "testsrc is-live=true pattern=ball width=176 height=144 ! websink name=out", "playing")
    url = srv.ws + "/api/v1/pipelines/cam/sinks/out/ws"
    frames = asyncio.run(ws_frames(url, 5))
    for f in frames:
        check(isinstance(f, bytes), f"a WebSocket frame is a {type(f).__name__}, want binary")
        check(jpeg_size(f) == (176, 144), f"WebSocket JPEG size {jpeg_size(f)}, want (176, 144)")

    async def resize():
        async with websockets.connect(url, max_size=None) as ws:
            await asyncio.wait_for(ws.recv(), WAIT)
            for prop, value in (("width", 320), ("height", 240)):
                status, body = srv.rest("PUT", f"/api/v1/pipelines/cam/elements/out/properties/{prop}",
                                        {"value": value})
                check(status == 200, f"set {prop}: {status} {body}")
            for _ in range(200):  # bounded: frames until the new size shows
                if jpeg_size(await asyncio.wait_for(ws.recv(), WAIT)) == (320, 240):
                    return True
            return False
    check(asyncio.run(resize()), "websink width/height changed while playing: frames never became 320x240")


def jpeg_timestamps_on_the_pipeline_clock(srv):
    """`.../ws?timestamps=1`: a text message with the pts before each JPEG; the pts is
    the running time of the frame's capture, so it is behind the pipeline object's
    running_time_ns read after the frame came, and not by much (live source)."""
    url = srv.ws + "/api/v1/pipelines/cam/sinks/out/ws?timestamps=1"

    async def watch():
        async with websockets.connect(url, max_size=None) as ws:
            got = [await asyncio.wait_for(ws.recv(), WAIT) for _ in range(10)]
            return got, srv.rest("GET", "/api/v1/pipelines/cam")[1]
    got, cam = asyncio.run(watch())
    pairs = [(json.loads(got[i]), got[i + 1]) for i in range(0, len(got) - 1, 2)
             if isinstance(got[i], str) and isinstance(got[i + 1], bytes)]
    check(len(pairs) == 5, f"?timestamps=1 is not text then JPEG: {[type(m).__name__ for m in got]}")
    pts = [p[0].get("pts_us") for p in pairs]
    check(all(jpeg_size(j) is not None for _, j in pairs), "?timestamps=1: a binary message is not a JPEG")
    check(all(isinstance(t, int) for t in pts) and pts == sorted(pts) and len(set(pts)) == len(pts),
          f"?timestamps=1: pts not increasing: {pts}")
    now = cam.get("running_time_ns") if cam else None
    check(isinstance(now, int) and all(isinstance(t, int) for t in pts) and 0 <= now / 1000 - pts[-1] < 5_000_000,
          f"the last pts {pts[-1]} us is not shortly before running_time_ns {now}")
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=WAIT)
    conn.request("GET", "/api/v1/pipelines/cam/sinks/out/mjpeg?timestamps=1")
    r = conn.getresponse()
    body = r.read()
    conn.close()
    check(r.status == 400 and b"timestamps" in body, f"mjpeg?timestamps=1: {r.status} {body[:200]!r}")
    check(asyncio.run(ws_refused(srv.ws + "/api/v1/pipelines/cam/sinks/out/ws?timestamps=yes")) == 400,
          "?timestamps=yes was not refused with 400")


def mjpeg_parts_are_jpegs(srv):
    v = Mjpeg(srv.port, "/api/v1/pipelines/cam/sinks/out/mjpeg")
    status, fields = v.head()
    check(status == 200, f"MJPEG status {status}")
    ctype = fields.get("content-type", "")
    check(ctype.startswith("multipart/x-mixed-replace") and "boundary=" in ctype, f"MJPEG Content-Type {ctype!r}")
    boundary = ctype.split("boundary=", 1)[1].strip('"')
    for _ in range(4):
        part_fields, data = v.part(boundary)
        check(part_fields.get("content-type") == "image/jpeg", f"MJPEG part Content-Type {part_fields}")
        check(jpeg_size(data) == (320, 240), f"MJPEG JPEG size {jpeg_size(data)}, want (320, 240)")
    v.close()


def stalled_viewer_does_not_stall_another(srv):
    # Big incompressible frames, so the stalled viewer's socket buffers fill quickly.
    srv.pipeline("snow", "testsrc is-live=true pattern=snow width=640 height=480 ! websink name=out", "playing")
    stalled = Mjpeg(srv.port, "/api/v1/pipelines/snow/sinks/out/mjpeg", rcvbuf=4096)  # never read

    async def watch():
        async with websockets.connect(srv.ws + "/api/v1/pipelines/snow/sinks/out/ws", max_size=None) as ws:
            for _ in range(60):
                if jpeg_size(await asyncio.wait_for(ws.recv(), WAIT)) != (640, 480):
                    return False
            # The stalled viewer's queue must have dropped old frames by now or soon.
            for _ in range(300):
                if dropped_frames(srv) > 0:
                    return True
                await asyncio.wait_for(ws.recv(), WAIT)  # keep reading: time passes by frames
            return None
    result = asyncio.run(watch())
    check(result is not False, "the reading viewer got a frame of the wrong size")
    check(result is True, "the stalled viewer's queue never dropped a frame")
    stalled.close()
    status, _ = srv.rest("DELETE", "/api/v1/pipelines/snow")
    check(status == 200, f"delete snow: {status}")


def dropped_frames(srv):
    """tessera_stream_dropped_frames_total from /metrics."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=WAIT)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    for line in text.splitlines():
        if line.startswith("tessera_stream_dropped_frames_total "):
            return float(line.split()[1])
    check(False, "/metrics has no tessera_stream_dropped_frames_total")
    return -1


def paused_pipeline_shows_its_preroll_frame(srv):
    srv.pipeline("still", "testsrc width=64 height=48 ! websink name=out", "paused")

    async def watch():
        async with websockets.connect(srv.ws + "/api/v1/pipelines/still/sinks/out/ws", max_size=None) as ws:
            first = await asyncio.wait_for(ws.recv(), WAIT)
            check(jpeg_size(first) == (64, 48), f"preroll frame size {jpeg_size(first)}")
            status, body = srv.rest("GET", "/api/v1/pipelines/still")
            check(status == 200 and "running_time_ns" in body and body["running_time_ns"] is None,
                  f"running_time_ns of a paused pipeline: {body and body.get('running_time_ns', 'absent')}")
            status, body = srv.rest("POST", "/api/v1/pipelines/still/seek", {"position_ns": 1_000_000_000})
            check(status == 200, f"seek in PAUSED: {status} {body}")
            second = await asyncio.wait_for(ws.recv(), WAIT)  # the frame at the new position
            check(jpeg_size(second) == (64, 48), "a seek in PAUSED shows a new frame")
            # Deleting the pipeline ends the stream.
            status, _ = srv.rest("DELETE", "/api/v1/pipelines/still")
            check(status == 200, "delete still")
            try:
                while True:
                    await asyncio.wait_for(ws.recv(), WAIT)
            except websockets.exceptions.ConnectionClosed:
                return True
    check(asyncio.run(watch()) is True, "the stream did not end when its pipeline was deleted")


def subscriber_limit_and_errors(srv):
    srv.pipeline("lim", "testsrc is-live=true width=32 height=32 ! videoconvert name=plain ! "
                        "websink name=out max-subscribers=1", "playing")
    base = srv.ws + "/api/v1/pipelines/lim/sinks"

    async def limit():
        async with websockets.connect(base + "/out/ws", max_size=None) as first:
            await asyncio.wait_for(first.recv(), WAIT)
            check(await ws_refused(base + "/out/ws") == 503, "a second WebSocket viewer past max-subscribers=1")
            v = Mjpeg(srv.port, "/api/v1/pipelines/lim/sinks/out/mjpeg")
            status, fields = v.head()
            body = json.loads(v._exactly(int(fields.get("content-length", "0"))))
            v.close()
            check(status == 503, f"an MJPEG viewer past max-subscribers: {status}")
            check("max-subscribers" in body["error"]["message"], f"limit refusal body: {body}")
        # The slot is free again once the server saw the first viewer go (bounded retry).
        for _ in range(100):
            try:
                frames = await ws_frames(base + "/out/ws", 1)
                return jpeg_size(frames[0]) == (32, 32)
            except websockets.exceptions.InvalidStatusCode:
                await asyncio.sleep(0.1)
        return False
    check(asyncio.run(limit()), "the slot was not freed after the first viewer left")

    for path, want in (("/api/v1/pipelines/none/sinks/out", 404), ("/api/v1/pipelines/lim/sinks/none", 404),
                       ("/api/v1/pipelines/lim/sinks/plain", 400)):
        status, body = srv.rest("GET", path + "/mjpeg")
        check(status == want and body and body["error"]["message"], f"GET {path}/mjpeg: {status} {body}")
        check(asyncio.run(ws_refused(srv.ws + path + "/ws")) == want, f"WebSocket {path}/ws not {want}")

    # Cross-site WebSocket hijacking: a foreign Origin is refused, the server's own is not.
    url = base + "/out/ws"
    check(asyncio.run(ws_refused(url, origin="http://evil.example")) == 403, "foreign Origin on /ws")
    check(asyncio.run(ws_refused(srv.ws + "/api/v1/rpc", origin="http://evil.example")) == 403,
          "foreign Origin on /api/v1/rpc")
    frames = asyncio.run(ws_frames(url, 1, origin=srv.http))
    check(jpeg_size(frames[0]) == (32, 32), "the server's own Origin is accepted")
    srv.rest("DELETE", "/api/v1/pipelines/lim")


def mjpeg_frames_within(srv, path, seconds):
    """How many MJPEG parts a viewer reads in `seconds` after the first one."""
    v = Mjpeg(srv.port, path)
    status, fields = v.head()
    check(status == 200, f"MJPEG {path}: {status}")
    boundary = fields.get("content-type", "").split("boundary=", 1)[-1].strip('"')
    v.part(boundary)  # the stream is running
    n = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        v.part(boundary)
        n += 1
    v.close()
    return n


def processing_fps(description, frames=10):
    """Frames per second `description` (no live source, fakesink) manages here, now."""
    out = subprocess.run([TESSERA, "launch", "--stats", description.replace("SRC", f"testsrc num-buffers={frames}")],
                         capture_output=True, text=True, timeout=120)
    stats = json.loads(out.stdout.strip().splitlines()[-1])
    return frames / stats["elapsed_s"]


def slow_live_pipelines_show_frames(srv):
    # Processing slower than websink's 20 ms max-lateness: the live source's latency
    # (one frame) keeps 25 ms of work on time; QoS makes a slower qos element (boxblur)
    # skip what would be late, so the rest arrive. Before, both showed 0 frames.
    seconds = 3
    srv.pipeline("slow25", "testsrc is-live=true ! identity sleep-us=25000 ! websink name=out", "playing")
    n = mjpeg_frames_within(srv, "/api/v1/pipelines/slow25/sinks/out/mjpeg", seconds)
    check(n >= 0.8 * 30 * seconds, f"25 ms per frame at 30 fps: {n} frames in {seconds} s, want >= 72")
    srv.rest("DELETE", "/api/v1/pipelines/slow25")

    # 50 ms per frame behind a qos element (videoconvert, as in GStreamer): it skips
    # what would come late, so about 20 fps of the 30 are shown (GStreamer: 49 of 90).
    srv.pipeline("slow50", "testsrc is-live=true ! videoconvert ! identity sleep-us=50000 ! websink name=out",
                 "playing")
    n = mjpeg_frames_within(srv, "/api/v1/pipelines/slow50/sinks/out/mjpeg", seconds)
    check(n >= 0.8 * 20 * seconds, f"50 ms per frame at 30 fps: {n} frames in {seconds} s, want >= 48")
    srv.rest("DELETE", "/api/v1/pipelines/slow50")

    blur = "! boxblur radius=8 ! videoscale ! video/x-raw,width=640,height=360"
    # What the processing allows: the same work, websink's JPEG encode included, as fast as it goes.
    allowed = min(30.0, processing_fps(f"SRC width=1920 height=1080 {blur} ! jpegenc ! fakesink", frames=20))
    srv.pipeline("blur", f"testsrc is-live=true width=1920 height=1080 {blur} ! websink name=out", "playing")
    n = mjpeg_frames_within(srv, "/api/v1/pipelines/blur/sinks/out/mjpeg", seconds)
    check(n >= 0.8 * allowed * seconds - 1,
          f"1080p boxblur live: {n} frames in {seconds} s, the processing allows {allowed:.1f} fps")
    status, body = srv.rest("GET", "/api/v1/pipelines/blur")
    check(status == 200 and body.get("latency_ns") == 33333333 + 20000000,
          f"the blur pipeline's latency is one frame at 30 fps + websink's 20 ms processing deadline: "
          f"{body.get('latency_ns') if body else body}")
    srv.rest("DELETE", "/api/v1/pipelines/blur")


def token_on_streams():
    srv = Server(check, "--token", "t0k")
    try:
        auth = {"Authorization": "Bearer t0k"}
        status, _ = srv.rest("POST", "/api/v1/pipelines", {"name": "a", "description":
                                                          "testsrc is-live=true width=16 height=16 ! websink name=o"},
                             auth)
        check(status == 201, f"create with the token: {status}")
        srv.rest("PUT", "/api/v1/pipelines/a/state", {"state": "playing"}, auth)
        url = srv.ws + "/api/v1/pipelines/a/sinks/o/ws"
        check(asyncio.run(ws_refused(url)) == 401, "frames WebSocket without the token")
        check(jpeg_size(asyncio.run(ws_frames(url + "?token=t0k", 1))[0]) == (16, 16), "frames with ?token=")
        v = Mjpeg(srv.port, "/api/v1/pipelines/a/sinks/o/mjpeg")
        check(v.head()[0] == 401, "MJPEG without the token")
        v.close()
        v = Mjpeg(srv.port, "/api/v1/pipelines/a/sinks/o/mjpeg?token=t0k")
        status, fields = v.head()
        check(status == 200, f"MJPEG with ?token=: {status}")
        boundary = fields.get("content-type", "").split("boundary=", 1)[-1]
        check(jpeg_size(v.part(boundary)[1]) == (16, 16), "MJPEG frame with ?token=")
        v.close()
        tickets_open_one_stream_each(srv, auth, url)
    finally:
        srv.stop()


def tickets_open_one_stream_each(srv, auth, url):
    """POST /api/v1/tickets (with the token) gives a single-use ?ticket= for a frames
    WebSocket or an MJPEG stream, so a page never puts its token in a URL."""
    status, _ = srv.rest("POST", "/api/v1/tickets", None)
    check(status == 401, f"a ticket without the token: {status}")

    def ticket():
        status, body = srv.rest("POST", "/api/v1/tickets", None, auth)
        check(status == 200 and body and len(body.get("ticket", "")) == 32 and body.get("expires_in_s") == 30,
              f"POST /api/v1/tickets: {status} {body}")
        return (body or {}).get("ticket", "")

    t = ticket()
    check(jpeg_size(asyncio.run(ws_frames(url + "?ticket=" + t, 1))[0]) == (16, 16), "frames with ?ticket=")
    check(asyncio.run(ws_refused(url + "?ticket=" + t)) == 401, "a ticket used a second time")
    t = ticket()
    v = Mjpeg(srv.port, "/api/v1/pipelines/a/sinks/o/mjpeg?ticket=" + t)
    status, fields = v.head()
    check(status == 200, f"MJPEG with ?ticket=: {status}")
    boundary = fields.get("content-type", "").split("boundary=", 1)[-1]
    check(jpeg_size(v.part(boundary)[1]) == (16, 16), "MJPEG frame with ?ticket=")
    v.close()
    v = Mjpeg(srv.port, "/api/v1/pipelines/a/sinks/o/mjpeg?ticket=" + t)
    check(v.head()[0] == 401, "an MJPEG ticket used a second time")
    v.close()
    check(asyncio.run(ws_refused(url + "?ticket=" + "0" * 32)) == 401, "a made-up ticket")


srv = Server(check)
try:
    ws_frames_are_jpegs_of_the_negotiated_size(srv)
    jpeg_timestamps_on_the_pipeline_clock(srv)
    mjpeg_parts_are_jpegs(srv)
    paused_pipeline_shows_its_preroll_frame(srv)
    subscriber_limit_and_errors(srv)
    stalled_viewer_does_not_stall_another(srv)
    slow_live_pipelines_show_frames(srv)
finally:
    srv.stop()
token_on_streams()

check.finish()
