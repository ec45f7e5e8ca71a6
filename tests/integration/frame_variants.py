#!/usr/bin/env python3
"""A viewer's own quality and size on websink streams (docs/api.md, "Viewer variants"):
viewers of one websink asking ?quality=&width=&height= get JPEGs of their size (read
from the SOF marker) while a default viewer keeps the full frames; the stats list each
variant with its viewers; bad values, sizes past the frames, a JPEG input and a new
variant past max-variants are refused before any upgrade with an error naming the
problem. A real `tessera serve --port 0`; bounded waits."""

import asyncio
import http.client
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tessera_it import require_websockets, rest, jpeg_size, WAIT, Checks, Server  # noqa: E402

websockets = require_websockets()

check = Checks("frame_variants")


def pipeline(srv, name, description):
    status, body = rest(srv, "POST", "/api/v1/pipelines", {"name": name, "description": description})
    check(status == 201, f"create {name}: {status} {body}")
    status, body = rest(srv, "PUT", f"/api/v1/pipelines/{name}/state", {"state": "playing"})
    check(status == 200, f"{name} to playing: {status} {body}")


def mjpeg_first_part(srv, path):
    """(status, JPEG of the first part) for 200, else (status, the error message)."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=WAIT)
    conn.request("GET", path)
    r = conn.getresponse()
    if r.status != 200:
        body = json.loads(r.read())
        conn.close()
        return r.status, body["error"]["message"]
    buf = b""
    while True:  # bounded by the socket timeout: the head of the first part, then its bytes
        head_end = buf.find(b"\r\n\r\n")
        if head_end >= 0 and b"Content-Length:" in buf[:head_end]:
            length = int(buf[:head_end].split(b"Content-Length:")[1].split(b"\r\n")[0])
            if len(buf) >= head_end + 4 + length:
                conn.close()
                return 200, buf[head_end + 4:head_end + 4 + length]
        chunk = r.read1(65536)
        if not chunk:
            conn.close()
            return 200, None
        buf += chunk


async def ws_refused(url):
    try:
        async with websockets.connect(url):
            return None
    except websockets.exceptions.InvalidStatusCode as e:
        return e.status_code


def viewers_get_their_own_sizes(srv):
    pipeline(srv, "cam", "testsrc is-live=true pattern=ball width=320 height=240 ! websink name=out")
    base = srv.ws + "/api/v1/pipelines/cam/sinks/out/ws"
    stats_seen = {}

    async def watch():
        async with websockets.connect(base, max_size=None) as full, \
                websockets.connect(base + "?quality=40&height=120", max_size=None) as small, \
                websockets.connect(base + "?width=80", max_size=None) as tiny:
            got = {"full": [], "small": [], "tiny": []}
            for _ in range(6):
                for name, ws in (("full", full), ("small", small), ("tiny", tiny)):
                    got[name].append(await asyncio.wait_for(ws.recv(), WAIT))
            status, stats = rest(srv, "GET", "/api/v1/stats")
            stats_seen["status"] = status
            stats_seen["out"] = stats["per_pipeline"]["cam"]["elements"]["out"]
            return got

    got = asyncio.run(watch())
    for name, want in (("full", (320, 240)), ("small", (160, 120)), ("tiny", (80, 60))):
        sizes = {jpeg_size(f) for f in got[name]}
        check(sizes == {want}, f"{name} viewer's JPEG sizes {sizes}, want {want}")
    mean = {name: sum(map(len, frames)) / len(frames) for name, frames in got.items()}
    check(mean["small"] < mean["full"] / 2, f"quality=40 at a quarter of the pixels is not smaller: {mean}")
    check(mean["tiny"] < mean["full"] / 2, f"width=80 frames are not smaller: {mean}")

    out = stats_seen.get("out", {})
    variants = {v["query"]: v for v in out.get("variants", [])}
    check(stats_seen.get("status") == 200 and out.get("viewers") == 3, f"stats while watching: {out}")
    check(set(variants) == {"", "quality=40&height=120", "width=80"}, f"stats variants {sorted(variants)}")
    small = variants.get("quality=40&height=120", {})
    check(small.get("viewers") == 1 and small.get("quality") == 40 and small.get("max_height") == 120
          and (small.get("width"), small.get("height")) == (160, 120) and small.get("frames", 0) >= 6,
          f"stats of the quality=40&height=120 variant: {small}")

    status, jpeg = mjpeg_first_part(srv, "/api/v1/pipelines/cam/sinks/out/mjpeg?width=160")
    check(status == 200 and jpeg_size(jpeg) == (160, 120), f"MJPEG ?width=160: {status} {jpeg_size(jpeg or b'')}")
    status, jpeg = mjpeg_first_part(srv, "/api/v1/pipelines/cam/sinks/out/mjpeg")
    check(status == 200 and jpeg_size(jpeg) == (320, 240), f"MJPEG default: {status} {jpeg_size(jpeg or b'')}")

    # Every variant went with its viewers. The server learns that an MJPEG client left
    # when a write to it fails (the next frame), so this waits, within a bound.
    left = None
    give_up = time.monotonic() + 10
    while time.monotonic() < give_up:
        status, stats = rest(srv, "GET", "/api/v1/stats")
        left = stats["per_pipeline"]["cam"]["elements"]["out"]["variants"]
        if left == []:
            break
        time.sleep(0.1)
    check(left == [], f"variants 10 s after the viewers left: {left}")


def bad_requests_are_refused_before_the_upgrade(srv):
    path = "/api/v1/pipelines/cam/sinks/out/mjpeg"
    for query, want in (("quality=0", 'quality must be a whole number from 1 to 100, not "0"'),
                        ("quality=101", 'quality must be a whole number from 1 to 100, not "101"'),
                        ("quality=abc", 'quality must be a whole number from 1 to 100, not "abc"'),
                        ("width=0", 'width must be a whole number of pixels from 1 to 16384, not "0"'),
                        ("width=99999", 'width must be a whole number of pixels from 1 to 16384, not "99999"'),
                        ("width=321", "width=321 is larger than out's 320x240 frames"),
                        ("height=241", "height=241 is larger than out's 320x240 frames")):
        status, message = mjpeg_first_part(srv, f"{path}?{query}")
        check(status == 400 and isinstance(message, str) and message.startswith(want),
              f"MJPEG ?{query}: {status} {message!r}, want 400 {want!r}")
    ws = srv.ws + "/api/v1/pipelines/cam/sinks/out/ws"
    for query in ("quality=abc", "width=321"):
        check(asyncio.run(ws_refused(f"{ws}?{query}")) == 400, f"WebSocket ?{query} not refused with 400")


def past_max_variants_is_a_409(srv):
    pipeline(srv, "one", "testsrc is-live=true width=64 height=48 ! websink name=out max-variants=1")
    ws = srv.ws + "/api/v1/pipelines/one/sinks/out/ws"

    async def crowd():
        async with websockets.connect(ws + "?height=24", max_size=None) as first:
            await asyncio.wait_for(first.recv(), WAIT)
            refused = mjpeg_first_part(srv, "/api/v1/pipelines/one/sinks/out/mjpeg?height=12")
            same = mjpeg_first_part(srv, "/api/v1/pipelines/one/sinks/out/mjpeg?height=24")
            return refused, same

    (status, message), (same_status, jpeg) = asyncio.run(crowd())
    check(status == 409 and "max-variants=1" in message and "height=24" in message,
          f"a second variant past max-variants=1: {status} {message!r}")
    check(same_status == 200 and jpeg_size(jpeg) == (32, 24), f"the existing variant: {same_status}")
    # The variant goes when the server sees its viewers gone (a failed write, within a
    # frame or two): until then a new one is still refused, so this retries, bounded.
    give_up = time.monotonic() + 10
    while True:
        status, jpeg = mjpeg_first_part(srv, "/api/v1/pipelines/one/sinks/out/mjpeg?height=12")
        if status != 409 or time.monotonic() > give_up:
            break
        time.sleep(0.1)
    check(status == 200 and jpeg_size(jpeg) == (16, 12), f"a new variant once the first left: {status}")


def jpeg_input_cannot_be_reencoded(srv):
    pipeline(srv, "mj", "testsrc is-live=true width=64 height=48 ! jpegenc ! websink name=out")
    status, jpeg = mjpeg_first_part(srv, "/api/v1/pipelines/mj/sinks/out/mjpeg")  # caps known once a frame came
    check(status == 200 and jpeg_size(jpeg) == (64, 48), f"JPEG input, default: {status}")
    status, message = mjpeg_first_part(srv, "/api/v1/pipelines/mj/sinks/out/mjpeg?quality=50")
    check(status == 400 and "cannot re-encode" in message, f"JPEG input ?quality=50: {status} {message!r}")


def main():
    srv = Server(check)
    try:
        viewers_get_their_own_sizes(srv)
        bad_requests_are_refused_before_the_upgrade(srv)
        past_max_variants_is_a_409(srv)
        jpeg_input_cannot_be_reencoded(srv)
    finally:
        srv.stop()
    check.finish()


if __name__ == "__main__":
    main()
