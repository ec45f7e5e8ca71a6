#include "net/upgraded_connection.hpp"

#include "net/stream_session.hpp"
#include "net/websocket_session.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <spdlog/spdlog.h>

namespace tessera::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
using namespace asio::experimental::awaitable_operators;

upgraded_connection::upgraded_connection(const session_services& services, connection_stream& stream,
                                         const asio::ip::tcp::endpoint& remote, const router::route& route,
                                         bool stopping, upgrade_words words, gauge active_gauge)
    : services_(services),
      stream_(stream),
      remote_(remote),
      route_(route),
      words_(words),
      gauge_(active_gauge),
      stopping_(stopping),
      wake_(std::make_shared<wake_signal>(stream.get_executor())),
      started_(std::chrono::steady_clock::now()) {}

asio::awaitable<std::optional<response>> upgraded_connection::run(request_context& ctx) {
  co_await (handler_part(ctx) && writer_part());
  detach();
  switch (state_) {
    case state::refused: co_return std::move(refusal_);
    case state::undecided:
      co_return response::error(status::internal_server_error,
                                std::string(words_.kind) + " route " + route_.pattern->text() +
                                    " returned without calling " + std::string(words_.start) +
                                    "() or refuse()");
    case state::deciding:
    case state::open:
    case state::failed: break;
  }
  co_return std::nullopt;
}

void upgraded_connection::request_stop() {
  stopping_ = true;
  if (state_ == state::open) {
    stop_open();
    queue_->close(true);  // old messages are not worth delaying the shutdown for
  }
  wake_->ring();
}

void upgraded_connection::force_close() {
  stopping_ = true;
  if (queue_) queue_->close(true);
  beast::error_code ec;
  stream_.socket().close(ec);  // aborts the handshake, reads, writes and the close
  wake_->ring();
}

result<void> upgraded_connection::not_decided(std::string_view call) const {
  if (state_ == state::deciding) return {};
  return fail(errc::bad_state, std::string(call) + ": " + std::string(words_.subject) + " was already " +
                                   std::string(words_.started) + " or refused");
}

result<void> upgraded_connection::may_start() {
  const std::string call = std::string(words_.start) + "()";
  if (auto ok = not_decided(call); !ok) return ok;
  if (stopping_) {
    state_ = state::refused;
    refusal_ = response::error(status::service_unavailable, "the server is stopping");
    decided();
    wake_->ring();
    return fail(errc::closed, call + ": the server is stopping");
  }
  return {};
}

result<void> upgraded_connection::refuse_with(response r) {
  if (auto ok = not_decided("refuse()"); !ok) return ok;
  state_ = state::refused;
  refusal_ = std::move(r);
  decided();
  wake_->ring();
  return {};
}

result<void> upgraded_connection::start_failed(std::string message) {
  state_ = state::failed;
  wake_->ring();
  return fail(errc::io_error, std::move(message));
}

std::shared_ptr<send_queue> upgraded_connection::open(std::size_t queue_messages) {
  const auto capacity = queue_messages ? queue_messages : services_.config.send_queue_messages;
  queue_ = std::make_shared<send_queue>(capacity, services_.counters);
  queue_->set_notifier(wake_signal::notifier(wake_));
  state_ = state::open;
  counted_active_ = true;
  server_counters::bump((*services_.counters).*gauge_);
  return queue_;
}

void upgraded_connection::opened() {
  if (stopping_) request_stop();  // the stop arrived during the handshake
  wake_->ring();
}

void upgraded_connection::detach() {
  detach_handle();
  if (queue_) {
    queue_->set_notifier(nullptr);
    queue_->close(true);
  }
  if (counted_active_) {
    counted_active_ = false;
    ((*services_.counters).*gauge_).fetch_sub(1, std::memory_order_relaxed);
  }
}

asio::awaitable<void> upgraded_connection::handler_part(request_context& ctx) {
  bool threw = false;
  try {
    co_await call_handler(ctx);
  } catch (const std::exception& e) {
    threw = true;
    spdlog::error("net: {} handler {} threw: {}", words_.kind, route_.pattern->text(), e.what());
  }
  if (state_ == state::deciding) {
    state_ = state::undecided;
    decided();
    if (!threw) {
      spdlog::error("net: {} handler {} returned without calling {}() or refuse()", words_.kind,
                    route_.pattern->text(), words_.start);
    }
  }
  if (state_ == state::open) handler_ended(threw);
  wake_->ring();
}

asio::awaitable<void> upgraded_connection::writer_part() {
  try {
    while (state_ == state::deciding) co_await wake_->wait();
    if (state_ != state::open) co_return;
    co_await transmit();
  } catch (const std::exception& e) {
    spdlog::error("net: {} writer for {} failed: {}", words_.kind, endpoint_text(remote_), e.what());
    writer_failed();
  }
}

namespace {

/// Clears the session's pointer to the phase however the phase ends.
struct active_phase_guard {
  session_phase*& active;
  ~active_phase_guard() { active = nullptr; }
};

}  // namespace

asio::awaitable<std::optional<response>> run_upgraded_route(
    const session_services& services, connection_stream& stream, const beast_request& req,
    request_context& ctx, const router::route& route, session_phase*& active, bool stopping) {
  std::unique_ptr<upgraded_connection> phase =
      route.kind == route_kind::websocket
          ? make_websocket_phase(services, stream, req, ctx.remote, route, stopping)
          : make_stream_phase(services, stream, req.version(), ctx.remote, route, stopping);
  active = phase.get();
  active_phase_guard guard{active};
  co_return co_await phase->run(ctx);
}

}  // namespace tessera::net::detail
