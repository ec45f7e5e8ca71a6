// The WebSocket phase of a connection.
//
// Model (Beast's websocket_server_awaitable + chat-multi): the route's handler runs as
// part of the connection's coroutine and decides before the handshake, accept() or
// refuse(). After accept(), two coroutines share the strand and the stream: the
// handler, which reads (Beast answers pings and close frames during reads), and one
// writer, which drains the connection's bounded send_queue. Producers on any thread
// push shared payloads into that queue; a full queue drops its oldest message. The
// writer sleeps on a wake_signal that the queue's notifier rings.
// Ending: the handler returns -> the queue closes -> the writer sends what is queued,
// then a close frame (1000, or the code given to close()). Server stop -> pending
// messages are discarded and the close frame says 1001. The peer closes -> the read
// fails, the queue closes, the writer stops. A message over the size limit -> Beast
// sends close 1009 and the read reports it.
// Timeouts: tcp_stream's own are switched off and websocket's suggested server
// settings (handshake 30 s, idle 300 s with keep-alive pings) take over.

#include "net/websocket_session.hpp"

#include "net/websocket_connection.hpp"
#include "net/wake_signal.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include <chrono>

namespace tessera::net::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using namespace asio::experimental::awaitable_operators;
using ws_stream = websocket::stream<beast::tcp_stream&>;

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

class websocket_phase final : public websocket_upgrade, public session_phase {
 public:
  websocket_phase(const session_services& services, beast::tcp_stream& stream,
                  const beast_request& req, const tcp::endpoint& remote,
                  const router::route& route, bool stopping)
      : services_(services),
        stream_(stream),
        req_(req),
        remote_(remote),
        route_(route),
        stopping_(stopping),
        wake_(std::make_shared<wake_signal>(stream.get_executor())),
        started_(clock_type::now()) {}

  ~websocket_phase() { detach(); }

  asio::awaitable<std::optional<response>> run(request_context& ctx) {
    co_await (handler_part(ctx) && writer_part());
    detach();
    switch (state_) {
      case state::refused: co_return std::move(refusal_);
      case state::undecided:
        co_return response::error(status::internal_server_error,
                                  "WebSocket route " + route_.pattern->text() +
                                      " neither accepted nor refused the upgrade");
      case state::deciding:
      case state::accepted:
      case state::failed: break;
    }
    co_return std::nullopt;
  }

  void request_stop() override {
    stopping_ = true;
    if (conn_) {
      conn_->close(close_code::going_away);
      queue_->close(true);  // old frames are not worth delaying the shutdown for
    }
    wake_->ring();
  }

  void force_close() override {
    stopping_ = true;
    if (queue_) queue_->close(true);
    beast::error_code ec;
    stream_.socket().close(ec);  // aborts the handshake, reads, writes and the close
    wake_->ring();
  }

  asio::awaitable<result<incoming_message>> read_message();

 private:
  enum class state { deciding, accepted, refused, undecided, failed };

  asio::awaitable<result<std::shared_ptr<websocket_connection>>> do_accept(
      std::size_t queue_messages) override;
  result<void> do_refuse(response r) override;
  asio::awaitable<void> handler_part(request_context& ctx);
  asio::awaitable<void> writer_part();
  void decided() { router::record(route_, clock_type::now() - started_); }
  void detach();

  const session_services& services_;
  beast::tcp_stream& stream_;
  const beast_request& req_;
  const tcp::endpoint& remote_;
  const router::route& route_;
  bool stopping_;
  const std::shared_ptr<wake_signal> wake_;
  const clock_type::time_point started_;
  std::optional<ws_stream> ws_;
  std::shared_ptr<send_queue> queue_;
  std::shared_ptr<connection_impl> conn_;
  std::optional<response> refusal_;
  state state_ = state::deciding;
  bool counted_active_ = false;
};

asio::awaitable<result<incoming_message>> connection_impl::read() {
  if (!phase_) co_return fail(errc::closed, "the WebSocket connection has ended");
  co_return co_await phase_->read_message();
}

asio::awaitable<result<std::shared_ptr<websocket_connection>>> websocket_phase::do_accept(
    std::size_t queue_messages) {
  if (state_ != state::deciding) {
    co_return fail(errc::bad_state, "accept(): the upgrade was already accepted or refused");
  }
  if (stopping_) {
    state_ = state::refused;
    refusal_ = response::error(status::service_unavailable, "the server is stopping");
    decided();
    wake_->ring();
    co_return fail(errc::closed, "accept(): the server is stopping");
  }
  ws_.emplace(stream_);
  beast::get_lowest_layer(*ws_).expires_never();
  ws_->set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_->read_message_max(services_.config.max_websocket_message_bytes);
  auto [ec] = co_await ws_->async_accept(req_, asio::as_tuple(asio::use_awaitable));
  decided();
  if (ec) {
    state_ = state::failed;
    wake_->ring();
    co_return fail(errc::io_error, "WebSocket handshake with " + endpoint_text(remote_) +
                                       " failed: " + ec.message());
  }
  const auto capacity = queue_messages ? queue_messages : services_.config.send_queue_messages;
  queue_ = std::make_shared<send_queue>(capacity, services_.counters);
  queue_->set_notifier(wake_signal::notifier(wake_));
  conn_ = std::make_shared<connection_impl>(queue_, remote_, this);
  state_ = state::accepted;
  counted_active_ = true;
  server_counters::bump(services_.counters->websockets_active);
  if (stopping_) request_stop();  // stop arrived during the handshake
  wake_->ring();
  co_return std::shared_ptr<websocket_connection>(conn_);
}

result<void> websocket_phase::do_refuse(response r) {
  if (state_ != state::deciding) {
    return fail(errc::bad_state, "refuse(): the upgrade was already accepted or refused");
  }
  state_ = state::refused;
  refusal_ = std::move(r);
  decided();
  wake_->ring();
  return {};
}

asio::awaitable<void> websocket_phase::handler_part(request_context& ctx) {
  bool threw = false;
  try {
    co_await route_.websocket(ctx, *this);
  } catch (const std::exception& e) {
    threw = true;
    spdlog::error("net: WebSocket handler {} threw: {}", route_.pattern->text(), e.what());
  }
  if (state_ == state::deciding) {
    state_ = state::undecided;
    decided();
    if (!threw) {
      spdlog::error("net: WebSocket handler {} returned without accepting or refusing",
                    route_.pattern->text());
    }
  }
  if (state_ == state::accepted) {
    if (threw) {
      conn_->close(close_code::internal_error);
    } else {
      conn_->close();
    }
  }
  wake_->ring();
}

asio::awaitable<void> websocket_phase::writer_part() {
  try {
    while (state_ == state::deciding) co_await wake_->wait();
    if (state_ != state::accepted) co_return;
    for (;;) {
      auto next = queue_->take();
      if (next.status == send_queue::take_status::message) {
        const auto& payload = next.message.payload;
        ws_->binary(next.message.kind == message_kind::binary);
        auto [ec, n] = co_await ws_->async_write(asio::const_buffer(payload.data.get(), payload.size),
                                                 asio::as_tuple(asio::use_awaitable));
        if (ec) {
          spdlog::debug("net: WebSocket write to {} failed: {}", endpoint_text(remote_),
                        ec.message());
          queue_->close(true);
          break;
        }
        queue_->note_sent(payload.size);
      } else if (next.status == send_queue::take_status::empty) {
        co_await wake_->wait();
      } else {
        if (ws_->is_open()) {
          const websocket::close_reason reason(conn_->pending_close_code());
          auto [ec] = co_await ws_->async_close(reason, asio::as_tuple(asio::use_awaitable));
          if (ec) {
            spdlog::debug("net: WebSocket close with {} failed: {}", endpoint_text(remote_),
                          ec.message());
          }
        }
        break;
      }
    }
  } catch (const std::exception& e) {
    spdlog::error("net: WebSocket writer for {} failed: {}", endpoint_text(remote_), e.what());
  }
}

asio::awaitable<result<incoming_message>> websocket_phase::read_message() {
  if (state_ != state::accepted) co_return fail(errc::closed, "the WebSocket is not open");
  beast::flat_buffer buffer;
  auto [ec, n] = co_await ws_->async_read(buffer, asio::as_tuple(asio::use_awaitable));
  if (ec) {
    queue_->close(true);  // nobody left to send to
    wake_->ring();
    if (ec == websocket::error::message_too_big) {
      co_return fail(errc::limit_exceeded,
                     "WebSocket message from " + endpoint_text(remote_) +
                         " exceeds max_websocket_message_bytes=" +
                         std::to_string(services_.config.max_websocket_message_bytes) +
                         "; closed with code 1009");
    }
    if (ec == websocket::error::closed) {
      co_return fail(errc::closed, "WebSocket closed by " + endpoint_text(remote_) + " (code " +
                                       std::to_string(ws_->reason().code) + ")");
    }
    co_return fail(errc::closed, "WebSocket read from " + endpoint_text(remote_) +
                                     " failed: " + ec.message());
  }
  co_return incoming_message{ws_->got_text() ? message_kind::text : message_kind::binary,
                             beast::buffers_to_string(buffer.data())};
}

void websocket_phase::detach() {
  if (conn_) conn_->detach();
  if (queue_) {
    queue_->set_notifier(nullptr);
    queue_->close(true);
  }
  if (counted_active_) {
    counted_active_ = false;
    services_.counters->websockets_active.fetch_sub(1, std::memory_order_relaxed);
  }
}

/// Clears the session's pointer to the phase however the phase ends.
struct active_phase_guard {
  session_phase*& active;
  ~active_phase_guard() { active = nullptr; }
};

}  // namespace

asio::awaitable<std::optional<response>> run_websocket_route(
    const session_services& services, beast::tcp_stream& stream, const beast_request& req,
    request_context& ctx, const router::route& route, session_phase*& active, bool stopping) {
  websocket_phase phase(services, stream, req, ctx.remote, route, stopping);
  active = &phase;
  active_phase_guard guard{active};
  co_return co_await phase.run(ctx);
}

}  // namespace tessera::net::detail
