#!/usr/bin/env python3
"""The media root of `tessera serve` (docs/deploy.md, Security): without --media-root
the server confines filesrc/filesink to ./media of its working directory, creating it
when missing, so a default start cannot read /etc/shadow or truncate a file outside it;
`--media-root /` is the explicit way to reach the whole filesystem.

usage: media_root.py BUILD_DIR
"""
import http.client
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tessera_it import WAIT, Checks, Server  # noqa: E402

check = Checks("media_root")


def create(srv, name, description):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=WAIT)
    conn.request("POST", "/api/v1/pipelines", body=json.dumps({"name": name, "description": description}))
    r = conn.getresponse()
    body = json.loads(r.read() or b"null")
    conn.close()
    return r.status, body


with tempfile.TemporaryDirectory(prefix="tessera-media-") as cwd:
    srv = Server(check, cwd=cwd)
    try:
        media = os.path.join(cwd, "media")
        check(os.path.isdir(media), "the default media root ./media was not created")
        status, body = create(srv, "shadow", "filesrc location=/etc/hostname ! fakesink")
        check(status == 403 and "media root" in body["error"]["message"],
              f"a file outside ./media is refused by default: {status} {body}")
        status, body = create(srv, "clobber", "fakesrc num-buffers=0 ! filesink location=../outside")
        check(status == 403, f"a path out of ./media is refused: {status} {body}")
        with open(os.path.join(media, "in.raw"), "wb") as f:
            f.write(b"\0" * 64)
        status, body = create(srv, "inside", "filesrc location=in.raw ! fakesink")
        check(status == 201, f"a file inside ./media is fine: {status} {body}")
    finally:
        srv.stop()

    srv = Server(check, "--media-root", "/", cwd=cwd)
    try:
        status, body = create(srv, "all", "filesrc location=/etc/hostname ! fakesink")
        check(status == 201, f"--media-root / reaches the whole filesystem: {status} {body}")
    finally:
        srv.stop()

check.finish()
