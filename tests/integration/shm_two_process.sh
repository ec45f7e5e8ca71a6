#!/usr/bin/env bash
# shmsink in one process, shmsrc in another (issue 13 item 7): 30 frames cross through
# shared memory, equal byte for byte to what testsrc writes to a file directly, with
# no byte copied on either side (--stats: memory.copied_bytes). Then a reader killed
# mid-stream: the writer warns that it dropped the reader and plays to the end; and a
# writer killed mid-stream: the reader ends with "Control socket has closed".
set -euo pipefail
bin=$(cd "${1:-build}" && pwd)/bin/tessera
work=$(mktemp -d /tmp/tessera-shm-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "shm_two_process: FAILED: $*" >&2; exit 1; }
# The value of "copied_bytes" in a --stats line.
copied() { sed -n 's/.*"copied_bytes":\([0-9]*\).*/\1/p' "$1" | tail -1; }
# Waits (at most 10 s) for the writer's socket file.
wait_socket() { for _ in $(seq 100); do [ -S "$1" ] && return 0; sleep 0.1; done; fail "no socket at $1"; }

# 1. Frames and pixels, no copy.
sock=$work/frames.sock
timeout 60 "$bin" launch --stats "testsrc num-buffers=30 pattern=ball ! shmsink socket-path=$sock" \
  >"$work/w1.out" 2>"$work/w1.err" &
wpid=$!; pids+=("$wpid")
wait_socket "$sock"
timeout 60 "$bin" launch --stats "shmsrc socket-path=$sock ! filesink location=$work/through-shm.raw" \
  >"$work/r1.out" 2>"$work/r1.err" || fail "reader exited $?: $(cat "$work/r1.err")"
wait "$wpid" || fail "writer exited $?: $(cat "$work/w1.err")"
"$bin" launch "testsrc num-buffers=30 pattern=ball ! filesink location=$work/direct.raw" >/dev/null
[ "$(stat -c %s "$work/direct.raw")" = $((30 * 320 * 240 * 4)) ] || fail "reference file has the wrong size"
cmp -s "$work/direct.raw" "$work/through-shm.raw" || fail "frames through shared memory differ from testsrc's"
grep -q '"filesink0":{"buffers_in":30' "$work/r1.out" || fail "reader did not get 30 buffers: $(cat "$work/r1.out")"
[ "$(copied "$work/w1.out")" = 0 ] || fail "writer copied $(copied "$work/w1.out") bytes"
[ "$(copied "$work/r1.out")" = 0 ] || fail "reader copied $(copied "$work/r1.out") bytes"
[ ! -e "$sock" ] || fail "the writer left its socket file"
echo "shm_two_process: 30 frames equal to testsrc's, 0 bytes copied"

# 2. A reader killed mid-stream: the writer drops it with a warning and carries on.
sock=$work/kill-reader.sock
timeout 60 "$bin" launch "testsrc num-buffers=90 ! shmsink socket-path=$sock" >"$work/w2.out" 2>"$work/w2.err" &
wpid=$!; pids+=("$wpid")
wait_socket "$sock"
"$bin" launch "shmsrc socket-path=$sock ! fakesink" >/dev/null 2>&1 &
rpid=$!; pids+=("$rpid")
sleep 1
{ kill -9 "$rpid"; wait "$rpid"; } 2>/dev/null || true
wait "$wpid" || fail "writer exited $? after its reader was killed: $(cat "$work/w2.err")"
grep -q "WARNING from element shmsink0: reader 1 dropped" "$work/w2.err" || fail "no warning: $(cat "$work/w2.err")"
echo "shm_two_process: reader killed, writer warned and finished"

# 3. A writer killed mid-stream: the reader errors out instead of waiting forever.
sock=$work/kill-writer.sock
"$bin" launch "testsrc ! shmsink socket-path=$sock" >/dev/null 2>&1 &
wpid=$!; pids+=("$wpid")
disown "$wpid"  # killed on purpose below: no job report
wait_socket "$sock"
set +e
( sleep 1; kill -9 "$wpid" ) &
timeout 30 "$bin" launch "shmsrc socket-path=$sock ! fakesink" >"$work/r3.out" 2>"$work/r3.err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "reader exited $rc when its writer was killed, want 1"
grep -q "Control socket has closed" "$work/r3.err" || fail "reader said: $(cat "$work/r3.err")"
echo "shm_two_process: writer killed, reader ended with 'Control socket has closed'"
