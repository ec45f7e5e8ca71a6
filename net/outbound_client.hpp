#pragma once
/// The sending side shared by WebSocket connections and streamed HTTP responses.

#include "net/send_queue.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <memory>

namespace tessera::net {

/// One client that receives messages through its own bounded send_queue. Held by
/// shared_ptr: the session owns one reference while the connection lives, and any
/// producer (a websink's subscriber, through server/frame_routes) may hold others; once the
/// connection ends every call still works and try_send answers `closed`.
/// Thread safety: every public member may be called from any thread.
class outbound_client {
 public:
  virtual ~outbound_client() = default;
  outbound_client(const outbound_client&) = delete;
  outbound_client& operator=(const outbound_client&) = delete;

  /// Queues `payload` (shared, not copied) and returns at once. When the queue is full
  /// the oldest queued message is dropped and counted.
  send_result try_send(shared_payload payload, message_kind kind = message_kind::binary) {
    return queue_->try_push({std::move(payload), kind});
  }

  /// No further messages are accepted; the queued ones are still written, then the
  /// connection ends (a WebSocket sends a close frame, a stream ends its response).
  void close() { queue_->close(false); }

  /// False once close() was called, the peer went away or the server is stopping.
  bool is_open() const { return !queue_->is_closed(); }

  /// Counters and size of this client's queue.
  const send_queue& queue() const noexcept { return *queue_; }

  const boost::asio::ip::tcp::endpoint& remote() const noexcept { return remote_; }

 protected:
  outbound_client(std::shared_ptr<send_queue> queue, boost::asio::ip::tcp::endpoint remote)
      : queue_(std::move(queue)), remote_(std::move(remote)) {}

  const std::shared_ptr<send_queue> queue_;
  const boost::asio::ip::tcp::endpoint remote_;
};

}  // namespace tessera::net
