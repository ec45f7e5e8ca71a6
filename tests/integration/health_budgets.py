#!/usr/bin/env python3
"""`tessera health` and the memory budgets of `tessera serve` (docs/deploy.md):
health exits 0 only when a server answers /healthz with 200, and non-zero within its
timeout when nothing listens, when the listener never answers, or when it answers
something else; --memory-budget and --cache-size reach /metrics and /api/v1/stats, a
cache larger than the budget is refused, and serve stops on SIGTERM within 10 s.

usage: health_budgets.py BUILD_DIR
"""
import http.client
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tessera_it import TESSERA, WAIT, Checks, Server  # noqa: E402

check = Checks("health_budgets")


def health(*args, env=None):
    """Runs tessera health; returns (exit code, stdout + stderr, seconds)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}
    full_env.update(env or {})
    started = time.monotonic()
    p = subprocess.run([TESSERA, "health", *args], capture_output=True, text=True, timeout=WAIT, env=full_env)
    return p.returncode, p.stdout + p.stderr, time.monotonic() - started


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(srv, path, token=None):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=WAIT)
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
    r = conn.getresponse()
    body = r.read().decode()
    conn.close()
    return r.status, body


def metric(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return int(float(line.split()[1]))
    return None


# A running server: 0, by flag, by TESSERA_PORT, and with the wildcard bind serve uses
# in a container; the token does not matter (/healthz is open).
srv = Server(check, "--token", "s3cret", "--memory-budget", "512M", "--cache-size", "100M")
rc, out, _ = health("--port", str(srv.port))
check(rc == 0 and "ok" in out, f"health --port on a running server: {rc} {out!r}")
rc, out, _ = health(env={"TESSERA_PORT": str(srv.port)})
check(rc == 0, f"health with TESSERA_PORT: {rc} {out!r}")
rc, out, _ = health(env={"TESSERA_PORT": str(srv.port), "TESSERA_BIND": "0.0.0.0"})
check(rc == 0, f"health with TESSERA_BIND=0.0.0.0 (asks loopback): {rc} {out!r}")
rc, out, _ = health(f"--port={srv.port}", "--host", "127.0.0.1", "--timeout-ms", "5000")
check(rc == 0, f"health --port= --host --timeout-ms: {rc} {out!r}")

# The budgets as given, in both shapes.
status, text = get(srv, "/metrics", "s3cret")
check(status == 200, f"/metrics answered {status}")
check(metric(text, "tessera_memory_budget_bytes") == 512 << 20, "tessera_memory_budget_bytes is --memory-budget")
check(metric(text, "tessera_tile_cache_budget_bytes") == 100 << 20, "tessera_tile_cache_budget_bytes is --cache-size")
limit = metric(text, "tessera_memory_limit_bytes")
check(limit is not None and limit > 0, "tessera_memory_limit_bytes is reported")
status, body = get(srv, "/api/v1/stats", "s3cret")
budgets = json.loads(body).get("budgets", {}) if status == 200 else {}
check(budgets.get("memory_budget_bytes") == 512 << 20 and budgets.get("tile_cache_budget_bytes") == 100 << 20,
      f"/api/v1/stats budgets: {budgets}")
check(budgets.get("memory_limit_bytes") == limit and budgets.get("memory_limit_source"),
      f"/api/v1/stats names the limit and its source: {budgets}")

# SIGTERM: serve exits 0 (Server.stop checks) well within the 10 s a container gets.
started = time.monotonic()
srv.stop()
check(time.monotonic() - started < 10, f"serve stopped in {time.monotonic() - started:.1f} s")

# The same port with nothing on it now, and a port that never had anything: non-zero, at once.
for port in (srv.port, free_port()):
    rc, out, secs = health("--port", str(port))
    check(rc == 1 and "unhealthy" in out and "refused" in out.lower(), f"health on a closed port {port}: {rc} {out!r}")
    check(secs < 5, f"health on a closed port took {secs:.1f} s")

# A listener that accepts connections but never answers: non-zero once the timeout passes.
silent = socket.socket()
silent.bind(("127.0.0.1", 0))
silent.listen(8)
rc, out, secs = health("--port", str(silent.getsockname()[1]), "--timeout-ms", "500")
check(rc == 1 and "within 500 ms" in out, f"health on a silent listener: {rc} {out!r}")
check(0.4 < secs < 10, f"health on a silent listener returned after {secs:.1f} s (bound 0.5 s)")
silent.close()


# A server that answers, but not 200: non-zero, naming the status.
class Unavailable(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.send_response(503)
        self.end_headers()
        self.wfile.write(b'{"status":"overloaded"}')

    def log_message(self, *args):
        pass


busy = http.server.HTTPServer(("127.0.0.1", 0), Unavailable)
threading.Thread(target=busy.serve_forever, daemon=True).start()
rc, out, _ = health("--port", str(busy.server_address[1]))
check(rc == 1 and "503" in out, f"health on a server answering 503: {rc} {out!r}")
busy.shutdown()

# Bad usage: 2, naming the option or variable.
for args, env, names in ((["--port", "x"], None, "--port"), (["--timeout-ms", "0"], None, "--timeout-ms"),
                         (["--host", "example.com"], None, "--host"), (["--nope"], None, "--nope"),
                         ([], {"TESSERA_PORT": "70000"}, "TESSERA_PORT")):
    rc, out, _ = health(*args, env=env)
    check(rc == 2 and names in out, f"health {args} {env}: {rc} {out!r}")

# A tile cache larger than the memory budget is refused at start, naming both.
p = subprocess.run([TESSERA, "serve", "--port", "0", "--memory-budget", "64M", "--cache-size", "128M"],
                   capture_output=True, text=True, timeout=WAIT)
check(p.returncode == 2 and "exceeds the memory budget 67108864" in p.stderr, f"cache over budget: {p.returncode} {p.stderr!r}")

# Defaults: the budget is 3/4 of the limit, the cache 1/4 (at least 16 MiB).
srv = Server(check)
_, text = get(srv, "/metrics")
limit = metric(text, "tessera_memory_limit_bytes")
check(metric(text, "tessera_memory_budget_bytes") == max(16 << 20, limit // 4 * 3), "default memory budget is 3/4 of the limit")
check(metric(text, "tessera_tile_cache_budget_bytes") == max(16 << 20, limit // 4), "default cache is 1/4 of the limit")
srv.stop()

check.finish()
