#!/usr/bin/env python3
"""Server load (issue "Server", benchmarks): one 30 fps 320x240 stream watched by
100 WebSocket viewers plus one viewer that never reads, with a JSON-RPC client
timing `pipeline.list` round trips meanwhile; then 1000 idle JSON-RPC WebSocket
connections held open while the same client keeps timing.

Reports frames received per viewer (against the frames the pipeline produced),
server CPU (utime + stime from /proc over the phase's wall time) and RSS (VmRSS,
VmHWM), and p50/p99 of the round trips. Usage: bench/server_load.py [build-dir]
[--seconds S] [--viewers N] [--idle N]. The clients run in this one Python process on
the same machine as the server: on a 2-core box they compete with it for CPU, which
the report states next to the figures.
"""

import argparse
import asyncio
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import json

try:
    import websockets
except ImportError:  # a python3 without the Debian package first in PATH (pyenv)
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    raise

PIPELINE = ("testsrc pattern=ball is-live=true width=320 height=240 framerate=30/1 ! "
            "websink name=preview quality=80")
WAIT = 30


def proc_stats(pid):
    """(cpu seconds, rss KiB, peak rss KiB) of a process, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    rss = hwm = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    return cpu, rss, hwm


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def percentile(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


class Server:
    def __init__(self, build, subscribers):
        self.log = tempfile.TemporaryFile(mode="w+")
        # Every client here comes from 127.0.0.1: lift the per-address connection cap.
        self.proc = subprocess.Popen(
            [os.path.join(build, "bin", "tessera"), "serve", "--port", "0", "--log-level", "warn",
             "--max-subscribers", str(subscribers), "--max-connections-per-address", "1024"],
            stdout=self.log, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and self.proc.poll() is None:
            self.log.seek(0)
            found = [l for l in self.log.read().splitlines() if "serving on http://" in l]
            if found:
                http = found[0].split("serving on ")[1].strip().rstrip("/")
                self.ws = "ws" + http[len("http"):]
                self.port = int(http.rsplit(":", 1)[1])
                return
            time.sleep(0.05)
        self.stop()
        raise SystemExit("tessera serve did not start")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Rpc:
    """One JSON-RPC WebSocket client; call() returns (result, round trip seconds)."""

    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0

    async def call(self, method, params=None):
        self.next_id += 1
        request = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            request["params"] = params
        start = time.perf_counter()
        await self.ws.send(json.dumps(request))
        while True:
            reply = json.loads(await asyncio.wait_for(self.ws.recv(), WAIT))
            if reply.get("id") == self.next_id:
                break
        elapsed = time.perf_counter() - start
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"], elapsed


async def time_round_trips(rpc, stop, interval=0.02):
    """pipeline.list every `interval` s until `stop` is set; the round trips in ms."""
    rtts = []
    while not stop.is_set():
        _, elapsed = await rpc.call("pipeline.list")
        rtts.append(elapsed * 1000)
        try:
            await asyncio.wait_for(stop.wait(), interval)
        except asyncio.TimeoutError:
            pass
    return rtts


async def viewer(url, stop, counts, index):
    async with websockets.connect(url, max_size=None, max_queue=64) as ws:
        counts[index] = 0
        while not stop.is_set():
            try:
                await asyncio.wait_for(ws.recv(), 0.5)
            except asyncio.TimeoutError:
                continue
            counts[index] += 1


def stalled_viewer(port, path):
    """A WebSocket viewer that upgrades and then never reads: a raw socket with a
    small receive buffer, so the server's writes to it back up at once."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            raise SystemExit("the stalled viewer's upgrade was refused")
        head += chunk
    if b" 101 " not in head.split(b"\r\n", 1)[0]:
        raise SystemExit("the stalled viewer's upgrade failed: " + head.decode(errors="replace"))
    return s


async def frames_produced(rpc):
    result, _ = await rpc.call("server.stats")
    return result


async def viewers_phase(server, args):
    path = "/api/v1/pipelines/load/sinks/preview/ws"
    async with websockets.connect(server.ws + "/api/v1/rpc", max_size=None) as ws:
        rpc = Rpc(ws)
        await rpc.call("pipeline.create", {"name": "load", "description": PIPELINE})
        await rpc.call("pipeline.set_state", {"pipeline": "load", "state": "playing"})
        stalled = stalled_viewer(server.port, path)

        stop = asyncio.Event()
        counts = [None] * args.viewers
        tasks = [asyncio.create_task(viewer(server.ws + path, stop, counts, i)) for i in range(args.viewers)]
        deadline = time.monotonic() + WAIT
        while any(c is None for c in counts) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        connected = sum(c is not None for c in counts)
        await asyncio.sleep(1)  # let every viewer get its first frames

        base = list(c or 0 for c in counts)
        stats0 = await frames_produced(rpc)
        cpu0, _, _ = proc_stats(server.proc.pid)
        t0 = time.monotonic()
        rtt_task = asyncio.create_task(time_round_trips(rpc, stop))
        await asyncio.sleep(args.seconds)
        stop.set()
        wall = time.monotonic() - t0
        rtts = await rtt_task
        cpu1, rss, hwm = proc_stats(server.proc.pid)
        received = [(c or 0) - b for c, b in zip(counts, base)]
        stats1 = await frames_produced(rpc)
        await asyncio.gather(*tasks, return_exceptions=True)
        stalled.close()
        await rpc.call("pipeline.delete", {"pipeline": "load"})

    expected = 30 * wall
    print(f"## {args.viewers} WebSocket viewers of one 30 fps 320x240 stream + 1 viewer that never reads")
    print(f"viewers connected: {connected}/{args.viewers}, measured for {wall:.1f} s "
          f"(30 fps -> {expected:.0f} frames expected per viewer)")
    print(f"frames per viewer: min {min(received)}, median {statistics.median(received):.0f}, "
          f"max {max(received)} (median / expected = {statistics.median(received) / expected:.2f})")
    print(f"server CPU: {100 * (cpu1 - cpu0) / wall:.0f} % of one core; RSS {rss / 1024:.1f} MiB "
          f"(peak {hwm / 1024:.1f} MiB)")
    print(f"pipeline.list round trips meanwhile: n={len(rtts)}, p50 {percentile(rtts, 50):.2f} ms, "
          f"p99 {percentile(rtts, 99):.2f} ms")
    produced = stats1["buffers"] - stats0["buffers"]
    streamed = stats1["streams"]["frames_streamed"] - stats0["streams"]["frames_streamed"]
    dropped = stats1["streams"]["dropped_frames"] - stats0["streams"]["dropped_frames"]
    print(f"server.stats over the phase: {produced} frames produced (encoded once each), "
          f"{streamed} frames streamed to viewers, {dropped} dropped (the viewer that never reads "
          f"loses its oldest frames only once the kernel's socket buffers, a few MiB, are full)")
    return received


async def idle_phase(server, args):
    _, rss_before, _ = proc_stats(server.proc.pid)
    fds_before = open_fds(server.proc.pid)
    idle = []
    for _ in range(args.idle):
        idle.append(await websockets.connect(server.ws + "/api/v1/rpc"))
    _, rss_open, _ = proc_stats(server.proc.pid)
    async with websockets.connect(server.ws + "/api/v1/rpc") as ws:
        rpc = Rpc(ws)
        stop = asyncio.Event()
        cpu0, _, _ = proc_stats(server.proc.pid)
        t0 = time.monotonic()
        rtt_task = asyncio.create_task(time_round_trips(rpc, stop))
        await asyncio.sleep(args.seconds)
        stop.set()
        rtts = await rtt_task
        wall = time.monotonic() - t0
        cpu1, rss, _ = proc_stats(server.proc.pid)
    still_open = sum(1 for c in idle if c.open)
    fds = open_fds(server.proc.pid)
    await asyncio.gather(*(c.close() for c in idle), return_exceptions=True)
    print(f"## {args.idle} idle JSON-RPC WebSocket connections held for {wall:.1f} s")
    print(f"still open at the end: {still_open}/{args.idle}; server fds {fds_before} -> {fds}")
    print(f"server RSS {rss_before / 1024:.1f} MiB -> {rss_open / 1024:.1f} MiB with them open "
          f"({(rss_open - rss_before) / max(1, args.idle):.1f} KiB per connection); "
          f"CPU while idle {100 * (cpu1 - cpu0) / wall:.1f} % of one core")
    print(f"pipeline.list round trips meanwhile: n={len(rtts)}, p50 {percentile(rtts, 50):.2f} ms, "
          f"p99 {percentile(rtts, 99):.2f} ms")
    return still_open


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build", nargs="?", default="build")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--viewers", type=int, default=100)
    parser.add_argument("--idle", type=int, default=1000)
    args = parser.parse_args()

    # 1000 sockets on each side: lift this process's (and so the server's) soft limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < args.idle + args.viewers + 64:
        raise SystemExit(f"the open-file limit {hard} is too low for {args.idle} connections")

    server = Server(args.build, max(256, args.viewers + 1))
    ok = True
    try:
        print(f"machine: {os.cpu_count()} cores; clients run in one Python process on the same machine")
        received = asyncio.run(viewers_phase(server, args))
        ok &= min(received) > 0
        still_open = asyncio.run(idle_phase(server, args))
        ok &= still_open == args.idle
    finally:
        server.stop()
    print(f"server exit status {server.proc.returncode}")
    sys.exit(0 if ok and server.proc.returncode == 0 else 1)


if __name__ == "__main__":
    main()
