"""What the integration scripts share: the build's binary, a check() that records
failures, and a real `tessera serve --port 0` child process.

The scripts in tests/integration/ import it with
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
(scripts/run-integration-tests runs only the files directly in tests/integration/).
"""
import os
import re
import struct
import subprocess
import sys
import tempfile
import time

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
TESSERA = os.path.abspath(os.path.join(BUILD, "bin", "tessera"))
WAIT = 30  # seconds for any one step, reply or frame; generous for a loaded 2-core machine


def require_websockets():
    """The `websockets` module (Debian's python3-websockets). A python3 without it first
    in PATH (pyenv) hands the script over to /usr/bin/python3, which has it."""
    try:
        import websockets
        return websockets
    except ImportError:
        if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
            os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
        raise


def rest(server, method, path, body=None):
    """One plain-HTTP REST call to `server` (a Server): (status, the JSON reply or None)."""
    import http.client
    import json
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT)
    conn.request(method, path, body=json.dumps(body) if body is not None else None)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, (json.loads(data) if data else None)


def jpeg_size(data):
    """(width, height) from the SOF0/SOF1/SOF2 marker of a complete JPEG, else None."""
    if len(data) < 4 or data[:2] != b"\xff\xd8" or data[-2:] != b"\xff\xd9":
        return None
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        i += 2 + length
    return None


class Checks:
    """Counts checks and keeps the failed ones; `finish()` exits 1 if any failed."""

    def __init__(self, name):
        self.name = name
        self.count = 0
        self.failures = []

    def __call__(self, cond, what):
        self.count += 1
        if not cond:
            self.failures.append(what)
            print("FAIL:", what, file=sys.stderr)

    def finish(self):
        if self.failures:
            print(f"{self.name}: {len(self.failures)} failure(s)", file=sys.stderr)
            sys.exit(1)
        print(f"{self.name}: ok ({self.count} checks)")


class Server:
    """`tessera serve --port 0 FLAGS...` (in `cwd`, default ours). Its output goes to a file (never a full pipe),
    from which the URL is read: `port`, `http` and `ws` are its base URLs (https and wss
    when it serves TLS). stop()
    terminates it and checks, with `check`, that it exited 0."""

    def __init__(self, check, *flags, wait=WAIT, cwd=None):
        self.check = check
        self.wait = wait
        self.log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen([TESSERA, "serve", "--port", "0", *flags], stdout=self.log,
                                     stderr=subprocess.STDOUT, text=True, cwd=cwd)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and self.proc.poll() is None:
            self.log.seek(0)
            m = re.search(r"serving on (https?://[^/\s]+:(\d+))/", self.log.read())
            if m:
                self.http = m.group(1)  # https://... with --tls-cert
                self.port = int(m.group(2))
                self.ws = "ws" + self.http[len("http"):]  # wss://... with --tls-cert
                return
            time.sleep(0.05)
        self.log.seek(0)
        output = self.log.read()
        self.stop()
        raise SystemExit(f"tessera serve did not start: {output[-500:]!r}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=self.wait)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.check(self.proc.returncode == 0, f"tessera serve exited {self.proc.returncode}")
