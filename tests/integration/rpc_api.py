#!/usr/bin/env python3
"""JSON-RPC 2.0 over WebSocket /api/v1/rpc as a client uses it: every
method, every error code, batches, notifications, ids echoed, bus.message notifications
of a short pipeline (async-done, stream-start, element state changes only when asked),
pipeline.created / pipeline.deleted after REST and JSON-RPC creates and deletes,
element.set while playing, seek + position in PAUSED, the token and the message-size
limit. A real `tessera serve --port 0`; every wait is bounded."""

import asyncio
import json
import os
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tessera_it import require_websockets, TESSERA, WAIT, Checks, Server  # noqa: E402

websockets = require_websockets()

check = Checks("rpc_api")


class Rpc:
    """One connection: calls wait for their own reply; notifications are kept aside."""

    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0
        self.notifications = []

    async def recv(self):
        return json.loads(await asyncio.wait_for(self.ws.recv(), WAIT))

    async def reply_to(self, request_id):
        while True:
            m = await self.recv()
            if isinstance(m, dict) and "method" in m and "id" not in m:  # bus.message, pipeline.*
                self.notifications.append(m)
                continue
            return m

    async def raw(self, text):
        """Sends `text` as is; returns the next message that is not a notification."""
        await self.ws.send(text)
        return await self.reply_to(None)

    async def call(self, method, params=None):
        self.next_id += 1
        req = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            req["params"] = params
        r = await self.raw(json.dumps(req))
        check(r.get("id") == self.next_id, f"{method}: reply id {r.get('id')!r}, want {self.next_id}")
        return r

    async def result(self, method, params=None):
        r = await self.call(method, params)
        check("result" in r, f"{method} {params}: no result: {r}")
        return r.get("result")

    async def error(self, method, params, code, says=""):
        r = await self.call(method, params)
        e = r.get("error") or {}
        check(e.get("code") == code, f"{method} {params}: error code {e.get('code')}, want {code}: {r}")
        check(says in e.get("message", ""), f"{method} {params}: message {e.get('message')!r} lacks {says!r}")
        return e

    async def wait_notification(self, pred, method="bus.message"):
        """The first kept or arriving notification of `method` whose params satisfy `pred`."""
        for n in self.notifications:
            if n["method"] == method and pred(n["params"]):
                return n
        while True:
            m = await self.recv()
            if "method" in m and "id" not in m:
                self.notifications.append(m)
                if m["method"] == method and pred(m["params"]):
                    return m

    def kept(self, method="bus.message"):
        """The params of the notifications of `method` received so far."""
        return [n["params"] for n in self.notifications if n["method"] == method]


async def every_method(url, media_root):
    async with websockets.connect(url) as ws:
        rpc = Rpc(ws)
        factories = (await rpc.result("factory.list"))["factories"]
        check(any(f["name"] == "websink" for f in factories), "factory.list lacks websink")
        desc = await rpc.result("factory.describe", {"factory": "testsrc"})
        check(desc["name"] == "testsrc" and desc.get("properties"), f"factory.describe testsrc: {desc}")

        created = await rpc.result("pipeline.create", {"name": "cam", "description":
                                                       "testsrc is-live=true pattern=ball ! websink name=out"})
        check(created["name"] == "cam" and created["state"] == "null", f"pipeline.create: {created}")
        unnamed = await rpc.result("pipeline.create", {"description": "fakesrc num-buffers=1 ! fakesink"})
        check(unnamed["name"].startswith("p"), f"an unnamed pipeline is called {unnamed['name']!r}")
        names = [p["name"] for p in (await rpc.result("pipeline.list"))["pipelines"]]
        check("cam" in names and unnamed["name"] in names, f"pipeline.list: {names}")
        d = await rpc.result("pipeline.describe", {"pipeline": "cam"})
        check([e["name"] for e in d["elements"]] == ["testsrc0", "out"], f"pipeline.describe elements: {d}")

        # element.set while playing, read back with element.get (positional params).
        playing = await rpc.result("pipeline.set_state", {"pipeline": "cam", "state": "playing"})
        check(playing["state"] == "playing", f"set_state playing: {playing}")
        s = await rpc.result("element.set", {"pipeline": "cam", "element": "out", "property": "quality",
                                             "value": 33})
        check(s["value"] == 33, f"element.set: {s}")
        check((await rpc.result("element.get", ["cam", "out", "quality"]))["value"] == 33, "element.get after set")
        await rpc.result("element.set", {"pipeline": "cam", "element": "testsrc0", "property": "pattern",
                                         "value": "checkers"})
        check((await rpc.result("element.get", ["cam", "testsrc0", "pattern"]))["value"] == "checkers",
              "testsrc pattern changed while playing")

        # seek + position in PAUSED: the position is where the seek went.
        await rpc.result("pipeline.create", {"name": "sk", "description": "testsrc ! websink name=out"})
        paused = await rpc.result("pipeline.set_state", {"pipeline": "sk", "state": "paused"})
        check(paused["state"] == "paused", f"set_state paused: {paused}")
        seek = await rpc.result("pipeline.seek", {"pipeline": "sk", "position_ns": 2_000_000_000,
                                                  "flags": ["flush", "accurate"], "rate": 1.0})
        check(seek["position_ns"] == 2_000_000_000, f"pipeline.seek: {seek}")
        pos = await rpc.result("pipeline.position", {"pipeline": "sk"})
        check(pos["position_ns"] == 2_000_000_000 and pos["state"] == "paused", f"position after seek: {pos}")
        await rpc.result("pipeline.seek", ["sk", 500_000_000])  # positional; flags default to flush
        check((await rpc.result("pipeline.position", ["sk"]))["position_ns"] == 500_000_000, "second seek")
        check((await rpc.result("pipeline.send_eos", {"pipeline": "sk"}))["eos"] is True, "pipeline.send_eos")

        stats = await rpc.result("server.stats")
        check(stats["pipelines"] == 3 and all(k in stats for k in ("streams", "memory", "http", "uptime_s")),
              f"server.stats is not the object of GET /api/v1/stats: {stats}")
        for name in ("cam", "sk", unnamed["name"]):
            check((await rpc.result("pipeline.delete", {"pipeline": name}))["deleted"] is True, f"delete {name}")
        check((await rpc.result("pipeline.list"))["pipelines"] == [], "pipelines left after delete")


async def bus_notifications(url):
    async with websockets.connect(url) as ws:
        rpc = Rpc(ws)
        await rpc.result("pipeline.create", {"name": "short", "description": "testsrc num-buffers=5 ! fakesink"})
        sub = await rpc.result("bus.subscribe", {"pipeline": "short"})
        check(sub["pipeline"] == "short" and "eos" in sub["types"], f"bus.subscribe: {sub}")
        await rpc.result("pipeline.set_state", {"pipeline": "short", "state": "playing"})
        n = await rpc.wait_notification(lambda p: p["type"] == "state-changed" and p.get("new") == "playing")
        check(n["jsonrpc"] == "2.0" and "id" not in n, f"a notification has no id: {n}")
        check(n["params"]["pipeline"] == "short" and "source" in n["params"], f"bus.message params: {n}")
        await rpc.wait_notification(lambda p: p["type"] == "eos")
        check(all(x["pipeline"] == "short" for x in rpc.kept()), "only the subscribed pipeline")
        states = [(x["source"], x["old"], x["new"]) for x in rpc.kept() if x["type"] == "state-changed"]
        check(all(src == "short" for src, _, _ in states), f"element state changes unasked: {states}")

        # Filter by type over every pipeline; unsubscribe stops the flow.
        await rpc.result("bus.unsubscribe", {"pipeline": "short"})
        await rpc.result("bus.subscribe", {"types": ["eos"]})
        await rpc.result("pipeline.create", {"name": "other", "description": "fakesrc num-buffers=3 ! fakesink"})
        rpc.notifications.clear()
        await rpc.result("pipeline.set_state", {"pipeline": "other", "state": "playing"})
        await rpc.wait_notification(lambda p: p["type"] == "eos" and p["pipeline"] == "other")
        check(all(x["type"] == "eos" for x in rpc.kept()), "types filter: eos only")
        un = await rpc.result("bus.unsubscribe")
        check(un["unsubscribed"] == [None], f"bus.unsubscribe of everything: {un}")
        await rpc.error("bus.unsubscribe", {"pipeline": "short"}, -32602, "not subscribed")
        for name in ("short", "other"):
            await rpc.result("pipeline.delete", [name])


async def segments_and_stream_status(url):
    """pipeline.seek with stop_ns and the segment flag ends in a segment-done bus message
    (no EOS); pipeline.position and pipeline.list say position, duration and EOS."""
    async with websockets.connect(url) as ws:
        rpc = Rpc(ws)
        await rpc.result("pipeline.create", {"name": "seg", "description":
                                             "testsrc num-buffers=30 framerate=30/1 width=16 height=16 ! fakesink"})
        await rpc.result("bus.subscribe", {"pipeline": "seg"})
        await rpc.result("pipeline.set_state", {"pipeline": "seg", "state": "paused"})
        r = await rpc.result("pipeline.seek", {"pipeline": "seg", "position_ns": 0, "stop_ns": 100000000,
                                               "flags": ["flush", "segment"]})
        check(r["stop_ns"] == 100000000 and r["flags"] == ["flush", "segment"] and r["state"] == "paused",
              f"segment seek reply: {r}")
        await rpc.result("pipeline.set_state", {"pipeline": "seg", "state": "playing"})
        n = await rpc.wait_notification(lambda p: p["type"] in ("segment-done", "eos"))
        check(n["params"]["type"] == "segment-done" and n["params"]["source"] == "testsrc0"
              and n["params"]["position_ns"] == 100000000, f"segment-done: {n}")
        pos = await rpc.result("pipeline.position", {"pipeline": "seg"})
        # fakesink does not sync: the position is the last frame's pts (frame 2).
        check(pos["duration_ns"] == 1000000000 and pos["position_ns"] == 66666666, f"pipeline.position: {pos}")
        listed = [p for p in (await rpc.result("pipeline.list"))["pipelines"] if p["name"] == "seg"][0]
        check(listed["eos"] is False and listed["error"] is None and listed["duration_ns"] == 1000000000,
              f"pipeline.list after segment-done: {listed}")
        # By position: the fifth param is stop_ns.
        await rpc.error("pipeline.seek", ["seg", 10, ["flush"], 1.0, 5], -32602, "stop_ns")
        await rpc.result("bus.unsubscribe", {"pipeline": "seg"})
        await rpc.result("pipeline.delete", ["seg"])


def rest(http, method, path, body=None):
    req = urllib.request.Request(http + path, method=method, data=None if body is None else json.dumps(body).encode())
    with urllib.request.urlopen(req, timeout=WAIT) as r:
        return r.status


async def bus_preroll_and_pipeline_lifecycle(url, http):
    """async-done and stream-start of a preroll, each element's state changes only with
    element_states, pipeline.created/deleted for REST and JSON-RPC creates and deletes."""
    async with websockets.connect(url) as ws_every, websockets.connect(url) as ws_one:
        every = Rpc(ws_every)  # bus.subscribe {}: every pipeline, and their comings and goings
        one = Rpc(ws_one)      # one pipeline, element state changes asked for
        sub = await every.result("bus.subscribe", {})
        check(sub["pipelines"] is True and sub["element_states"] is False, f"bus.subscribe {{}}: {sub}")
        check({"async-done", "stream-start", "latency", "segment-done"} <= set(sub["types"]),
              f"forwarded types: {sub['types']}")

        check(rest(http, "POST", "/api/v1/pipelines",
                   {"name": "viarest", "description": "testsrc num-buffers=3 ! fakesink"}) == 201, "REST create")
        n = await every.wait_notification(lambda p: p["pipeline"] == "viarest", "pipeline.created")
        check(n["params"].get("description") == "testsrc num-buffers=3 ! fakesink" and
              n["params"].get("state") == "null", f"pipeline.created params: {n}")
        check("id" not in n and n["jsonrpc"] == "2.0", f"pipeline.created is a notification: {n}")

        sub = await one.result("bus.subscribe", {"pipeline": "viarest", "element_states": True})
        check(sub["element_states"] is True and sub["pipelines"] is False, f"bus.subscribe one: {sub}")
        await one.result("pipeline.set_state", {"pipeline": "viarest", "state": "playing"})
        await one.wait_notification(lambda p: p["type"] == "eos")
        types = [p["type"] for p in one.kept()]
        check(types.count("stream-start") == 1 and types.count("async-done") == 1,
              f"one stream-start and one async-done per preroll: {types}")
        check(types.index("stream-start") < types.index("async-done") < types.index("eos"), f"order: {types}")
        states = {(p["source"], p["old"], p["new"]) for p in one.kept() if p["type"] == "state-changed"}
        for want in [("fakesink0", "ready", "paused"), ("testsrc0", "paused", "playing"),
                     ("viarest", "paused", "playing")]:
            check(want in states, f"element_states: {want} missing from {sorted(states)}")

        await every.wait_notification(lambda p: p["pipeline"] == "viarest" and p["type"] == "eos")
        unasked = [(p["source"], p["new"]) for p in every.kept()
                   if p["type"] == "state-changed" and p["source"] != p["pipeline"]]
        check(not unasked, f"element state changes sent to a subscriber that did not ask: {unasked}")
        check(not one.kept("pipeline.created"), "a one-pipeline subscription hears of no new pipelines")

        check(rest(http, "DELETE", "/api/v1/pipelines/viarest") in (200, 204), "REST delete")
        await every.wait_notification(lambda p: p["pipeline"] == "viarest", "pipeline.deleted")
        # And the same through JSON-RPC itself.
        await one.result("pipeline.create", {"name": "viarpc", "description": "fakesrc ! fakesink"})
        await every.wait_notification(lambda p: p["pipeline"] == "viarpc", "pipeline.created")
        await one.result("pipeline.delete", ["viarpc"])
        n = await every.wait_notification(lambda p: p["pipeline"] == "viarpc", "pipeline.deleted")
        check(n["params"] == {"pipeline": "viarpc"}, f"pipeline.deleted params: {n}")


async def error_codes(url):
    async with websockets.connect(url) as ws:
        rpc = Rpc(ws)
        r = await rpc.raw('{"jsonrpc":"2.0","method":"pipeline.list","id":1')  # cut short
        check(r["error"]["code"] == -32700 and r["id"] is None, f"-32700: {r}")
        for bad, rid in [('{"jsonrpc":"1.0","method":"pipeline.list","id":7}', 7),
                         ('{"method":"pipeline.list","id":8}', 8),
                         ('{"jsonrpc":"2.0","method":42,"id":9}', 9),
                         ('{"jsonrpc":"2.0","method":"pipeline.list","params":"x","id":10}', 10),
                         ('{"jsonrpc":"2.0","method":"pipeline.list","id":{"a":1}}', None),
                         ('"pipeline.list"', None),
                         ("[]", None)]:
            r = await rpc.raw(bad)
            check(isinstance(r, dict) and r["error"]["code"] == -32600 and r["id"] == rid,
                  f"-32600 for {bad}: {r}")
        e = await rpc.error("pipeline.frobnicate", {}, -32601, "pipeline.frobnicate")
        await rpc.error("pipeline.describe", {}, -32602, "'pipeline' is required")
        await rpc.error("pipeline.describe", {"pipeline": 5}, -32602, "'pipeline' must be a string")
        await rpc.error("pipeline.describe", {"pipline": "x"}, -32602, "unknown param 'pipline'")
        await rpc.error("pipeline.seek", {"pipeline": "x", "position_ns": 1.5}, -32602, "'position_ns'")
        await rpc.error("pipeline.create", {"description": "testsrc ! invret"}, -32602, 'no element "invret"')
        # Server errors, with the service's kind and HTTP status as data.
        e = await rpc.error("pipeline.describe", {"pipeline": "nope"}, -32001, "nope")
        check(e.get("data") == {"kind": "not_found", "http_status": 404}, f"-32001 data: {e}")
        await rpc.error("factory.describe", {"factory": "nope"}, -32001, "nope")
        await rpc.result("pipeline.create", {"name": "dup", "description": "fakesrc ! fakesink"})
        await rpc.error("pipeline.create", {"name": "dup", "description": "fakesrc ! fakesink"}, -32002, "dup")
        await rpc.error("pipeline.set_state", {"pipeline": "dup", "state": "flying"}, -32602, "'state'")
        await rpc.error("element.get", {"pipeline": "dup", "element": "fakesink0", "property": "nope"}, -32001)
        await rpc.error("element.set", {"pipeline": "dup", "element": "fakesrc0", "property": "num-buffers",
                                        "value": {"x": 1}}, -32602, "'value'")
        await rpc.error("pipeline.create", {"name": "f", "description": "filesrc location=/etc/passwd ! fakesink"},
                        -32004, "media root")
        await rpc.result("pipeline.create", {"name": "gone", "description":
                                             "filesrc location=missing.raw ! fakesink"})
        await rpc.error("pipeline.set_state", {"pipeline": "gone", "state": "playing"}, -32005, "missing.raw")
        await rpc.result("pipeline.create", {"name": "l2", "description": "fakesrc ! fakesink"})
        await rpc.error("pipeline.create", {"name": "l3", "description": "fakesrc ! fakesink"}, -32003, "limit")
        for name in ("dup", "gone", "l2"):
            await rpc.result("pipeline.delete", [name])
        await rpc.error("pipeline.delete", ["dup"], -32001, "dup")


async def batches_notifications_and_ids(url):
    async with websockets.connect(url) as ws:
        rpc = Rpc(ws)
        batch = [{"jsonrpc": "2.0", "id": "a", "method": "pipeline.list"},
                 {"jsonrpc": "2.0", "method": "pipeline.list"},  # notification: no reply
                 {"foo": "boo"},
                 {"jsonrpc": "2.0", "id": 2, "method": "nope"},
                 {"jsonrpc": "2.0", "id": None, "method": "factory.describe", "params": ["queue"]}]
        r = await rpc.raw(json.dumps(batch))
        check(isinstance(r, list) and len(r) == 4, f"mixed batch: {r}")
        if isinstance(r, list) and len(r) == 4:
            check(r[0]["id"] == "a" and "result" in r[0], f"batch[0]: {r[0]}")
            check(r[1]["error"]["code"] == -32600 and r[1]["id"] is None, f"batch[1]: {r[1]}")
            check(r[2]["error"]["code"] == -32601 and r[2]["id"] == 2, f"batch[2]: {r[2]}")
            check(r[3]["result"]["name"] == "queue" and r[3]["id"] is None, f"batch[3]: {r[3]}")
        # Notifications and all-notification batches get nothing: the next message is
        # the reply to the request sent after them.
        await ws.send(json.dumps({"jsonrpc": "2.0", "method": "pipeline.list"}))
        await ws.send(json.dumps({"jsonrpc": "2.0", "method": "nope"}))
        await ws.send(json.dumps([{"jsonrpc": "2.0", "method": "pipeline.list"},
                                  {"jsonrpc": "2.0", "method": "server.stats"}]))
        r = await rpc.raw(json.dumps({"jsonrpc": "2.0", "id": "after", "method": "pipeline.list"}))
        check(r.get("id") == "after", f"notifications were answered: {r}")
        # A notification still acts.
        await ws.send(json.dumps({"jsonrpc": "2.0", "method": "pipeline.create",
                                  "params": {"name": "quiet", "description": "fakesrc ! fakesink"}}))
        names = [p["name"] for p in (await rpc.result("pipeline.list"))["pipelines"]]
        check("quiet" in names, f"a notification's pipeline.create did not act: {names}")
        await rpc.result("pipeline.delete", ["quiet"])
        for rid in ["x", "", "ünï", 0, -5, 123456789012, 9007199254740993, 1.5, None]:
            r = await rpc.raw(json.dumps({"jsonrpc": "2.0", "id": rid, "method": "pipeline.list"}))
            check(r.get("id") == rid and type(r.get("id")) is type(rid), f"id {rid!r} echoed as {r.get('id')!r}")
        # Binary frames carry JSON too.
        await ws.send(json.dumps({"jsonrpc": "2.0", "id": "bin", "method": "pipeline.list"}).encode())
        check((await rpc.reply_to("bin")).get("id") == "bin", "a binary frame was not answered")


async def batch_entry_limit(url):
    """The default limit of 64 entries per batch (a batch of 10,000 ran whole before)."""
    async with websockets.connect(url) as ws:
        rpc = Rpc(ws)
        batch = [{"jsonrpc": "2.0", "id": i, "method": "pipeline.list"} for i in range(65)]
        r = await rpc.raw(json.dumps(batch))
        check(isinstance(r, dict) and r.get("error", {}).get("code") == -32600,
              f"a batch of 65: {str(r)[:200]}, want one -32600 error")
        if isinstance(r, dict):
            check("exceeds the limit of 64 (--max-batch)" in r.get("error", {}).get("message", ""),
                  f"batch limit message: {r}")
        r = await rpc.raw(json.dumps(batch[:64]))
        check(isinstance(r, list) and len(r) == 64, "a batch of 64 is answered whole")


async def reply_budget_and_name_limit():
    """--max-batch and --max-reply-bytes as flags; names of elements at most 256 bytes."""
    srv = Server(check, "--max-batch", "8", "--max-reply-bytes", "16K")
    try:
        async with websockets.connect(srv.ws + "/api/v1/rpc") as ws:
            rpc = Rpc(ws)
            r = await rpc.raw(json.dumps([{"jsonrpc": "2.0", "id": i, "method": "pipeline.list"}
                                          for i in range(9)]))
            check(isinstance(r, dict) and "limit of 8 (--max-batch)" in r.get("error", {}).get("message", ""),
                  f"--max-batch 8: {str(r)[:200]}")
            long_name = "n" * 256
            # 30 identities make a describe of several KiB; 8 of them pass 16 KiB.
            chain = " ! ".join(["identity"] * 30)
            await rpc.result("pipeline.create",
                             {"name": "wide", "description": f"fakesrc name={long_name} ! {chain} ! fakesink"})
            await rpc.error("pipeline.create", {"description": f"fakesrc name={long_name}x ! fakesink"},
                            -32602, "element name of 257 bytes exceeds the limit of 256 bytes")
            r = await rpc.raw(json.dumps([{"jsonrpc": "2.0", "id": i, "method": "pipeline.describe",
                                           "params": ["wide"]} for i in range(8)]))
            check(isinstance(r, list) and len(r) == 8, f"describe batch: {str(r)[:200]}")
            if isinstance(r, list):
                ok = [x for x in r if "result" in x]
                over = [x for x in r if x.get("error", {}).get("code") == -32003]
                check(ok and over and len(ok) + len(over) == 8, f"results then -32003: {len(ok)}, {len(over)}")
                check(all("16384 bytes (--max-reply-bytes)" in x["error"]["message"] for x in over),
                      f"budget message: {over[:1]}")
                check(len(json.dumps(r)) < 16384 + 8 * 300, "the reply stopped growing at the budget")
            await rpc.result("pipeline.delete", ["wide"])
    finally:
        srv.stop()


async def token_and_size_limit():
    srv = Server(check, "--token", "s3cret", "--max-request-bytes", "4096")
    try:
        url = srv.ws + "/api/v1/rpc"
        try:
            async with websockets.connect(url):
                check(False, "an RPC socket without the token was accepted")
        except websockets.exceptions.InvalidStatusCode as e:
            check(e.status_code == 401, f"no token: HTTP {e.status_code}, want 401")
        async with websockets.connect(url + "?token=s3cret") as ws:
            rpc = Rpc(ws)
            check((await rpc.result("pipeline.list"))["pipelines"] == [], "pipeline.list with ?token=")
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "pipeline.create",
                                      "params": {"description": "fakesrc ! fakesink " * 400}}))
            try:
                await asyncio.wait_for(ws.recv(), WAIT)
                check(False, "an oversized message was answered")
            except websockets.exceptions.ConnectionClosed as e:
                check(e.code == 1009, f"oversized message closed with {e.code}, want 1009")
        async with websockets.connect(url, extra_headers={"Authorization": "Bearer s3cret"}) as ws:
            check((await Rpc(ws).result("pipeline.list"))["pipelines"] == [], "the server survived, Bearer works")
    finally:
        srv.stop()


async def main():
    media = tempfile.mkdtemp(prefix="tessera-rpc-")
    srv = Server(check, "--media-root", media, "--max-pipelines", "3")
    try:
        url = srv.ws + "/api/v1/rpc"
        await every_method(url, media)
        await bus_notifications(url)
        await segments_and_stream_status(url)
        await bus_preroll_and_pipeline_lifecycle(url, srv.http)
        await error_codes(url)
        await batches_notifications_and_ids(url)
        await batch_entry_limit(url)
    finally:
        srv.stop()
        os.rmdir(media)
    await token_and_size_limit()
    await reply_budget_and_name_limit()


asyncio.run(main())
check.finish()
