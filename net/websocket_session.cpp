// The WebSocket kind of upgraded connection.
//
// Model (Beast's websocket_server_awaitable + chat-multi): the route's handler decides
// before the handshake, accept() or refuse() (upgraded_connection.hpp). After accept(),
// the handler reads (Beast answers pings and close frames during reads) while the
// writer drains the connection's bounded send_queue. Producers on any thread push
// shared payloads into that queue; a full queue drops its oldest message.
// Ending: the handler returns -> the queue closes -> the writer sends what is queued,
// then a close frame (1000, or the code given to close()). Server stop -> pending
// messages are discarded and the close frame says 1001. The peer closes -> the read
// fails, the queue closes, the writer stops. A write fails -> the socket is closed, which
// ends the handler's read. A message over the size limit -> Beast
// sends close 1009 and the read reports it.
// Timeouts: tcp_stream's own are switched off and websocket's suggested server
// settings (handshake 30 s, idle 300 s with keep-alive pings) take over.

#include "net/websocket_session.hpp"

#include "net/websocket_connection.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

namespace tessera::net::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using ws_stream = websocket::stream<connection_stream&>;

constexpr upgrade_words websocket_words{"WebSocket", "accept", "accepted", "the upgrade"};

class websocket_phase;

/// The handle given to the handler and to producers.
class connection_impl final : public websocket_connection {
 public:
  connection_impl(std::shared_ptr<send_queue> queue, tcp::endpoint remote, websocket_phase* phase)
      : websocket_connection(std::move(queue), std::move(remote)), phase_(phase) {}

  asio::awaitable<result<incoming_message>> read() override;

  /// Strand only: the phase is ending.
  void detach() noexcept { phase_ = nullptr; }

 private:
  websocket_phase* phase_;  // valid while the handler runs; strand only
};

class websocket_phase final : public websocket_upgrade, public upgraded_connection {
 public:
  websocket_phase(const session_services& services, connection_stream& stream, const beast_request& req,
                  const tcp::endpoint& remote, const router::route& route, bool stopping)
      : upgraded_connection(services, stream, remote, route, stopping, websocket_words,
                            &server_counters::websockets_active),
        req_(req) {}

  ~websocket_phase() override { detach(); }

  asio::awaitable<result<incoming_message>> read_message();

 private:
  asio::awaitable<result<std::shared_ptr<websocket_connection>>> do_accept(
      std::size_t queue_messages) override;
  result<void> do_refuse(response r) override { return refuse_with(std::move(r)); }

  asio::awaitable<void> call_handler(request_context& ctx) override { co_await route().websocket(ctx, *this); }
  /// Keeps the code a stop or the handler chose (1001, ...) unless the handler threw.
  void handler_ended(bool threw) override {
    if (threw) {
      conn_->close(close_code::internal_error);
    } else {
      conn_->close();
    }
  }
  asio::awaitable<void> transmit() override;
  void stop_open() override { conn_->close(close_code::going_away); }
  void detach_handle() noexcept override {
    if (conn_) conn_->detach();
  }

  const beast_request& req_;
  std::optional<ws_stream> ws_;
  std::shared_ptr<connection_impl> conn_;
};

asio::awaitable<result<incoming_message>> connection_impl::read() {
  if (!phase_) co_return fail(errc::closed, "the WebSocket connection has ended");
  co_return co_await phase_->read_message();
}

asio::awaitable<result<std::shared_ptr<websocket_connection>>> websocket_phase::do_accept(
    std::size_t queue_messages) {
  if (auto ok = may_start(); !ok) co_return ok.error();
  ws_.emplace(stream_);
  beast::get_lowest_layer(*ws_).expires_never();
  ws_->set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_->read_message_max(services_.config.max_websocket_message_bytes);
  auto [ec] = co_await ws_->async_accept(req_, asio::as_tuple(asio::use_awaitable));
  decided();
  if (ec) {
    co_return start_failed("WebSocket handshake with " + endpoint_text(remote_) + " failed: " + ec.message())
        .error();
  }
  conn_ = std::make_shared<connection_impl>(open(queue_messages), remote_, this);
  opened();
  co_return std::shared_ptr<websocket_connection>(conn_);
}

asio::awaitable<void> websocket_phase::transmit() {
  for (;;) {
    auto next = queue_->take();
    if (next.status == send_queue::take_status::message) {
      const auto& payload = next.message.payload;
      ws_->binary(next.message.kind == message_kind::binary);
      auto [ec, n] = co_await ws_->async_write(asio::const_buffer(payload.data.get(), payload.size),
                                               asio::as_tuple(asio::use_awaitable));
      if (ec) {
        spdlog::debug("net: WebSocket write to {} failed: {}", endpoint_text(remote_), ec.message());
        queue_->close(true);
        // The connection is unusable, yet its read side need not know (a TLS stream, a
        // peer that stopped reading but still sends): closing the socket ends the
        // handler's read, so the handler returns and its subscriptions end now.
        beast::error_code cec;
        stream_.socket().close(cec);
        break;
      }
      queue_->note_sent(payload.size);
    } else if (next.status == send_queue::take_status::empty) {
      co_await writer_sleep();
    } else {
      if (ws_->is_open()) {
        const websocket::close_reason reason(conn_->pending_close_code());
        auto [ec] = co_await ws_->async_close(reason, asio::as_tuple(asio::use_awaitable));
        if (ec) spdlog::debug("net: WebSocket close with {} failed: {}", endpoint_text(remote_), ec.message());
      }
      break;
    }
  }
}

asio::awaitable<result<incoming_message>> websocket_phase::read_message() {
  if (!is_open()) co_return fail(errc::closed, "the WebSocket is not open");
  beast::flat_buffer buffer;
  auto [ec, n] = co_await ws_->async_read(buffer, asio::as_tuple(asio::use_awaitable));
  if (ec) {
    queue_->close(true);  // nobody left to send to
    wake_writer();
    if (ec == websocket::error::message_too_big) {
      co_return fail(errc::limit_exceeded,
                     "WebSocket message from " + endpoint_text(remote_) + " exceeds max_websocket_message_bytes=" +
                         std::to_string(services_.config.max_websocket_message_bytes) + "; closed with code 1009");
    }
    if (ec == websocket::error::closed) {
      co_return fail(errc::closed, "WebSocket closed by " + endpoint_text(remote_) + " (code " +
                                       std::to_string(ws_->reason().code) + ")");
    }
    co_return fail(errc::closed, "WebSocket read from " + endpoint_text(remote_) + " failed: " + ec.message());
  }
  co_return incoming_message{ws_->got_text() ? message_kind::text : message_kind::binary,
                             beast::buffers_to_string(buffer.data())};
}

}  // namespace

std::unique_ptr<upgraded_connection> make_websocket_phase(const session_services& services,
                                                          connection_stream& stream, const beast_request& req,
                                                          const tcp::endpoint& remote, const router::route& route,
                                                          bool stopping) {
  return std::make_unique<websocket_phase>(services, stream, req, remote, route, stopping);
}

}  // namespace tessera::net::detail
