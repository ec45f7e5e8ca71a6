#!/usr/bin/env python3
"""The REST API as a user drives it (SPEC sections 2, 7, 8), against the real binary.

Starts `tessera serve --port 0` (the server prints the port it bound), then exercises
every REST route and error status, a create -> pause -> seek -> play -> set property ->
EOS -> delete cycle, the token, Host (DNS rebinding) and Origin checks, the media-root
confinement, the pipeline limit, the unsafe-bind refusal, and a SIGTERM shutdown that
must exit 0. Bounded waits only; every server started is stopped.

usage: rest_api.py BUILD_DIR
"""
import http.client
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
BIN = os.path.join(BUILD, "bin", "tessera")
START_TIMEOUT_S = 20
STOP_TIMEOUT_S = 10
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


WEB_INDEX = "<!doctype html><title>tessera web root test</title>"


class Server:
    """A `tessera serve` child process on a free loopback port."""

    def __init__(self, *args, env=None):
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = subprocess.Popen([BIN, "serve", "--port", "0", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, env=full_env)
        self.lines = queue.Queue()
        self.output = []
        threading.Thread(target=self._drain, daemon=True).start()
        self.port = None
        try:
            while self.port is None:
                line = self.lines.get(timeout=START_TIMEOUT_S)
                if line is None:
                    raise RuntimeError("server exited before serving:\n" + "".join(self.output))
                m = re.search(r"serving on http://127\.0\.0\.1:(\d+)/", line)
                if m:
                    self.port = int(m.group(1))
        except queue.Empty:
            self.proc.kill()
            raise RuntimeError("server did not print its URL within %ss" % START_TIMEOUT_S)

    def _drain(self):
        for line in self.proc.stdout:
            self.output.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def request(self, method, path, body=None, headers=None, host=None):
        """(status, content-type, parsed JSON or text)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        hdrs = dict(headers or {})
        if host is not None:
            hdrs["Host"] = host
        data = body if body is None or isinstance(body, (bytes, str)) else json.dumps(body)
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read().decode("utf-8", "replace")
        ctype = resp.getheader("Content-Type", "")
        conn.close()
        if ctype.startswith("application/json") and raw:
            return resp.status, ctype, json.loads(raw)
        return resp.status, ctype, raw

    def stop(self):
        """SIGTERM; returns the exit status (None if it had to be killed)."""
        if self.proc.poll() is not None:
            return self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None


def error_of(body):
    return body.get("error", {}).get("message", "") if isinstance(body, dict) else ""


def expect(srv, method, path, status, body=None, contains=None, **kw):
    got, ctype, reply = srv.request(method, path, body, **kw)
    check(got == status, "%s %s -> %s, want %s (%s)" % (method, path, got, status, reply))
    if status >= 400:
        check(isinstance(reply, dict) and reply.get("error", {}).get("code") == status,
              "%s %s: error body %r lacks code %s" % (method, path, reply, status))
    if contains is not None:
        text = error_of(reply) if status >= 400 else json.dumps(reply)
        check(contains in text, "%s %s: %r does not mention %r" % (method, path, text, contains))
    return reply


def test_routes_and_errors(srv):
    expect(srv, "GET", "/healthz", 200)
    factories = expect(srv, "GET", "/api/v1/factories", 200)
    names = [f["name"] for f in factories["factories"]]
    check("testsrc" in names and "websink" in names, "factory list: %r" % names)
    testsrc = expect(srv, "GET", "/api/v1/factories/testsrc", 200)
    check(any(p["name"] == "pattern" for p in testsrc.get("properties", [])), "testsrc has no pattern property")
    expect(srv, "GET", "/api/v1/factories/nosuch", 404, contains="nosuch")

    expect(srv, "GET", "/api/v1/pipelines", 200)
    created = expect(srv, "POST", "/api/v1/pipelines", 201, {"description": "testsrc ! invert ! fakesink"})
    check(created.get("name") == "p0", "auto name: %r" % created.get("name"))
    expect(srv, "POST", "/api/v1/pipelines", 409, {"name": "p0", "description": "testsrc ! fakesink"},
           contains="already exists")
    expect(srv, "POST", "/api/v1/pipelines", 400, {"description": "testsrc ! invret ! fakesink"},
           contains='1:11: no element "invret"')
    expect(srv, "POST", "/api/v1/pipelines", 400, '{"description": ', contains="not valid JSON")
    expect(srv, "POST", "/api/v1/pipelines", 400, "", contains="empty")
    expect(srv, "POST", "/api/v1/pipelines", 400, "[1, 2]", contains="an array")
    expect(srv, "POST", "/api/v1/pipelines", 400, {"name": "x"}, contains='"description" is missing')
    expect(srv, "POST", "/api/v1/pipelines", 400, {"description": 5}, contains="must be a string")
    expect(srv, "POST", "/api/v1/pipelines", 400, {"name": "a/b", "description": "testsrc ! fakesink"},
           contains="may only contain")
    expect(srv, "GET", "/api/v1/pipelines/nosuch", 404, contains="nosuch")
    expect(srv, "DELETE", "/api/v1/pipelines/nosuch", 404)
    expect(srv, "PUT", "/api/v1/pipelines/nosuch/state", 404, {"state": "playing"})
    expect(srv, "PATCH", "/api/v1/pipelines/p0", 405)
    expect(srv, "PUT", "/api/v1/pipelines/p0/state", 400, {"state": "flying"}, contains="unknown state")
    expect(srv, "PUT", "/api/v1/pipelines/p0/state", 400, {}, contains='"state" is missing')
    expect(srv, "POST", "/api/v1/pipelines/p0/seek", 409, {"position_ns": 0}, contains="seek")
    expect(srv, "POST", "/api/v1/pipelines/p0/eos", 409)
    expect(srv, "GET", "/api/v1/pipelines/p0/elements/nosuch/properties/x", 404, contains="nosuch")
    expect(srv, "DELETE", "/api/v1/pipelines/p0", 200)
    expect(srv, "GET", "/api/v1/pipelines/p0", 404)
    expect(srv, "GET", "/nosuch.html", 404)
    expect(srv, "GET", "/..%2F..%2Fetc%2Fpasswd", 400)
    status, ctype, body = srv.request("GET", "/")
    check(status == 200 and ctype.startswith("text/html") and WEB_INDEX in str(body),
          "GET / -> %s %s %r: not the index.html of TESSERA_WEB_ROOT" % (status, ctype, body))


def test_cycle(srv):
    desc = "testsrc pattern=ball ! videoconvert ! websink name=out"
    created = expect(srv, "POST", "/api/v1/pipelines", 201, {"name": "cycle", "description": desc})
    check(created["description"] == desc and created["state"] == "null", "created: %r" % created)
    elements = {e["name"]: e for e in created["elements"]}
    check(set(elements) == {"testsrc0", "videoconvert0", "out"}, "elements: %r" % list(elements))
    src_pad = elements["testsrc0"]["pads"][0]
    check(src_pad["peer"] == "videoconvert0.sink" and src_pad["caps"] is None and src_pad["mode"] == "none",
          "pad before negotiation: %r" % src_pad)

    state = expect(srv, "PUT", "/api/v1/pipelines/cycle/state", 200, {"state": "paused"})
    check(state["state"] == "paused", "paused: %r" % state)
    described = expect(srv, "GET", "/api/v1/pipelines/cycle", 200)
    pad = [e for e in described["elements"] if e["name"] == "out"][0]["pads"][0]
    check(pad["caps"] is not None and pad["caps"].startswith("video/x-raw") and pad["mode"] == "push",
          "negotiated pad: %r" % pad)

    expect(srv, "POST", "/api/v1/pipelines/cycle/seek", 200,
           {"position_ns": 2000000000, "flags": ["flush", "accurate"], "rate": 1.0})
    pos = expect(srv, "GET", "/api/v1/pipelines/cycle/position", 200)
    check(pos["position_ns"] == 2000000000, "position after seek in PAUSED: %r" % pos)
    expect(srv, "POST", "/api/v1/pipelines/cycle/seek", 400, {"position_ns": -1}, contains="negative")
    expect(srv, "POST", "/api/v1/pipelines/cycle/seek", 400, {"position_ns": 1, "flags": ["sideways"]},
           contains="sideways")
    expect(srv, "POST", "/api/v1/pipelines/cycle/seek", 400, {"position_ns": 1, "rate": 0}, contains="rate")
    expect(srv, "POST", "/api/v1/pipelines/cycle/seek", 400, {"flags": []}, contains="position_ns")

    state = expect(srv, "PUT", "/api/v1/pipelines/cycle/state", 200, {"state": "playing"})
    check(state["state"] == "playing", "playing: %r" % state)
    prop = "/api/v1/pipelines/cycle/elements/out/properties/quality"
    expect(srv, "PUT", prop, 200, {"value": 50})
    got = expect(srv, "GET", prop, 200)
    check(got["value"] == 50, "quality after set: %r" % got)
    expect(srv, "PUT", prop, 400, {"value": 500}, contains="out of range")
    expect(srv, "PUT", prop, 400, {"value": [1]}, contains="array")
    expect(srv, "PUT", prop, 400, {"val": 1}, contains='"value" is missing')
    expect(srv, "PUT", "/api/v1/pipelines/cycle/elements/out/properties/max-subscribers", 409, {"value": 3},
           contains="cannot change in state playing")
    expect(srv, "PUT", "/api/v1/pipelines/cycle/elements/out/properties/nosuch", 404, {"value": 3})
    expect(srv, "PUT", "/api/v1/pipelines/cycle/elements/testsrc0/properties/pattern", 200, {"value": "smpte"})
    expect(srv, "PUT", "/api/v1/pipelines/cycle/elements/testsrc0/properties/pattern", 400, {"value": "zigzag"})

    status, ctype, dot = srv.request("GET", "/api/v1/pipelines/cycle/graph")
    check(status == 200 and ctype.startswith("text/vnd.graphviz") and dot.startswith('digraph "cycle"')
          and '"testsrc0.src" -> "videoconvert0.sink"' in dot, "graph: %s %s %r" % (status, ctype, dot[:200]))

    stats = expect(srv, "GET", "/api/v1/stats", 200)
    check(stats["pipelines"] >= 1 and "cycle" in stats["per_pipeline"] and "memory" in stats
          and "http" in stats and "streams" in stats, "stats: %r" % list(stats))
    status, ctype, metrics = srv.request("GET", "/metrics")
    check(status == 200 and ctype.startswith("text/plain"), "metrics: %s %s" % (status, ctype))
    for name in ("tessera_pipelines ", "tessera_memory_allocated_bytes_total", "tessera_memory_copied_bytes_total",
                 'tessera_pipeline_buffers_total{pipeline="cycle"}', "tessera_http_requests_total",
                 "tessera_http_request_duration_seconds_count", "tessera_frames_streamed_total",
                 "tessera_stream_subscribers", "tessera_stream_dropped_frames_total"):
        check(name in metrics, "metrics lack %s" % name)

    expect(srv, "POST", "/api/v1/pipelines/cycle/eos", 200)
    expect(srv, "DELETE", "/api/v1/pipelines/cycle", 200)
    expect(srv, "GET", "/api/v1/pipelines/cycle", 404)
    expect(srv, "GET", "/healthz", 200)  # still serving


def test_media_root(srv, root):
    expect(srv, "POST", "/api/v1/pipelines", 201, {"name": "inside", "description": "filesrc location=in.raw ! fakesink"})
    expect(srv, "DELETE", "/api/v1/pipelines/inside", 200)
    for location in ("/etc/passwd", "../outside.raw", "escape/passwd"):
        expect(srv, "POST", "/api/v1/pipelines", 403, {"description": "filesrc location=%s ! fakesink" % location})
    expect(srv, "POST", "/api/v1/pipelines", 403, {"description": "testsrc num-buffers=1 ! filesink location=../x"})


def test_pipeline_limit(srv, limit):
    for i in range(limit):
        expect(srv, "POST", "/api/v1/pipelines", 201, {"name": "l%d" % i, "description": "testsrc ! fakesink"})
    expect(srv, "POST", "/api/v1/pipelines", 429, {"name": "over", "description": "testsrc ! fakesink"},
           contains="limit")
    for i in range(limit):
        expect(srv, "DELETE", "/api/v1/pipelines/l%d" % i, 200)
    expect(srv, "POST", "/api/v1/pipelines", 201, {"name": "again", "description": "testsrc ! fakesink"})


def test_host_and_origin(srv):
    expect(srv, "GET", "/api/v1/pipelines", 421, host="rebind.attacker.example:%d" % srv.port,
           contains="DNS rebinding")
    expect(srv, "GET", "/api/v1/pipelines", 200, host="localhost:%d" % srv.port)
    expect(srv, "GET", "/api/v1/pipelines", 403, headers={"Origin": "http://evil.example"})
    expect(srv, "GET", "/api/v1/pipelines", 200, headers={"Origin": "http://127.0.0.1:%d" % srv.port})
    expect(srv, "GET", "/api/v1/pipelines", 200, headers={"Origin": "https://ui.example"})  # --allow-origin


def test_token(srv, token):
    auth = {"Authorization": "Bearer " + token}
    expect(srv, "GET", "/api/v1/pipelines", 401, contains="missing token")
    expect(srv, "GET", "/api/v1/pipelines", 401, headers={"Authorization": "Bearer nope"}, contains="invalid token")
    expect(srv, "GET", "/metrics", 401)
    expect(srv, "GET", "/api/v1/pipelines?token=" + token, 401)  # only streams may use ?token=
    expect(srv, "GET", "/healthz", 200)
    expect(srv, "GET", "/api/v1/pipelines", 200, headers=auth)
    status, _, _ = srv.request("GET", "/metrics", headers=auth)
    check(status == 200, "/metrics with token -> %s" % status)
    expect(srv, "POST", "/api/v1/pipelines", 201, {"description": "testsrc ! fakesink"}, headers=auth)


def test_unsafe_bind_refused():
    r = subprocess.run([BIN, "serve", "--bind", "0.0.0.0", "--port", "0"], capture_output=True, text=True,
                       timeout=STOP_TIMEOUT_S)
    check(r.returncode == 2 and "without a token" in r.stderr, "unsafe bind: %s %r" % (r.returncode, r.stderr))
    r = subprocess.run([BIN, "serve", "--port", "0"], capture_output=True, text=True, timeout=STOP_TIMEOUT_S,
                       env=dict(os.environ, TESSERA_BIND="0.0.0.0"))
    check(r.returncode == 2, "unsafe bind from TESSERA_BIND: %s %r" % (r.returncode, r.stderr))
    # A swap dir that does not exist stops the start with a message naming it.
    r = subprocess.run([BIN, "serve", "--port", "0", "--swap-dir", "/nonexistent/tessera-swap"], capture_output=True,
                       text=True, timeout=STOP_TIMEOUT_S)
    check(r.returncode == 2 and "/nonexistent/tessera-swap" in r.stderr,
          "missing swap dir: %s %r" % (r.returncode, r.stderr))


def main():
    if not os.access(BIN, os.X_OK):
        print("rest_api.py: no binary at %s" % BIN, file=sys.stderr)
        return 1
    test_unsafe_bind_refused()
    media = tempfile.mkdtemp(prefix="tessera-rest-")
    outside = tempfile.mkdtemp(prefix="tessera-rest-outside-")
    web = tempfile.mkdtemp(prefix="tessera-rest-web-")
    servers = []
    try:
        with open(os.path.join(media, "in.raw"), "wb") as f:
            f.write(b"\0" * 4096)
        with open(os.path.join(outside, "passwd"), "w") as f:
            f.write("secret\n")
        os.symlink(outside, os.path.join(media, "escape"))

        limit = 4
        # The UI's files from TESSERA_WEB_ROOT, as the container installs them.
        with open(os.path.join(web, "index.html"), "w") as f:
            f.write(WEB_INDEX)
        open_srv = Server("--media-root", media, "--max-pipelines", str(limit), "--allow-origin", "https://ui.example",
                          "--log-level", "warn", env={"TESSERA_WEB_ROOT": web})
        servers.append(open_srv)
        test_routes_and_errors(open_srv)
        test_cycle(open_srv)
        test_media_root(open_srv, media)
        test_pipeline_limit(open_srv, limit)
        test_host_and_origin(open_srv)

        token = "t0k3n-for-tests"
        token_srv = Server("--log-level", "warn", env={"TESSERA_TOKEN": token})
        servers.append(token_srv)
        test_token(token_srv, token)

        for srv in servers:
            code = srv.stop()
            check(code == 0, "SIGTERM: server exited %r, want 0 within %ss" % (code, STOP_TIMEOUT_S))
    finally:
        for srv in servers:
            if srv.proc.poll() is None:
                srv.proc.kill()
                srv.proc.wait()
        shutil.rmtree(media, ignore_errors=True)
        shutil.rmtree(outside, ignore_errors=True)
        shutil.rmtree(web, ignore_errors=True)
    if failures:
        print("rest_api.py: %d failure(s)" % len(failures), file=sys.stderr)
        return 1
    print("rest api ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
