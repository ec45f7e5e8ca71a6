#!/usr/bin/env python3
"""Encoded video to many viewers (issue "Real media", benchmarks): a live 720p30
testsrc (pattern=ball) to N WebSocket viewers of one websink, once as H.264
zerolatency (`avenc codec=h264 tune=zerolatency ! websink`: one encode per frame,
WebCodecs messages) and once as today's JPEG path (`websink`, one JPEG per frame
for all the viewers), side by side, for N = 10 and 100.

For each run: server CPU (utime + stime from /proc/PID/stat over the measured wall
time), bytes each viewer received per second, frames each viewer got (binary
messages) against the 30 fps produced, and the encodes the server made
(server.stats buffers). Then the H.264 figures as ratios of the JPEG ones.
Usage: bench/encoded_viewers.py [build-dir] [--seconds S] [--viewers 10,100]. The
viewers run in this one Python process on the same machine as the server: on a
2-core box they compete with it for CPU, which the report states. Not part of
`make test`.
"""

import argparse
import asyncio
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_load import Rpc, Server, proc_stats  # noqa: E402 (re-execs /usr/bin/python3 for websockets)

import websockets  # noqa: E402

SOURCE = "testsrc is-live=true width=1280 height=720 framerate=30/1 pattern=ball"
PATHS = {
    "h264": SOURCE + " ! videoconvert ! avenc codec=h264 tune=zerolatency ! websink name=out",
    "jpeg": SOURCE + " ! websink name=out",
}


async def viewer(url, stop, got, index):
    """Counts the binary messages (frames) and all bytes one viewer receives."""
    async with websockets.connect(url, max_size=None, max_queue=256) as ws:
        got[index] = [0, 0]
        while not stop.is_set():
            try:
                m = await asyncio.wait_for(ws.recv(), 0.5)
            except asyncio.TimeoutError:
                continue
            got[index][1] += len(m)
            if isinstance(m, (bytes, bytearray)):
                got[index][0] += 1


async def run(server, kind, viewers, seconds):
    name = f"{kind}{viewers}"
    path = f"/api/v1/pipelines/{name}/sinks/out/ws"
    async with websockets.connect(server.ws + "/api/v1/rpc", max_size=None) as ws:
        rpc = Rpc(ws)
        await rpc.call("pipeline.create", {"name": name, "description": PATHS[kind]})
        await rpc.call("pipeline.set_state", {"pipeline": name, "state": "playing"})
        stop = asyncio.Event()
        got = [None] * viewers
        tasks = [asyncio.create_task(viewer(server.ws + path, stop, got, i)) for i in range(viewers)]
        deadline = time.monotonic() + 30
        while any(g is None for g in got) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        connected = sum(g is not None for g in got)
        await asyncio.sleep(2)  # every viewer past its first key frame / frame

        base = [list(g or (0, 0)) for g in got]
        stats0, _ = await rpc.call("server.stats")
        cpu0, _, _ = proc_stats(server.proc.pid)
        t0 = time.monotonic()
        await asyncio.sleep(seconds)
        wall = time.monotonic() - t0
        cpu1, rss, _ = proc_stats(server.proc.pid)
        now = [list(g or (0, 0)) for g in got]
        stats1, _ = await rpc.call("server.stats")
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await rpc.call("pipeline.delete", {"pipeline": name})

    live = [i for i, g in enumerate(got) if g is not None]
    frames = [now[i][0] - base[i][0] for i in live]
    rates = [(now[i][1] - base[i][1]) / wall for i in live]
    r = {
        "kind": kind, "viewers": viewers, "connected": connected, "wall": wall,
        "cpu": 100 * (cpu1 - cpu0) / wall, "rss": rss / 1024,
        "bytes_per_s": statistics.median(rates),
        "frames_min": min(frames), "frames_median": statistics.median(frames), "frames_max": max(frames),
        "produced": stats1["buffers"] - stats0["buffers"],
        "dropped": stats1["per_pipeline"][name]["qos"]["dropped"] - stats0["per_pipeline"][name]["qos"]["dropped"],
    }
    print(f"{kind:5} {viewers:4} viewers ({connected} connected, {wall:.1f} s): server CPU {r['cpu']:.0f} % of one "
          f"core, RSS {r['rss']:.0f} MiB; per viewer {r['bytes_per_s'] / 1e6:.3f} MB/s, frames min/median/max "
          f"{r['frames_min']}/{r['frames_median']:.0f}/{r['frames_max']} of {30 * wall:.0f} at 30 fps; "
          f"frames reaching the websink: {r['produced']} ({r['dropped']} dropped late)", flush=True)
    return r


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build", nargs="?", default="build")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--viewers", default="10,100")
    args = parser.parse_args()
    counts = [int(v) for v in args.viewers.split(",")]

    server = Server(args.build, max(256, max(counts) + 1))
    results = {}
    try:
        print(f"machine: {os.cpu_count()} cores; viewers run in one Python process on the same machine")
        for n in counts:
            for kind in ("h264", "jpeg"):
                results[(kind, n)] = asyncio.run(run(server, kind, n, args.seconds))
    finally:
        server.stop()
    for n in counts:
        h, j = results[("h264", n)], results[("jpeg", n)]
        print(f"{n} viewers, H.264 / JPEG: bytes per viewer {h['bytes_per_s'] / max(1, j['bytes_per_s']):.3f}, "
              f"server CPU {h['cpu'] / max(0.1, j['cpu']):.2f}, median frames per viewer "
              f"{h['frames_median'] / max(1, j['frames_median']):.2f}")
    ok = all(r["frames_min"] > 0 for r in results.values())
    print(f"server exit status {server.proc.returncode}")
    sys.exit(0 if ok and server.proc.returncode == 0 else 1)


if __name__ == "__main__":
    main()
