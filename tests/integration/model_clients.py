"""Several clients drive one real server with random sequences of what a user can ask
(create, state changes, seeks, EOS, property changes, describes, viewers that attach
and vanish, deletes), each from its own seeded random generator, while a monitor asks
/healthz. Asserted: every call answers within its bound with a status the API
documents for it (never 500, never a dropped connection); /healthz stays quick; at the
end every pipeline can be deleted, the registry is empty and SIGTERM ends the server
with 0 in time.

    python3 tests/integration/model_clients.py [BUILD_DIR]

Environment: MODEL_SEED (default 1), MODEL_CLIENTS (4), MODEL_OPS (operations per
client, 120), MODEL_SECONDS (stop earlier after this long, default 600), MODEL_BOUND
(seconds any call may take, default 10; the TSan run raises it), MODEL_SAMPLES (a CSV
file: the server's RSS, open fds and threads every 5 s, with their slopes over the
second half of the run printed at the end). `make soak` runs it for 30 minutes.
"""
import http.client
import json
import os
import random
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from tessera_it import Checks, Server  # noqa: E402

SEED = int(os.environ.get("MODEL_SEED", "1"))
CLIENTS = int(os.environ.get("MODEL_CLIENTS", "4"))
OPS = int(os.environ.get("MODEL_OPS", "120"))
SECONDS = float(os.environ.get("MODEL_SECONDS", "600"))
BOUND = float(os.environ.get("MODEL_BOUND", "10"))
HEALTH_BOUND = BOUND / 2

# Small frames keep the sanitizer builds quick; the shapes are what matters: live and
# not, slow transforms, queues and tees, tiles, audio, and one that never parses.
DESCRIPTIONS = [
    "testsrc is-live=true width=160 height=120 pattern=ball ! websink name=out",
    "testsrc num-buffers=300 width=160 height=120 ! identity name=id sleep-us=2000 ! websink name=out",
    "testsrc num-buffers=200 width=160 height=120 ! queue ! invert ! fakesink sync=true",
    "audiotestsrc num-buffers=200 ! volume volume=0.5 ! fakesink sync=true",
    "testsrc is-live=true width=160 height=120 ! identity name=id sleep-us=50000 ! fakesink",
    "testsrc width=256 height=256 tiled=true num-buffers=30 ! boxblur radius=2 ! fakesink",
    "fakesrc num-buffers=100 ! tee name=t t. ! queue ! fakesink t. ! queue ! fakesink",
    "testsrc ! nosuchelement ! fakesink",
]
PROPERTIES = [("id", "sleep-us", lambda r: r.choice([0, 1000, 20000])),
              ("out", "quality", lambda r: r.randint(1, 100)),
              ("testsrc0", "pattern", lambda r: r.choice(["ball", "snow", "smpte"])),
              ("nosuch", "x", lambda r: 1)]
STATES = ["null", "ready", "paused", "playing"]

# What each operation may answer: the documented statuses (docs/api.md).
ALLOWED = {
    "create": {201, 400, 409, 429, 503},
    "state": {200, 400, 404, 409},
    "seek": {200, 400, 404, 409},
    "eos": {200, 404, 409},
    "property": {200, 400, 404, 409},
    "describe": {200, 404},
    "position": {200, 404, 409},
    "delete": {200, 404},
    "viewer": {200, 404, 409, 503},
}


class Client(threading.Thread):
    def __init__(self, index, server, check, deadline):
        super().__init__(name=f"client{index}")
        self.index = index
        self.server = server
        self.check = check
        self.deadline = deadline
        self.rng = random.Random(SEED * 1000 + index)
        self.names = [f"m{index}_{k}" for k in range(3)]  # each client works on its own names...
        self.shared = [f"m{(index + 1) % CLIENTS}_0"]  # ...and one of its neighbour's
        self.slowest = (0.0, "")
        self.calls = 0
        self.statuses = {}  # "op status" -> count, to show what the run exercised

    def request(self, what, method, path, body=None, read_limit=None):
        start = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=BOUND)
        try:
            conn.request(method, path, body=None if body is None else json.dumps(body),
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read(read_limit) if read_limit else resp.read()
            status = resp.status
        except Exception as e:  # a timeout or a dropped connection
            self.check(False, f"{self.name}: {what} {method} {path} failed after "
                              f"{time.monotonic() - start:.1f} s: {e!r}")
            return None, None
        finally:
            conn.close()
        took = time.monotonic() - start
        self.calls += 1
        self.count(what, status)
        if took > self.slowest[0]:
            self.slowest = (took, f"{method} {path}")
        self.check(took <= BOUND, f"{self.name}: {what} {method} {path} took {took:.1f} s (bound {BOUND} s)")
        self.check(status in ALLOWED[what], f"{self.name}: {what} {method} {path} answered {status}: {data[:200]!r}")
        return status, data

    def run(self):
        r = self.rng
        for _ in range(OPS):
            if time.monotonic() > self.deadline:
                break
            time.sleep(r.uniform(0, 0.05))  # let pipelines run between requests
            name = r.choice(self.names + self.shared)
            base = f"/api/v1/pipelines/{name}"
            op = r.choices(["create", "state", "seek", "eos", "property", "describe", "position", "delete",
                            "viewer"], weights=[4, 6, 3, 1, 2, 2, 2, 2, 2])[0]
            if op == "create":
                self.request(op, "POST", "/api/v1/pipelines", {"name": name, "description": r.choice(DESCRIPTIONS)})
            elif op == "state":
                self.request(op, "PUT", f"{base}/state", {"state": r.choice(STATES)})
            elif op == "seek":
                self.request(op, "POST", f"{base}/seek", {"position_ns": r.randint(0, 3_000_000_000),
                                                         "flags": r.choice([["flush"], ["flush", "key-unit"], []])})
            elif op == "eos":
                self.request(op, "POST", f"{base}/eos")
            elif op == "property":
                element, prop, value = r.choice(PROPERTIES)
                self.request(op, "PUT", f"{base}/elements/{element}/properties/{prop}", {"value": value(r)})
            elif op == "describe":
                self.request(op, "GET", base)
            elif op == "position":
                self.request(op, "GET", f"{base}/position")
            elif op == "delete":
                self.request(op, "DELETE", base)
            elif op == "viewer":
                # A browser that watches a little and vanishes: read a few bytes of the
                # MJPEG stream (headers only if the pipeline is not playing) and drop it.
                self.viewer(f"{base}/sinks/out/mjpeg")

    def viewer(self, path):
        start = time.monotonic()
        try:
            with socket.create_connection(("127.0.0.1", self.server.port), timeout=BOUND) as sock:
                sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.server.port}\r\n\r\n".encode())
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    head += chunk
                status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.1 ") else None
                self.count("viewer", status)
                self.check(status in ALLOWED["viewer"], f"{self.name}: viewer {path} answered {head[:200]!r}")
                if status == 200:
                    sock.settimeout(self.rng.uniform(0.05, 0.5))
                    try:
                        sock.recv(65536)  # a frame may or may not come (paused, ended): both fine
                    except (TimeoutError, OSError):
                        pass
            # ...and vanishes without a goodbye.
        except Exception as e:
            self.check(False, f"{self.name}: viewer {path} failed after {time.monotonic() - start:.1f} s: {e!r}")
        self.check(time.monotonic() - start <= BOUND + 1, f"{self.name}: viewer {path} took too long")

    def count(self, what, status):
        key = f"{what} {status}"
        self.statuses[key] = self.statuses.get(key, 0) + 1


def health_monitor(server, check, stop, worst):
    while not stop.is_set():
        start = time.monotonic()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=HEALTH_BOUND)
            conn.request("GET", "/healthz")
            status = conn.getresponse().status
            conn.close()
        except Exception as e:
            check(False, f"/healthz failed after {time.monotonic() - start:.1f} s: {e!r}")
            status = None
        took = time.monotonic() - start
        worst[0] = max(worst[0], took)
        check(status == 200 and took <= HEALTH_BOUND, f"/healthz answered {status} in {took:.2f} s")
        stop.wait(0.25)


def process_sample(pid):
    """(rss bytes, open fds, threads) of `pid` from /proc."""
    rss = threads = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    return rss, len(os.listdir(f"/proc/{pid}/fd")), threads


def slope(points):
    """Least-squares slope of [(t, v)], per hour."""
    n = len(points)
    if n < 2:
        return 0.0
    mt = sum(t for t, _ in points) / n
    mv = sum(v for _, v in points) / n
    var = sum((t - mt) ** 2 for t, _ in points)
    return 0.0 if var == 0 else sum((t - mt) * (v - mv) for t, v in points) / var * 3600


def sampler(server, path, stop, started):
    rows = []
    with open(path, "w") as out:
        out.write("seconds,rss_bytes,fds,threads\n")
        while not stop.is_set():
            t = time.monotonic() - started
            rss, fds, threads = process_sample(server.proc.pid)
            rows.append((t, rss, fds, threads))
            out.write(f"{t:.1f},{rss},{fds},{threads}\n")
            out.flush()
            stop.wait(5)
    half = [r for r in rows if r[0] >= rows[-1][0] / 2] if rows else []
    print(f"model_clients: samples in {path}; over the second half ({len(half)} samples): "
          f"RSS {slope([(r[0], r[1] / 2**20) for r in half]):+.2f} MiB/h "
          f"(last {rows[-1][1] / 2**20:.1f} MiB), fds {slope([(r[0], r[2]) for r in half]):+.2f}/h "
          f"(last {rows[-1][2]}), threads {slope([(r[0], r[3]) for r in half]):+.2f}/h (last {rows[-1][3]})"
          if rows else "model_clients: no samples")


def main():
    check = Checks("model_clients")
    server = Server(check, "--max-pipelines", "64")
    started = time.monotonic()
    clients = [Client(i, server, check, started + SECONDS) for i in range(CLIENTS)]
    stop, worst_health = threading.Event(), [0.0]
    monitor = threading.Thread(target=health_monitor, args=(server, check, stop, worst_health))
    monitor.start()
    sampling = None
    if os.environ.get("MODEL_SAMPLES"):
        sampling = threading.Thread(target=sampler, args=(server, os.environ["MODEL_SAMPLES"], stop, started))
        sampling.start()
    for c in clients:
        c.start()
    # A client stops at its deadline or after OPS operations of at most BOUND + 1 s
    # each, whichever comes first, and then finishes the operation under way. (Not
    # SECONDS + OPS * BOUND: `make soak` passes OPS=10^9, past what join accepts.)
    finish_by = started + min(SECONDS, OPS * (BOUND + 1.1)) + BOUND + 2
    for c in clients:
        c.join(max(0.0, finish_by - time.monotonic()))
        check(not c.is_alive(), f"{c.name} did not finish")
    stop.set()
    monitor.join()
    if sampling:
        sampling.join()

    # Everything left can be deleted, and then nothing is left.
    cleaner = Client(CLIENTS, server, check, time.monotonic() + 60)
    status, data = cleaner.request("describe", "GET", "/api/v1/pipelines")
    left = [p["name"] for p in json.loads(data)["pipelines"]] if status == 200 else []
    for name in left:
        cleaner.request("delete", "DELETE", f"/api/v1/pipelines/{name}")
    status, data = cleaner.request("describe", "GET", "/api/v1/stats")
    check(status == 200 and json.loads(data)["pipelines"] == 0, f"pipelines left after deleting all: {data[:200]!r}")

    stopping = time.monotonic()
    server.stop()
    check(time.monotonic() - stopping <= 10 + 1, f"SIGTERM took {time.monotonic() - stopping:.1f} s (SPEC: 10 s)")
    calls = sum(c.calls for c in clients)
    slowest = max(c.slowest for c in clients)
    print(f"model_clients: seed {SEED}, {CLIENTS} clients, {calls} calls in {time.monotonic() - started:.1f} s; "
          f"slowest call {slowest[0]:.2f} s ({slowest[1]}), slowest /healthz {worst_health[0]:.2f} s")
    statuses = {}
    for c in clients:
        for k, n in c.statuses.items():
            statuses[k] = statuses.get(k, 0) + n
    print("model_clients: answers: " + ", ".join(f"{k}: {n}" for k, n in sorted(statuses.items())))
    check(statuses.get("create 201", 0) > 0 and statuses.get("state 200", 0) > 0 and statuses.get("delete 200", 0) > 0,
          "the run never created, changed or deleted a pipeline: the model exercised nothing")
    check.finish()


if __name__ == "__main__":
    main()
