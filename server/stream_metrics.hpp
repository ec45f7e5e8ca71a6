#pragma once
/// Counters of the frame streams (WebSocket and MJPEG viewers of websinks) for
/// /metrics and /api/v1/stats. The streaming routes bump them; the metrics routes read
/// them. One instance per server, owned by serve_command and borrowed by both.
/// Thread safety: relaxed atomics, bumped from any thread.

#include <atomic>
#include <cstdint>

namespace tessera::server {

struct stream_metrics {
  std::atomic<std::uint64_t> frames_streamed{0};  ///< frames written to viewers (cumulative)
  std::atomic<std::uint64_t> subscribers{0};      ///< viewers connected now (a gauge: add, then sub)
  std::atomic<std::uint64_t> dropped_frames{0};   ///< frames a slow viewer lost (cumulative)

  static void bump(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept {
    c.fetch_add(n, std::memory_order_relaxed);
  }
  static void drop(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept {
    c.fetch_sub(n, std::memory_order_relaxed);
  }
  static std::uint64_t read(const std::atomic<std::uint64_t>& c) noexcept {
    return c.load(std::memory_order_relaxed);
  }
};

}  // namespace tessera::server
