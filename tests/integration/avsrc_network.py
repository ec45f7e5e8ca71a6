"""avsrc against real peers on loopback (media made by the ffmpeg CLI at test time):
an MPEG-TS stream over UDP (`ffmpeg -re`), an RTSP server (GstRtspServer through
python3-gst), the UDP peer going away and coming back (a warning, then playback
resumes), an RTSP peer that accepts and never answers (an error within the timeout),
and URIs the operator did not allow (refused by the server with 403, SSRF)."""
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from tessera_it import TESSERA, WAIT, Checks, Server  # noqa: E402

check = Checks("avsrc_network")


def create(srv, name, description):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=WAIT)
    conn.request("POST", "/api/v1/pipelines", body=json.dumps({"name": name, "description": description}))
    r = conn.getresponse()
    body = json.loads(r.read() or b"null")
    conn.close()
    return r.status, body


def free_port(kind=socket.SOCK_DGRAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def ffmpeg_udp(port, seconds):
    return subprocess.Popen(["ffmpeg", "-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i",
                             "testsrc2=size=320x240:rate=25", "-t", str(seconds), "-c:v", "libx264",
                             "-tune", "zerolatency", "-g", "25", "-f", "mpegts", f"udp://127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def launch(args, timeout):
    """tessera launch -m ARGS; (exit status, output); killed at `timeout` (a hang fails)."""
    try:
        r = subprocess.run([TESSERA, "launch", "-m", *args], capture_output=True, text=True, timeout=timeout)
        return r.returncode, r.stdout + r.stderr
    except subprocess.TimeoutExpired as e:
        return "hung", (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")


# --- UDP: plays, reports latency, survives the peer's restart ---
port = free_port()
sender = ffmpeg_udp(port, 20)
time.sleep(0.3)
status, out = launch(["--allow-uri", f"udp://127.0.0.1:{port}",
                      f"avsrc uri=udp://127.0.0.1:{port} timeout=3000 ! fakesink num-buffers=50 sync=true"], 40)
sender.kill()
sender.wait()
check(status == 0 and "(eos)" in out, f"avsrc plays an MPEG-TS stream over UDP: {status} {out[-400:]}")
check("(latency)" in out or "latency" in out, f"a live avsrc posts latency: {out[-400:]}")

port = free_port()
peer = subprocess.Popen(["sh", "-c",
                         f"ffmpeg -nostdin -v error -re -f lavfi -i testsrc2=size=320x240:rate=25 -t 3 -c:v libx264 "
                         f"-tune zerolatency -g 25 -f mpegts udp://127.0.0.1:{port}; sleep 3; "
                         f"ffmpeg -nostdin -v error -re -f lavfi -i testsrc2=size=320x240:rate=25 -t 20 -c:v libx264 "
                         f"-tune zerolatency -g 25 -f mpegts udp://127.0.0.1:{port}"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
time.sleep(0.3)
# 3 s of the first run (75 frames) and then 75 more: only a reconnection gets there.
status, out = launch(["--allow-uri", f"udp://127.0.0.1:{port}",
                      f"avsrc uri=udp://127.0.0.1:{port} timeout=1000 ! fakesink num-buffers=150"], 60)
os.killpg(peer.pid, 9)
peer.wait()
check(status == 0 and "(eos)" in out, f"playback goes on after the UDP peer restarts: {status} {out[-600:]}")
check(re.search(r"\(warning\).*lost .*reconnecting", out) is not None, f"a warning says the peer went away: {out[-600:]}")
check("reconnected to" in out, f"a warning says it is back: {out[-600:]}")

# --- RTSP: GstRtspServer on loopback ---
RTSP_SERVER = r"""
import sys, gi
gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0')
from gi.repository import Gst, GstRtspServer, GLib
Gst.init(None)
srv = GstRtspServer.RTSPServer(); srv.set_address('127.0.0.1'); srv.set_service(sys.argv[1])
f = GstRtspServer.RTSPMediaFactory()
f.set_launch('( videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=25/1 ! '
             'openh264enc gop-size=25 ! h264parse ! rtph264pay name=pay0 pt=96 )')
f.set_shared(True)
srv.get_mount_points().add_factory('/test', f)
srv.attach(None)
print('ready', flush=True)
GLib.MainLoop().run()
"""
rtsp_port = free_port(socket.SOCK_STREAM)
# The system interpreter has the GObject bindings (python3-gi); a virtualenv's may not.
system_python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
rtsp = subprocess.Popen([system_python, "-c", RTSP_SERVER, str(rtsp_port)], stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL, text=True)
ready = rtsp.stdout.readline().strip() == "ready"
check(ready, "the GstRtspServer peer started")
if ready:
    uri = f"rtsp://127.0.0.1:{rtsp_port}/test"
    status, out = launch(["--allow-uri", f"rtsp://127.0.0.1:{rtsp_port}/",
                          f"avsrc uri={uri} ! fakesink num-buffers=40"], 60)
    check(status == 0 and "(eos)" in out, f"avsrc plays an RTSP stream: {status} {out[-400:]}")
rtsp.kill()
rtsp.wait()

# --- an RTSP peer that accepts the connection and never answers ---
silent = socket.socket()
silent.bind(("127.0.0.1", 0))
silent.listen(4)
silent_port = silent.getsockname()[1]
accepted = []
threading.Thread(target=lambda: accepted.append(silent.accept()), daemon=True).start()
started = time.monotonic()
status, out = launch(["--allow-uri", f"rtsp://127.0.0.1:{silent_port}/",
                      f"avsrc uri=rtsp://127.0.0.1:{silent_port}/x timeout=2000 ! fakesink"], 30)
elapsed = time.monotonic() - started
check(status == 1 and "no answer within 2000 ms" in out, f"a silent RTSP peer is a clear error: {status} {out[-400:]}")
check(elapsed < 20, f"the error comes within the timeout's bound: {elapsed:.1f} s")
silent.close()

# --- URIs the operator did not allow ---
status, out = launch(["avsrc uri=http://169.254.169.254/latest/meta-data ! fakesink"], 20)
check(status == 2 and "--allow-uri" in out, f"launch refuses a URI not allowed: {status} {out[-300:]}")
srv = Server(check, "--allow-uri", "rtsp://127.0.0.1:1/")
status, body = create(srv, "ssrf", "avsrc uri=http://127.0.0.1:22/ ! fakesink")
check(status == 403 and "--allow-uri" in body["error"]["message"], f"serve refuses a URI not allowed: {status} {body}")
status, body = create(srv, "trick", "avsrc uri=rtsp://127.0.0.1:1@evil.example/ ! fakesink")
check(status == 403, f"a prefix ends at a boundary (userinfo trick refused): {status} {body}")
status, body = create(srv, "dev", "avsrc device=/dev/video0 ! fakesink")
check(status == 403 and "--allow-device" in body["error"]["message"], f"a device not allowed is refused: {status} {body}")
srv.stop()

check.finish()
