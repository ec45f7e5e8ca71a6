#!/usr/bin/env python3
"""The memory budget and the shutdown deadline of `tessera serve` (docs/deploy.md),
against the real server:
- with --memory-budget 64M, a queue with every limit 0 behind a slow element (R1:
  2.2 GB in 4 s before the budget) ends in an error on that pipeline's bus naming the
  budget, while another pipeline keeps playing and /healthz answers; deleting it gives
  the memory back (live bytes in /api/v1/stats);
- SIGTERM while a filesink is blocked writing into a FIFO nobody reads (no state
  change reaches a blocked write): the process still ends within --shutdown-timeout,
  saying which pipeline was stopping, with status 1; without a stuck pipeline it ends
  at once with status 0;
- SIGTERM under load (busy 1080p pipelines, MJPEG viewers, clients creating and
  deleting): status 0 within the default 10 s deadline, every viewer's connection ends.

usage: budget_and_shutdown.py BUILD_DIR
"""
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tessera_it import WAIT, Checks, Server  # noqa: E402

check = Checks("budget_and_shutdown")


def call(srv, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=WAIT)
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read().decode()
    conn.close()
    try:
        return r.status, json.loads(data) if data else None
    except ValueError:
        return r.status, data


def pipeline(srv, name):
    status, body = call(srv, "GET", f"/api/v1/pipelines/{name}")
    return body if status == 200 else {}


def live_bytes(srv):
    _, stats = call(srv, "GET", "/api/v1/stats")
    return stats["memory"]["live_bytes"]


# --- the memory budget --------------------------------------------------------------
budget = 64 << 20
srv = Server(check, "--memory-budget", "64M", "--cache-size", "16M")
before = live_bytes(srv)
status, _ = call(srv, "POST", "/api/v1/pipelines", {
    "name": "hog",
    "description": "testsrc width=1920 height=1080 ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=0 "
                   "! identity sleep-us=200000 ! fakesink"})
check(status == 201, f"create hog: {status}")
status, _ = call(srv, "POST", "/api/v1/pipelines", {
    "name": "other", "description": "testsrc is-live=true width=320 height=240 pattern=ball ! fakesink"})
check(status == 201, f"create other: {status}")
call(srv, "PUT", "/api/v1/pipelines/other/state", {"state": "playing"})
call(srv, "PUT", "/api/v1/pipelines/hog/state", {"state": "playing"})
error = None
deadline = time.monotonic() + WAIT
while time.monotonic() < deadline and not error:
    error = pipeline(srv, "hog").get("error")
    time.sleep(0.1)
check(error is not None, "the pipeline past the budget got no error")
if error:
    check(f"the memory budget of {budget} bytes would be passed" in error["message"],
          f"the error does not name the budget: {error}")
    check(error.get("source") == "testsrc0", f"the error's source: {error}")
_, stats = call(srv, "GET", "/api/v1/stats")
check(stats["memory"]["peak_bytes"] <= budget, f"peak {stats['memory']['peak_bytes']} passed the budget {budget}")
other = pipeline(srv, "other")
p0 = other.get("position_ns") or 0
time.sleep(0.5)
other = pipeline(srv, "other")
check(other.get("error") is None and other.get("state") == "playing", f"the other pipeline: {other}")
check((other.get("position_ns") or 0) > p0, "the other pipeline stopped moving")
status, _ = call(srv, "GET", "/healthz")
check(status == 200, f"/healthz {status} after the budget was reached")
status, _ = call(srv, "DELETE", "/api/v1/pipelines/hog")
check(status == 200, f"delete hog: {status}")
call(srv, "DELETE", "/api/v1/pipelines/other")
after = live_bytes(srv)
check(after <= before + (1 << 20), f"live bytes {before} before, {after} after both pipelines went")
srv.stop()

# --- the shutdown deadline -------------------------------------------------------------
with tempfile.TemporaryDirectory() as media:
    fifo = os.path.join(media, "out.fifo")
    os.mkfifo(fifo)
    # A reader that opens the FIFO and never reads: the writer blocks once the pipe is full.
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    srv = Server(check, "--media-root", media, "--shutdown-timeout", "2")
    call(srv, "POST", "/api/v1/pipelines", {"name": "stuck", "description": "testsrc ! filesink location=out.fifo"})
    call(srv, "PUT", "/api/v1/pipelines/stuck/state", {"state": "playing"})
    time.sleep(1)  # the pipe fills (64 KiB) within a frame; the streaming thread blocks in write()
    started = time.monotonic()
    srv.proc.send_signal(signal.SIGTERM)
    try:
        srv.proc.wait(timeout=WAIT)
    except subprocess.TimeoutExpired:
        srv.proc.kill()
        srv.proc.wait()
    took = time.monotonic() - started
    srv.log.seek(0)
    log = srv.log.read()
    check(took < 2 + 3, f"SIGTERM with a stuck pipeline took {took:.1f} s (--shutdown-timeout 2)")
    check(took >= 1.5, f"the process ended after {took:.1f} s, before its deadline: it did not wait for the pipeline")
    check(srv.proc.returncode == 1, f"exit status {srv.proc.returncode} after the deadline")
    check('shutdown did not finish within 2000 ms (--shutdown-timeout): still stopping pipelines "stuck"' in log,
          f"the message does not name the stuck pipeline: {log[-400:]!r}")
    os.close(fd)

# SIGTERM under load, with the default 10 s deadline: busy 1080p pipelines (a slow
# element, an unbounded queue, tiles through boxblur, JPEG viewers that read), clients
# that keep creating, seeking and deleting, and MJPEG viewers attached. The server
# must end with status 0 within the deadline, and every viewer's connection ends.
import socket  # noqa: E402
import threading  # noqa: E402

srv = Server(check)
busy = {
    "jpeg": "testsrc is-live=true width=1920 height=1080 pattern=snow ! videoconvert ! jpegenc ! websink name=out",
    "slow": "testsrc width=1920 height=1080 ! identity sleep-us=300000 ! fakesink",
    "queued": "testsrc width=1920 height=1080 ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=0 "
              "! identity sleep-us=100000 ! fakesink",
    "tiles": "testsrc tiled=true width=2048 height=2048 pattern=snow ! boxblur radius=4 ! fakesink",
}
for name, description in busy.items():
    status, body = call(srv, "POST", "/api/v1/pipelines", {"name": name, "description": description})
    check(status == 201, f"create {name}: {status} {body}")
    call(srv, "PUT", f"/api/v1/pipelines/{name}/state", {"state": "playing"})
viewers = []
for _ in range(4):
    sock = socket.create_connection(("127.0.0.1", srv.port), timeout=WAIT)
    sock.sendall(f"GET /api/v1/pipelines/jpeg/sinks/out/mjpeg HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    viewers.append(sock)
stop_clients = threading.Event()


def churn(index):
    # Create, play, seek and delete as fast as the server answers, until SIGTERM.
    n = 0
    while not stop_clients.is_set():
        name = f"churn{index}_{n % 3}"
        try:
            call(srv, "POST", "/api/v1/pipelines", {"name": name, "description": "testsrc ! videoconvert ! fakesink"})
            call(srv, "PUT", f"/api/v1/pipelines/{name}/state", {"state": "playing"})
            call(srv, "POST", f"/api/v1/pipelines/{name}/seek", {"position_ns": 0, "flags": ["flush"]})
            call(srv, "DELETE", f"/api/v1/pipelines/{name}")
        except (OSError, http.client.HTTPException):
            return  # the server is going away
        n += 1


clients = [threading.Thread(target=churn, args=(i,)) for i in range(3)]
for c in clients:
    c.start()
time.sleep(2)
for sock in viewers:  # frames flow to every viewer before the signal
    sock.settimeout(WAIT)
    check(len(sock.recv(65536)) > 0, "an MJPEG viewer got nothing before SIGTERM")
started = time.monotonic()
srv.proc.send_signal(signal.SIGTERM)
try:
    srv.proc.wait(timeout=10 + 5)
except subprocess.TimeoutExpired:
    srv.proc.kill()
    srv.proc.wait()
took = time.monotonic() - started
stop_clients.set()
for c in clients:
    c.join(WAIT)
srv.log.seek(0)
check(srv.proc.returncode == 0, f"SIGTERM under load: exit status {srv.proc.returncode} (1 means the 10 s deadline "
      f"passed) after {took:.1f} s: {srv.log.read()[-600:]!r}")
check(took <= 10 + 1, f"SIGTERM under load took {took:.1f} s (deadline 10 s)")
for sock in viewers:  # each viewer's stream ends (EOF or reset), none hangs
    sock.settimeout(2)
    ended = False
    try:
        while True:
            if not sock.recv(65536):
                ended = True
                break
    except (ConnectionResetError, BrokenPipeError):
        ended = True
    except TimeoutError:
        ended = False
    check(ended, "an MJPEG viewer's connection stayed open after the server exited")
    sock.close()

# Nothing stuck: SIGTERM ends the process at once, status 0 (Server.stop checks it).
srv = Server(check, "--shutdown-timeout", "2")
call(srv, "POST", "/api/v1/pipelines", {"name": "p", "description": "testsrc is-live=true ! fakesink"})
call(srv, "PUT", "/api/v1/pipelines/p/state", {"state": "playing"})
started = time.monotonic()
srv.stop()
# Within the 2 s deadline, or the exit status would be 1 (which Server.stop checks).
check(time.monotonic() - started < 5, f"a clean SIGTERM took {time.monotonic() - started:.1f} s")
check.finish()
