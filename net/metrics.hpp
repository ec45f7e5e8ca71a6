#pragma once
/// Plain counters for /metrics and /api/v1/stats: atomics bumped on any thread, read
/// together by a snapshot. No locking, no histograms; a sum and a count give a mean.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace tessera::net {

/// Server-wide counters. Shared (shared_ptr) by the server, its sessions and every
/// client's send queue, so a queue held by a producer after the server is gone still
/// has somewhere to count. Thread-safe: relaxed atomics.
struct server_counters {
  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::uint64_t> connections_rejected{0};  ///< closed at once: over max_connections (in all or per address)
  std::atomic<std::uint64_t> connections_active{0};
  std::atomic<std::uint64_t> websockets_active{0};
  std::atomic<std::uint64_t> streams_active{0};
  std::atomic<std::uint64_t> requests_total{0};      ///< every request read in full
  std::atomic<std::uint64_t> requests_malformed{0};  ///< answered 400/413/431 while reading
  std::atomic<std::uint64_t> requests_not_found{0};  ///< 404 from the router
  std::atomic<std::uint64_t> requests_method_not_allowed{0};  ///< 405 from the router
  std::atomic<std::uint64_t> requests_pre_route_answered{0};  ///< answered by the pre_route hook
  std::atomic<std::uint64_t> messages_queued{0};   ///< accepted by a client send queue
  std::atomic<std::uint64_t> messages_dropped{0};  ///< oldest dropped from a full send queue
  std::atomic<std::uint64_t> messages_sent{0};     ///< written to a socket
  std::atomic<std::uint64_t> bytes_sent{0};        ///< payload bytes of messages_sent

  static void bump(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept {
    c.fetch_add(n, std::memory_order_relaxed);
  }
};

/// Requests and summed handler latency of one route (method + pattern).
struct route_stats {
  std::string method;   ///< "GET", or "WEBSOCKET" for upgrade routes
  std::string pattern;  ///< as registered, e.g. "/api/v1/pipelines/{p}"
  std::uint64_t requests = 0;
  std::chrono::nanoseconds latency_sum{0};  ///< plain: until the response is built;
                                            ///< stream/WebSocket: until accepted or refused
};

/// A copy of every counter at one moment (each read on its own; not a transaction).
struct metrics_snapshot {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_rejected = 0;
  std::uint64_t connections_active = 0;
  std::uint64_t websockets_active = 0;
  std::uint64_t streams_active = 0;
  std::uint64_t requests_total = 0;
  std::uint64_t requests_malformed = 0;
  std::uint64_t requests_not_found = 0;
  std::uint64_t requests_method_not_allowed = 0;
  std::uint64_t requests_pre_route_answered = 0;
  std::uint64_t messages_queued = 0;
  std::uint64_t messages_dropped = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t bytes_sent = 0;
  std::vector<route_stats> routes;

  static metrics_snapshot of(const server_counters& c);
};

}  // namespace tessera::net
