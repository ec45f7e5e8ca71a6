#pragma once
/// Sending one payload to many clients at once (the subscribers of one sink), the way
/// Beast's chat-multi shared_state broadcasts one shared string to every session.

#include "core/support/result.hpp"
#include "net/outbound_client.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace tessera::net {

/// What one broadcast did.
struct broadcast_result {
  std::size_t queued = 0;          ///< clients that queued the payload
  std::size_t dropped_oldest = 0;  ///< of those, clients whose queue dropped an old message
  std::size_t removed = 0;         ///< closed clients found and removed from the group
};

/// A bounded set of clients (WebSocket connections or streamed responses, mixed) that
/// receive the same messages. Holds weak references: a client that ends leaves the
/// group by itself at the next send. send() never blocks on a client: each client's own
/// queue absorbs or drops. Thread safety: every member may be called from any thread;
/// the lock is not held while clients are sent to.
class client_group {
 public:
  /// `max_clients`: add() beyond it fails (docs/deploy.md: 256 viewers per sink).
  explicit client_group(std::size_t max_clients = 256) : max_(max_clients) {}

  /// Adds a client. Errors: errc::limit_exceeded when full, errc::closed when the
  /// client is already closed.
  result<void> add(const std::shared_ptr<outbound_client>& client);
  /// Removes a client (no-op when absent).
  void remove(const outbound_client* client);

  /// Queues `payload` (one shared buffer, no copy) on every open client.
  broadcast_result send(const shared_payload& payload, message_kind kind = message_kind::binary);

  /// Closes every client (queued messages are still sent) and empties the group.
  void close_all();

  /// Clients currently in the group (closed ones not yet removed included).
  std::size_t size() const;

 private:
  std::vector<std::shared_ptr<outbound_client>> snapshot();

  const std::size_t max_;
  mutable std::mutex mutex_;
  std::vector<std::weak_ptr<outbound_client>> clients_;
};

}  // namespace tessera::net
