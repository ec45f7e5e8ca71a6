#!/usr/bin/env python3
"""HTTPS and WSS (docs/deploy.md, TLS): a real `tessera serve --tls-cert --tls-key` on a
free loopback port, with a certificate made here by the openssl command (no key is kept
in the repository), spoken to by python's ssl module, which verifies it against that
certificate. Checks: start-up errors (one flag alone, an unreadable file, a bad PEM, a
key of another certificate) name the file and exit non-zero; REST with the token, 401
without it; JSON-RPC over wss://; a frame WebSocket opened with a single-use ticket; an
MJPEG stream; the Origin check with the https origin; the header limit; the per-address
connection limit; `tessera health --tls`; a plain HTTP request to the TLS port gets a
plain 400 and is closed; a client that stops in the middle of its handshake is cut
after the header timeout (15 s) while /healthz keeps answering others at once."""

import asyncio
import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tessera_it import require_websockets, TESSERA, WAIT, Checks, Server  # noqa: E402

websockets = require_websockets()

check = Checks("tls")
TOKEN = "tls-t0k"
AUTH = {"Authorization": "Bearer " + TOKEN}
HEADER_TIMEOUT_S = 15  # http_server_config::header_timeout, which bounds the handshake too


def make_certificate(directory, name, cn):
    """A self-signed certificate for 127.0.0.1 and localhost, valid one day."""
    cert = os.path.join(directory, name + ".crt")
    key = os.path.join(directory, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=" + cn,
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=WAIT)
    return cert, key


def serve_fails(*flags):
    """(exit status, stderr) of a serve that must not start."""
    with tempfile.TemporaryDirectory() as media:
        try:
            p = subprocess.run([TESSERA, "serve", "--port", "0", "--media-root", media, *flags],
                               capture_output=True, text=True, timeout=WAIT)
        except subprocess.TimeoutExpired:
            return None, "still running after the timeout"
    return p.returncode, p.stderr


def start_up_errors(tmp, cert, key, other_key):
    bad_pem = os.path.join(tmp, "bad.pem")
    with open(bad_pem, "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
    missing = os.path.join(tmp, "missing.pem")
    cases = [
        (("--tls-cert", cert), ["--tls-cert", cert, "--tls-key"]),
        (("--tls-key", key), ["--tls-key", key, "--tls-cert"]),
        (("--tls-cert", missing, "--tls-key", key), [missing, "cannot read"]),
        (("--tls-cert", cert, "--tls-key", missing), [missing, "cannot read"]),
        (("--tls-cert", bad_pem, "--tls-key", key), [bad_pem, "not a PEM certificate"]),
        (("--tls-cert", cert, "--tls-key", bad_pem), [bad_pem, "not a PEM private key"]),
        (("--tls-cert", key, "--tls-key", key), [key, "not a PEM certificate"]),
        (("--tls-cert", cert, "--tls-key", other_key), [other_key, "does not match the certificate", cert]),
    ]
    for flags, words in cases:
        status, err = serve_fails(*flags)
        check(status not in (None, 0) and all(w in err for w in words) and "Traceback" not in err,
              f"serve {' '.join(flags)}: expected a non-zero exit naming {words}, got {status}: {err[-300:]!r}")


class TlsServer(Server):
    def __init__(self, check, cert, key, media, *flags):
        super().__init__(check, "--tls-cert", cert, "--tls-key", key, "--media-root", media, *flags)
        self.context = ssl.create_default_context(cafile=cert)  # verifies the chain and 127.0.0.1

    def rest(self, method, path, body=None, headers=AUTH):
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=WAIT, context=self.context)
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, (json.loads(data) if data and r.headers.get("Content-Type", "").startswith("application/json")
                          else data)

    def settle(self):
        """Waits (bounded) until the only open connection is the one asking: earlier
        clients' connections end asynchronously on the server."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            status, body = self.rest("GET", "/api/v1/stats")
            if status == 200 and body["http"]["connections_active"] == 1:
                return
            time.sleep(0.1)
        check(False, "connections from earlier checks still open after the wait")

    def healthz_seconds(self):
        started = time.monotonic()
        status, _ = self.rest("GET", "/healthz", headers={})
        return status, time.monotonic() - started


def rest_and_auth(srv):
    check(srv.http.startswith("https://127.0.0.1:"), f"start line names an https URL: {srv.http}")
    status, body = srv.rest("GET", "/healthz", headers={})
    check(status == 200, f"GET /healthz over TLS: {status} {body}")
    status, body = srv.rest("GET", "/api/v1/pipelines", headers={})
    check(status == 401, f"GET /api/v1/pipelines over TLS without the token: {status}")
    status, body = srv.rest("POST", "/api/v1/pipelines",
                            {"name": "cam", "description": "testsrc is-live=true width=160 height=120 ! websink name=out"})
    check(status == 201, f"POST /api/v1/pipelines over TLS: {status} {body}")
    status, body = srv.rest("PUT", "/api/v1/pipelines/cam/state", {"state": "playing"})
    check(status == 200 and isinstance(body, dict) and body.get("state") == "playing",
          f"PUT state over TLS: {status} {body}")
    status, body = srv.rest("GET", "/", headers={})
    check(status == 200 and b"<html" in body, f"GET / (web UI) over TLS: {status}")


async def rpc(srv):
    async with websockets.connect(srv.ws + "/api/v1/rpc", ssl=srv.context, extra_headers=AUTH) as ws:
        await ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "pipeline.list"}))
        reply = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
        await ws.send(json.dumps([{"jsonrpc": "2.0", "id": 2, "method": "pipeline.describe",
                                   "params": {"pipeline": "cam"}},
                                  {"jsonrpc": "2.0", "id": 3, "method": "no.such"}]))
        batch = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
    return reply, batch


async def frames(srv, url, count, **kw):
    async with websockets.connect(url, ssl=srv.context, max_size=None, **kw) as ws:
        return [await asyncio.wait_for(ws.recv(), WAIT) for _ in range(count)]


async def refused(srv, url, **kw):
    try:
        async with websockets.connect(url, ssl=srv.context, **kw):
            return None
    except websockets.exceptions.InvalidStatusCode as e:
        return e.status_code


def websockets_over_tls(srv):
    reply, batch = asyncio.run(rpc(srv))
    names = [p.get("name") for p in reply.get("result", [])] if isinstance(reply.get("result"), list) else None
    check(names == ["cam"] or (isinstance(reply.get("result"), dict)), f"pipeline.list over wss: {reply}")
    check(isinstance(batch, list) and len(batch) == 2 and batch[0].get("result", {}).get("name") == "cam"
          and batch[1].get("error", {}).get("code") == -32601, f"JSON-RPC batch over wss: {batch}")

    status, body = srv.rest("POST", "/api/v1/tickets")
    check(status in (200, 201) and "ticket" in body, f"POST /api/v1/tickets over TLS: {status} {body}")
    url = f"{srv.ws}/api/v1/pipelines/cam/sinks/out/ws?ticket={body['ticket']}"
    got = asyncio.run(frames(srv, url, 3, origin=srv.http))
    check(len(got) == 3 and all(isinstance(f, bytes) and f[:2] == b"\xff\xd8" for f in got),
          f"three JPEG frames over wss with a ticket and the https Origin: {[type(f) for f in got]}")
    check(asyncio.run(refused(srv, url, origin=srv.http)) == 401, "a used ticket is refused over wss")
    plain_origin = "http" + srv.http[len("https"):]
    check(asyncio.run(refused(srv, f"{srv.ws}/api/v1/rpc", extra_headers=AUTH, origin=plain_origin)) == 403,
          "the http:// origin of the same host and port is not the TLS server's own origin")


def mjpeg_over_tls(srv):
    conn = http.client.HTTPSConnection("127.0.0.1", srv.port, timeout=WAIT, context=srv.context)
    conn.request("GET", "/api/v1/pipelines/cam/sinks/out/mjpeg", headers=AUTH)
    r = conn.getresponse()
    check(r.status == 200 and r.getheader("Content-Type", "").startswith("multipart/x-mixed-replace"),
          f"MJPEG over TLS: {r.status} {r.getheader('Content-Type')}")
    data = b""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and data.count(b"\xff\xd9") < 2:
        chunk = r.read1(65536)
        if not chunk:
            break
        data += chunk
    check(data.count(b"--tessera-frame") >= 2 and b"Content-Type: image/jpeg" in data,
          f"two MJPEG parts over TLS (got {len(data)} bytes)")
    conn.close()


def header_limit_over_tls(srv):
    raw = ssl.create_default_context(cafile=None)
    raw.check_hostname = False
    raw.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", srv.port), timeout=WAIT) as tcp:
        with raw.wrap_socket(tcp) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
            reply = b""
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    reply += chunk
            except (ssl.SSLError, OSError):
                pass
    check(reply.startswith(b"HTTP/1.1 431"), f"a 20 KB header over TLS: {reply[:60]!r}")


def plain_http_to_the_tls_port(srv):
    with socket.create_connection(("127.0.0.1", srv.port), timeout=WAIT) as s:
        s.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\n\r\n".encode())
        reply = b""
        try:
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                reply += chunk
        except OSError:
            pass
    check(reply.startswith(b"HTTP/1.1 400") and b"HTTPS" in reply,
          f"plain HTTP to the TLS port: a plain 400 saying so, then closed: {reply[:120]!r}")
    status, _ = srv.rest("GET", "/healthz", headers={})
    check(status == 200, "the server still answers over TLS after a plain request")


def health_command(srv):
    ok = subprocess.run([TESSERA, "health", "--port", str(srv.port), "--tls"], capture_output=True, text=True,
                        timeout=WAIT)
    check(ok.returncode == 0 and "https://" in ok.stdout, f"tessera health --tls: {ok.returncode} {ok.stdout}{ok.stderr}")
    env = dict(os.environ, TESSERA_TLS_CERT="/any/cert.pem", TESSERA_PORT=str(srv.port))
    by_env = subprocess.run([TESSERA, "health"], capture_output=True, text=True, timeout=WAIT, env=env)
    check(by_env.returncode == 0, f"tessera health with TESSERA_TLS_CERT set: {by_env.returncode} {by_env.stderr}")
    plain = subprocess.run([TESSERA, "health", "--port", str(srv.port)], capture_output=True, text=True, timeout=WAIT)
    check(plain.returncode == 1 and "400" in plain.stderr,
          f"tessera health without --tls on the TLS port: {plain.returncode} {plain.stderr}")


def connection_limit_over_tls(srv):
    """--max-connections-per-address 4: four finished handshakes held open; the fifth
    connection is closed without a handshake; another address is still served."""
    srv.settle()
    held = []
    try:
        for _ in range(4):
            tcp = socket.create_connection(("127.0.0.1", srv.port), timeout=WAIT)
            held.append(srv.context.wrap_socket(tcp, server_hostname="127.0.0.1"))
        fifth = socket.create_connection(("127.0.0.1", srv.port), timeout=WAIT)
        try:
            srv.context.wrap_socket(fifth, server_hostname="127.0.0.1").close()
            refused = False
        except (ssl.SSLError, OSError):
            refused = True
        fifth.close()
        check(refused, "a fifth TLS connection from one address over --max-connections-per-address 4 is closed")
        other = socket.create_connection(("127.0.0.1", srv.port), timeout=WAIT, source_address=("127.0.0.2", 0))
        with srv.context.wrap_socket(other, server_hostname="127.0.0.1") as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            reply = s.recv(4096)
        check(reply.startswith(b"HTTP/1.1 200"), f"/healthz over TLS from 127.0.0.2 meanwhile: {reply[:40]!r}")
    finally:
        for s in held:
            s.close()


def stuck_handshake_is_cut(srv):
    """A ClientHello record header and a few bytes, then silence: the server waits for
    the rest only as long as for a request header, and serves everyone else meanwhile."""
    srv.settle()
    stuck = socket.create_connection(("127.0.0.1", srv.port), timeout=HEADER_TIMEOUT_S + WAIT)
    stuck.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
    started = time.monotonic()
    slowest = 0.0
    for _ in range(5):
        status, seconds = srv.healthz_seconds()
        check(status == 200, f"/healthz over TLS beside a stuck handshake: {status}")
        slowest = max(slowest, seconds)
        time.sleep(0.2)
    check(slowest < 5, f"/healthz beside a stuck handshake answered within 5 s (slowest {slowest:.2f} s)")
    try:
        data = stuck.recv(4096)
    except OSError:
        data = b""
    cut_after = time.monotonic() - started
    stuck.close()
    check(data == b"" and HEADER_TIMEOUT_S - 3 < cut_after < HEADER_TIMEOUT_S + WAIT,
          f"the stuck handshake was closed after the {HEADER_TIMEOUT_S} s header timeout "
          f"(closed after {cut_after:.1f} s, got {data[:20]!r})")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = make_certificate(tmp, "server", "localhost")
        _, other_key = make_certificate(tmp, "other", "other")
        start_up_errors(tmp, cert, key, other_key)
        media = os.path.join(tmp, "media")
        os.mkdir(media)
        srv = TlsServer(check, cert, key, media, "--token", TOKEN, "--max-connections-per-address", "4")
        try:
            rest_and_auth(srv)
            websockets_over_tls(srv)
            mjpeg_over_tls(srv)
            header_limit_over_tls(srv)
            plain_http_to_the_tls_port(srv)
            health_command(srv)
            stuck_handshake_is_cut(srv)
            connection_limit_over_tls(srv)
        finally:
            srv.stop()
    check.finish()


if __name__ == "__main__":
    main()
