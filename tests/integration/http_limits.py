#!/usr/bin/env python3
"""Connection and header bounds of `tessera serve` over real sockets (docs/deploy.md, Limits).

- One client address cannot take every connection: 1030 idle sockets from 127.0.0.1
  (over the server-wide 1024) leave /healthz answering 200 to 127.0.0.2 (Linux routes
  the whole 127/8 to lo), and connections from 127.0.0.1 past
  --max-connections-per-address are answered 503 naming the limit, then closed.
- A request with two Host headers is 400 (RFC 9112 section 3.2).
Every wait is bounded; every server started is stopped.

usage: http_limits.py BUILD_DIR
"""
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tessera_it import TESSERA, WAIT, Checks, Server  # noqa: E402

check = Checks("http_limits")


def connect(port, source="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(WAIT)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def read_all(s):
    """Everything the server sends until it closes (bounded by the socket timeout)."""
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return data.decode(errors="replace")


def request(port, raw, source="127.0.0.1"):
    s = connect(port, source)
    try:
        s.sendall(raw.encode())
        return read_all(s)
    finally:
        s.close()


def healthz(port, source):
    return request(port, f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n",
                   source)


def status_of(reply):
    m = re.match(r"HTTP/1\.1 (\d+)", reply)
    return int(m.group(1)) if m else None


def one_address_cannot_take_every_connection():
    srv = Server(check)  # the defaults: 1024 connections, 64 per address
    idle = []
    try:
        for _ in range(1030):
            idle.append(connect(srv.port))
        # Every socket is accepted (or refused) in order; an answer on the last one
        # means the server has seen all of them.
        last = idle.pop()
        refused = read_all(last)
        last.close()
        check(status_of(refused) == 503, f"connection 1030 from 127.0.0.1: {refused[:100]!r}, want 503")
        check("too many connections from 127.0.0.1 (limit 64 per address" in refused,
              f"the refusal names the per-address limit: {refused!r}")
        reply = healthz(srv.port, "127.0.0.2")
        check(status_of(reply) == 200, f"/healthz from 127.0.0.2 with 1030 sockets open from 127.0.0.1: "
                                       f"{reply[:100]!r}, want 200")
    finally:
        for s in idle:
            s.close()
        srv.stop()


def per_address_limit_is_a_flag():
    srv = Server(check, "--max-connections-per-address", "3")
    held = []
    try:
        for _ in range(3):
            s = connect(srv.port)
            s.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\n\r\n".encode())
            check(status_of(s.recv(4096).decode(errors="replace")) == 200, "a kept-alive connection within the limit")
            held.append(s)
        over = healthz(srv.port, "127.0.0.1")
        check(status_of(over) == 503 and "(limit 3 per address, --max-connections-per-address)" in over,
              f"the 4th connection from 127.0.0.1: {over!r}")
        check(status_of(healthz(srv.port, "127.0.0.3")) == 200, "another address is served")
        held.pop().close()
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and status_of(healthz(srv.port, "127.0.0.1")) != 200:
            time.sleep(0.05)
        check(time.monotonic() < deadline, "a closed connection frees its slot")
    finally:
        for s in held:
            s.close()
        srv.stop()


def two_host_headers_are_400():
    srv = Server(check)
    try:
        reply = request(srv.port, f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\n"
                                  f"Host: evil.example\r\nConnection: close\r\n\r\n")
        check(status_of(reply) == 400 and "more than one Host header" in reply, f"two Hosts: {reply[:200]!r}")
        check(status_of(healthz(srv.port, "127.0.0.1")) == 200, "one Host is fine")
    finally:
        srv.stop()


one_address_cannot_take_every_connection()
per_address_limit_is_a_flag()
two_host_headers_are_400()
check.finish()
