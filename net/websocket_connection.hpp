#pragma once
/// What a WebSocket route's handler works with: the upgrade decision, then the connection.

#include "core/support/result.hpp"
#include "net/http_message.hpp"
#include "net/outbound_client.hpp"

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace tessera::net {

/// WebSocket close codes net uses (RFC 6455 7.4.1).
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;  ///< server stopping
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t too_big = 1009;  ///< message over max_websocket_message_bytes
inline constexpr std::uint16_t internal_error = 1011;
}  // namespace close_code

/// One message received from the client.
struct incoming_message {
  message_kind kind = message_kind::text;
  std::string data;
};

/// An accepted WebSocket connection. Sending (try_send, send_text, close) works from any
/// thread at any time, through the bounded drop-oldest queue; one writer coroutine per
/// socket writes the queue out. Reading (read, wait_closed) belongs to the route's
/// handler coroutine only, while that handler runs: Beast answers pings and close frames
/// during reads, so a handler that does not expect messages calls wait_closed().
/// When the handler returns, the session closes the connection (code 1000) after the
/// queued messages.
class websocket_connection : public outbound_client {
 public:
  /// Queues a text message (one allocation for the string, no copy of its bytes).
  send_result send_text(std::string text) {
    return try_send(shared_payload::from_string(std::move(text)), message_kind::text);
  }

  /// Like outbound_client::close, with the close frame's code.
  void close(std::uint16_t code) {
    close_code_.store(code, std::memory_order_relaxed);
    outbound_client::close();
  }
  using outbound_client::close;

  /// The code the close frame will carry (1000 unless close(code) said otherwise).
  std::uint16_t pending_close_code() const noexcept {
    return close_code_.load(std::memory_order_relaxed);
  }

  /// Handler coroutine only. The next complete message; errc::closed once the peer
  /// closed (or the server is stopping), errc::limit_exceeded after a message over
  /// max_websocket_message_bytes (the peer has then been sent close code 1009).
  virtual boost::asio::awaitable<result<incoming_message>> read() = 0;

  /// Handler coroutine only. Reads and discards messages until the connection ends.
  boost::asio::awaitable<void> wait_closed();

 protected:
  using outbound_client::outbound_client;

 private:
  std::atomic<std::uint16_t> close_code_{close_code::normal};
};

/// Given to a WebSocket route's handler before the handshake completes: the handler
/// checks what it must (the pipeline exists, the subscriber limit) and then either
/// accepts, getting the connection, or refuses with an HTTP response. A handler that
/// returns having done neither gets a 500 sent for it. Valid during the handler call.
class websocket_upgrade {
 public:
  virtual ~websocket_upgrade() = default;

  /// Completes the handshake (101). `queue_messages` sizes this client's send queue
  /// (0: http_server_config::send_queue_messages); an RPC connection wants more than a video
  /// one. Errors: the handshake failed (the client is gone), or called twice.
  boost::asio::awaitable<result<std::shared_ptr<websocket_connection>>> accept(
      std::size_t queue_messages = 0) {
    return do_accept(queue_messages);
  }

  /// Answers `r` instead of upgrading; the connection then closes.
  /// errc::bad_state when already accepted/begun or refused.
  result<void> refuse(response r) { return do_refuse(std::move(r)); }

 private:
  virtual boost::asio::awaitable<result<std::shared_ptr<websocket_connection>>> do_accept(
      std::size_t queue_messages) = 0;
  virtual result<void> do_refuse(response r) = 0;
};

}  // namespace tessera::net
