#pragma once
/// Helpers for the engine-core tests: caps and pad templates in one line, bounded
/// waits (polling with a deadline, a watchdog that aborts a hung call), bus
/// draining, memory-counter deltas and patterned buffers.

#include "core/caps/caps.hpp"
#include "core/graph/bus.hpp"
#include "core/graph/pad.hpp"
#include "core/memory/buffer.hpp"
#include "core/memory/counters.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace tessera::core::test {

// ------------------------------------------------------------------ helpers

inline caps caps_of(std::string_view text) { return caps::parse(text).value(); }

/// `c` (one structure) with integer field `field` set to `v`.
inline caps with_int_field(const caps& c, std::string_view field, std::int64_t v) {
  structure s = *c.structure_at(0);
  (void)s.set(field, value(static_cast<long long>(v)));
  return caps(std::move(s));
}

inline pad_template src_template(caps c, perm rej = perm::none, std::string name = "src",
                                 pad_presence presence = pad_presence::always) {
  return pad_template{std::move(name), pad_direction::src, presence, std::move(c), perm::none, rej};
}

inline pad_template sink_template(caps c, perm min = perm::none, perm rej = perm::none, std::string name = "sink") {
  return pad_template{std::move(name), pad_direction::sink, pad_presence::always, std::move(c), min, rej};
}

/// Polls `pred` every millisecond until it holds or `timeout` passes.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

/// Runs `f` on its own thread and returns its result; if it has not finished within
/// `limit`, the test program aborts with `what` named (a hang must fail, not block
/// the suite forever).
template <class F>
auto within(std::chrono::milliseconds limit, const char* what, F&& f) {
  auto fut = std::async(std::launch::async, std::forward<F>(f));
  if (fut.wait_for(limit) != std::future_status::ready) {
    std::fprintf(stderr, "HANG: %s did not finish within %lld ms\n", what, static_cast<long long>(limit.count()));
    std::fflush(stderr);
    std::abort();
  }
  return fut.get();
}

/// Every message of `type` popped from `b` within `timeout` (others are dropped).
inline std::vector<message> pop_all(bus& b, message_type type, std::chrono::milliseconds timeout) {
  std::vector<message> out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return out;
    auto m = b.pop_filtered(left, {type});
    if (!m) return out;
    out.push_back(std::move(*m));
  }
}

/// Counters moved since `before` (live counts wrap when fewer: compare them as signed).
inline memory_counters counters_since(const memory_counters& before) {
  const memory_counters now = memory_counters_snapshot();
  memory_counters d;
  d.allocated_bytes = now.allocated_bytes - before.allocated_bytes;
  d.live_bytes = now.live_bytes - before.live_bytes;
  d.peak_bytes = now.peak_bytes - before.peak_bytes;
  d.copies = now.copies - before.copies;
  d.copied_bytes = now.copied_bytes - before.copied_bytes;
  d.allocations = now.allocations - before.allocations;
  d.frees = now.frees - before.frees;
  d.live_memories = now.live_memories - before.live_memories;
  return d;
}

/// A buffer of `size` bytes holding 0, 1, 2, ... (mod 256), all permissions.
inline buffer pattern_buffer(std::size_t size, unsigned first = 0) {
  buffer b = buffer::allocate(size).value();
  if (size > 0) {
    auto m = b.map(map_access::write).value();
    for (std::size_t i = 0; i < size; ++i) m.data()[i] = static_cast<std::byte>((first + i) & 0xff);
  }
  return b;
}

/// A buffer's bytes, read through a share (empty when it cannot be read).
inline std::vector<std::uint8_t> bytes_of(const buffer& b) {
  buffer view = b.share();
  auto map = view.map(map_access::read);
  if (!map) return {};
  const auto* d = reinterpret_cast<const std::uint8_t*>(map->data());
  return {d, d + map->size()};
}

}  // namespace tessera::core::test
