#!/usr/bin/env python3
"""The REST API as a user drives it (README, docs/api.md, docs/deploy.md), against the real binary.

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
import time

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


def wait_for(srv, path, pred, timeout_s=10.0):
    """GETs `path` until `pred(reply)` holds (bounded); returns the last reply."""
    deadline = time.monotonic() + timeout_s
    reply = None
    while time.monotonic() < deadline:
        _, _, reply = srv.request("GET", path)
        if isinstance(reply, dict) and pred(reply):
            break
        time.sleep(0.02)
    return reply


def sink_buffers(srv, name):
    return expect(srv, "GET", "/api/v1/stats", 200)["per_pipeline"][name]["buffers"]


def timed(fn):
    t0 = time.monotonic()
    reply = fn()
    return reply, time.monotonic() - t0


def test_state_truth(srv):
    """EOS and errors are said, the position stops at EOS, PLAYING -> PAUSED re-prerolls."""
    frame = 1000000000 // 30
    desc = "testsrc num-buffers=15 framerate=30/1 width=32 height=24 ! fakesink sync=true"
    created = expect(srv, "POST", "/api/v1/pipelines", 201, {"name": "st", "description": desc})
    check(created["eos"] is False and created["error"] is None and created["position_ns"] is None
          and "latency_ns" in created and created["duration_ns"] == 500000000, "new pipeline: %r" % created)
    expect(srv, "PUT", "/api/v1/pipelines/st/state", 200, {"state": "playing"})
    d = wait_for(srv, "/api/v1/pipelines/st", lambda d: d["eos"])
    check(d["eos"] is True and d["state"] == "playing" and d["error"] is None, "at EOS: %r" % d)
    check(d["position_ns"] == 500000000 and d["duration_ns"] == 500000000, "position at EOS: %r" % d)
    time.sleep(0.1)
    pos = expect(srv, "GET", "/api/v1/pipelines/st/position", 200)
    check(pos["position_ns"] == 500000000 and pos["duration_ns"] == 500000000, "position after EOS: %r" % pos)
    listed = [p for p in expect(srv, "GET", "/api/v1/pipelines", 200)["pipelines"] if p["name"] == "st"][0]
    check(listed["eos"] is True and listed["position_ns"] == 500000000 and listed["error"] is None
          and "latency_ns" in listed and listed["duration_ns"] == 500000000, "list entry at EOS: %r" % listed)

    # At EOS the sink is prerolled: PAUSED at once.
    state = expect(srv, "PUT", "/api/v1/pipelines/st/state", 200, {"state": "paused"})
    check(state["result"] == "success" and state["state"] == "paused", "paused at EOS: %r" % state)
    expect(srv, "DELETE", "/api/v1/pipelines/st", 200)

    # Not live: PLAYING -> PAUSED waits for a preroll (async); live: no_preroll.
    expect(srv, "POST", "/api/v1/pipelines", 201, {"name": "pre", "description": "testsrc ! fakesink sync=true"})
    expect(srv, "PUT", "/api/v1/pipelines/pre/state", 200, {"state": "playing"})
    state = expect(srv, "PUT", "/api/v1/pipelines/pre/state", 200, {"state": "paused"})
    check(state["result"] == "async" and state["state"] == "paused" and state["pending"] is False,
          "PLAYING -> PAUSED re-prerolls: %r" % state)
    expect(srv, "DELETE", "/api/v1/pipelines/pre", 200)
    expect(srv, "POST", "/api/v1/pipelines", 201, {"name": "live", "description": "testsrc is-live=true ! fakesink"})
    expect(srv, "PUT", "/api/v1/pipelines/live/state", 200, {"state": "playing"})
    state = expect(srv, "PUT", "/api/v1/pipelines/live/state", 200, {"state": "paused"})
    check(state["result"] == "no_preroll" and state["state"] == "paused", "live PLAYING -> PAUSED: %r" % state)
    expect(srv, "DELETE", "/api/v1/pipelines/live", 200)

    # An error is said with its source; the state stays what it is.
    expect(srv, "POST", "/api/v1/pipelines", 201,
           {"name": "bad", "description": "testsrc ! identity error-after=3 ! fakesink sync=true"})
    srv.request("PUT", "/api/v1/pipelines/bad/state", {"state": "playing"})  # 200 or 422, racing the error
    d = wait_for(srv, "/api/v1/pipelines/bad", lambda d: d["error"] is not None)
    check(isinstance(d["error"], dict) and d["error"].get("source") == "identity0"
          and "error-after" in d["error"].get("message", ""), "error in description: %r" % d)
    p1 = d["position_ns"]
    time.sleep(0.1)
    p2 = expect(srv, "GET", "/api/v1/pipelines/bad/position", 200)["position_ns"]
    check(p1 is not None and p1 == p2 and p2 <= 100000000, "position after an error: %r then %r" % (p1, p2))
    expect(srv, "DELETE", "/api/v1/pipelines/bad", 200)


def test_seek_after_eos(srv):
    """A seek after EOS answers at once and plays again; stop positions; reverse; refusals."""
    frame = 1000000000 // 30
    desc = "testsrc num-buffers=15 framerate=30/1 width=32 height=24 ! fakesink sync=true"
    expect(srv, "POST", "/api/v1/pipelines", 201, {"name": "sk", "description": desc})
    expect(srv, "PUT", "/api/v1/pipelines/sk/state", 200, {"state": "playing"})
    wait_for(srv, "/api/v1/pipelines/sk", lambda d: d["eos"])
    before = sink_buffers(srv, "sk")
    check(before == 15, "first run: %r buffers" % before)

    # PLAYING: frames 7..14 again, then EOS again.
    reply, took = timed(lambda: expect(srv, "POST", "/api/v1/pipelines/sk/seek", 200,
                                       {"position_ns": 250000000, "flags": ["flush"]}))
    check(took < 1.0, "seek after EOS while playing took %.3f s" % took)
    d = wait_for(srv, "/api/v1/pipelines/sk", lambda d: d["eos"] and sink_buffers(srv, "sk") >= before + 8)
    check(d["eos"] is True and d["position_ns"] == 500000000, "EOS again after the seek: %r" % d)
    check(sink_buffers(srv, "sk") == before + 8, "frames 7..14 again: %r" % (sink_buffers(srv, "sk") - before))

    # PAUSED at EOS: the seek waits for the preroll of the new frame, which comes at once.
    expect(srv, "PUT", "/api/v1/pipelines/sk/state", 200, {"state": "paused"})
    times = []
    for _ in range(3):
        expect(srv, "POST", "/api/v1/pipelines/sk/seek", 200, {"position_ns": 900000000})  # past the end: EOS
        reply, took = timed(lambda: expect(srv, "POST", "/api/v1/pipelines/sk/seek", 200,
                                           {"position_ns": 100000000, "flags": ["flush", "accurate"]}))
        times.append(took)
        check(reply["state"] == "paused" and reply["stop_ns"] is None, "seek reply: %r" % reply)
    check(max(times) < 1.0 and min(times) < 0.1, "seek after EOS in PAUSED took %r s (want < 0.1)" % times)
    pos = expect(srv, "GET", "/api/v1/pipelines/sk/position", 200)
    check(pos["position_ns"] == 100000000 and pos["state"] == "paused", "prerolled after the seek: %r" % pos)
    before = sink_buffers(srv, "sk")
    expect(srv, "PUT", "/api/v1/pipelines/sk/state", 200, {"state": "playing"})
    d = wait_for(srv, "/api/v1/pipelines/sk", lambda d: d["eos"])
    # Frame 3 reached the sink as the preroll, before `before`: frames 4..14 follow.
    check(d["eos"] is True and sink_buffers(srv, "sk") - before == 11, "frames 4..14 after the paused seek: %r"
          % (sink_buffers(srv, "sk") - before))

    # A stop position ends the stream there.
    before = sink_buffers(srv, "sk")
    expect(srv, "POST", "/api/v1/pipelines/sk/seek", 200, {"position_ns": 0, "stop_ns": 200000000})
    d = wait_for(srv, "/api/v1/pipelines/sk", lambda d: d["eos"] and sink_buffers(srv, "sk") >= before + 6)
    check(d["eos"] is True and d["position_ns"] == 200000000 and sink_buffers(srv, "sk") - before == 6,
          "stop_ns: %r, %r frames" % (d, sink_buffers(srv, "sk") - before))
    expect(srv, "POST", "/api/v1/pipelines/sk/seek", 400, {"position_ns": 5, "stop_ns": 4}, contains="stop_ns")

    # Backward: frames 5 down to 0, the position going down to 0.
    before = sink_buffers(srv, "sk")
    expect(srv, "POST", "/api/v1/pipelines/sk/seek", 200, {"position_ns": 0, "stop_ns": 6 * frame, "rate": -1.0})
    d = wait_for(srv, "/api/v1/pipelines/sk", lambda d: d["eos"] and sink_buffers(srv, "sk") >= before + 6)
    check(d["eos"] is True and d["position_ns"] == 0 and sink_buffers(srv, "sk") - before == 6,
          "rate -1: %r, %r frames" % (d, sink_buffers(srv, "sk") - before))
    expect(srv, "DELETE", "/api/v1/pipelines/sk", 200)

    # A source that cannot play backwards refuses, naming itself; nothing moves.
    expect(srv, "POST", "/api/v1/pipelines", 201,
           {"name": "au", "description": "audiotestsrc samplesperbuffer=441 ! fakesink sync=true"})
    expect(srv, "PUT", "/api/v1/pipelines/au/state", 200, {"state": "paused"})
    expect(srv, "POST", "/api/v1/pipelines/au/seek", 200, {"position_ns": 500000000})
    expect(srv, "POST", "/api/v1/pipelines/au/seek", 400, {"position_ns": 0, "rate": -1.0},
           contains="audiotestsrc0: cannot seek with rate -1")
    pos = expect(srv, "GET", "/api/v1/pipelines/au/position", 200)
    check(pos["position_ns"] == 500000000, "position after a refused seek: %r" % pos)
    expect(srv, "DELETE", "/api/v1/pipelines/au", 200)


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
        test_state_truth(open_srv)
        test_seek_after_eos(open_srv)
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
