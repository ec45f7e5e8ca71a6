#include "net/metrics.hpp"

namespace tessera::net {

metrics_snapshot metrics_snapshot::of(const server_counters& c) {
  auto get = [](const std::atomic<std::uint64_t>& v) { return v.load(std::memory_order_relaxed); };
  metrics_snapshot s;
  s.connections_accepted = get(c.connections_accepted);
  s.connections_rejected = get(c.connections_rejected);
  s.connections_active = get(c.connections_active);
  s.websockets_active = get(c.websockets_active);
  s.streams_active = get(c.streams_active);
  s.requests_total = get(c.requests_total);
  s.requests_malformed = get(c.requests_malformed);
  s.requests_not_found = get(c.requests_not_found);
  s.requests_method_not_allowed = get(c.requests_method_not_allowed);
  s.requests_pre_route_answered = get(c.requests_pre_route_answered);
  s.messages_queued = get(c.messages_queued);
  s.messages_dropped = get(c.messages_dropped);
  s.messages_sent = get(c.messages_sent);
  s.bytes_sent = get(c.bytes_sent);
  return s;
}

}  // namespace tessera::net
