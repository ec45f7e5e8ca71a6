// The streamed-response phase of a connection (MJPEG and the like).
//
// Model: like the WebSocket phase, the route's handler decides first: begin() writes
// a 200 header with no Content-Length (the body ends when the connection closes), or
// refuse() answers normally. While streaming, three coroutines share the strand: the
// handler (which normally subscribes the writer to a producer and awaits
// wait_closed()), the writer, which drains the bounded send_queue and writes each
// message as one part (`--boundary`, Content-Type, Content-Length, bytes) or as raw
// bytes, and a watcher, which reads the socket so that a client that goes away ends
// the stream even when no part is being written. Any end (handler returns and the
// queue drains, close(), the client leaves, a write fails or times out, server stop)
// closes the queue, ends the response by closing the connection and wakes the
// handler's wait_closed().

#include "net/stream_session.hpp"

#include "net/http_io.hpp"
#include "net/stream_writer.hpp"
#include "net/wake_signal.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <chrono>

namespace tessera::net::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using namespace asio::experimental::awaitable_operators;

class stream_phase;

/// The handle given to the handler and to producers.
class writer_impl final : public stream_writer {
 public:
  writer_impl(std::shared_ptr<send_queue> queue, tcp::endpoint remote, stream_phase* phase)
      : stream_writer(std::move(queue), std::move(remote)), phase_(phase) {}

  asio::awaitable<void> wait_closed() override;

  /// Strand only: the phase is ending.
  void detach() noexcept { phase_ = nullptr; }

 private:
  stream_phase* phase_;  // valid while the handler runs; strand only
};

class stream_phase final : public stream_start, public session_phase {
 public:
  stream_phase(const session_services& services, beast::tcp_stream& stream, unsigned version,
               const tcp::endpoint& remote, const router::route& route, bool stopping)
      : services_(services),
        stream_(stream),
        version_(version),
        remote_(remote),
        route_(route),
        stopping_(stopping),
        wake_writer_(std::make_shared<wake_signal>(stream.get_executor())),
        wake_handler_(std::make_shared<wake_signal>(stream.get_executor())),
        started_(clock_type::now()) {}

  ~stream_phase() { detach(); }

  asio::awaitable<std::optional<response>> run(request_context& ctx) {
    co_await (handler_part(ctx) && writer_part());
    detach();
    switch (state_) {
      case state::refused: co_return std::move(refusal_);
      case state::undecided:
        co_return response::error(status::internal_server_error,
                                  "streaming route " + route_.pattern->text() +
                                      " neither began nor refused the response");
      case state::deciding:
      case state::streaming:
      case state::failed: break;
    }
    co_return std::nullopt;
  }

  void request_stop() override {
    stopping_ = true;
    if (queue_) queue_->close(true);
    wake_writer_->ring();
  }

  void force_close() override {
    stopping_ = true;
    if (queue_) queue_->close(true);
    beast::error_code ec;
    stream_.socket().close(ec);
    wake_writer_->ring();
  }

  bool ended() const noexcept { return ended_; }
  asio::awaitable<void> wait_ended() { co_await wake_handler_->wait(); }

 private:
  enum class state { deciding, streaming, refused, undecided, failed };

  asio::awaitable<result<std::shared_ptr<stream_writer>>> do_begin(
      stream_format format, header_map extra, std::size_t queue_messages) override;
  result<void> do_refuse(response r) override;
  asio::awaitable<void> handler_part(request_context& ctx);
  asio::awaitable<void> writer_part();
  asio::awaitable<void> write_loop();
  asio::awaitable<void> watch_peer();
  void decided() { router::record(route_, clock_type::now() - started_); }
  void end_stream();
  void detach();

  const session_services& services_;
  beast::tcp_stream& stream_;
  const unsigned version_;
  const tcp::endpoint& remote_;
  const router::route& route_;
  bool stopping_;
  const std::shared_ptr<wake_signal> wake_writer_;   // the writer sleeps on it
  const std::shared_ptr<wake_signal> wake_handler_;  // wait_closed() sleeps on it
  const clock_type::time_point started_;
  stream_format format_;
  std::shared_ptr<send_queue> queue_;
  std::shared_ptr<writer_impl> writer_;
  std::optional<response> refusal_;
  state state_ = state::deciding;
  bool ended_ = false;
  bool counted_active_ = false;
};

asio::awaitable<void> writer_impl::wait_closed() {
  while (phase_ && !phase_->ended()) co_await phase_->wait_ended();
}

asio::awaitable<result<std::shared_ptr<stream_writer>>> stream_phase::do_begin(
    stream_format format, header_map extra, std::size_t queue_messages) {
  if (state_ != state::deciding) {
    co_return fail(errc::bad_state, "begin(): the stream was already begun or refused");
  }
  if (format.content_type.empty()) {
    co_return fail(errc::invalid_argument, "begin(): stream_format has no content_type");
  }
  if (stopping_) {
    state_ = state::refused;
    refusal_ = response::error(status::service_unavailable, "the server is stopping");
    decided();
    wake_writer_->ring();
    co_return fail(errc::closed, "begin(): the server is stopping");
  }
  http::response<http::empty_body> res{http::status::ok, version_};
  res.set(http::field::content_type, format.content_type);
  res.set(http::field::cache_control, "no-cache, no-store, must-revalidate");
  res.set(http::field::pragma, "no-cache");
  for (const auto& [name, value] : extra) {
    if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding")) continue;
    res.insert(name, value);
  }
  res.keep_alive(false);  // the body ends when the connection does
  http::response_serializer<http::empty_body> serializer{res};
  stream_.expires_after(services_.config.write_timeout);
  auto [ec, n] = co_await http::async_write_header(stream_, serializer,
                                                   asio::as_tuple(asio::use_awaitable));
  decided();
  if (ec) {
    state_ = state::failed;
    wake_writer_->ring();
    co_return fail(errc::io_error, "stream header to " + endpoint_text(remote_) +
                                       " not written: " + ec.message());
  }
  format_ = std::move(format);
  const auto capacity = queue_messages ? queue_messages : services_.config.send_queue_messages;
  queue_ = std::make_shared<send_queue>(capacity, services_.counters);
  queue_->set_notifier(wake_signal::notifier(wake_writer_));
  writer_ = std::make_shared<writer_impl>(queue_, remote_, this);
  state_ = state::streaming;
  counted_active_ = true;
  server_counters::bump(services_.counters->streams_active);
  if (stopping_) queue_->close(true);
  wake_writer_->ring();
  co_return std::shared_ptr<stream_writer>(writer_);
}

result<void> stream_phase::do_refuse(response r) {
  if (state_ != state::deciding) {
    return fail(errc::bad_state, "refuse(): the stream was already begun or refused");
  }
  state_ = state::refused;
  refusal_ = std::move(r);
  decided();
  wake_writer_->ring();
  return {};
}

asio::awaitable<void> stream_phase::handler_part(request_context& ctx) {
  bool threw = false;
  try {
    co_await route_.stream(ctx, *this);
  } catch (const std::exception& e) {
    threw = true;
    spdlog::error("net: streaming handler {} threw: {}", route_.pattern->text(), e.what());
  }
  if (state_ == state::deciding) {
    state_ = state::undecided;
    decided();
    if (!threw) {
      spdlog::error("net: streaming handler {} returned without beginning or refusing",
                    route_.pattern->text());
    }
  }
  if (state_ == state::streaming) queue_->close(threw);  // drain unless it failed
  wake_writer_->ring();
}

asio::awaitable<void> stream_phase::writer_part() {
  try {
    while (state_ == state::deciding) co_await wake_writer_->wait();
    if (state_ != state::streaming) co_return;
    co_await (write_loop() && watch_peer());
  } catch (const std::exception& e) {
    spdlog::error("net: stream writer for {} failed: {}", endpoint_text(remote_), e.what());
    end_stream();
  }
}

asio::awaitable<void> stream_phase::write_loop() {
  std::string head;
  static constexpr char crlf[] = "\r\n";
  for (;;) {
    auto next = queue_->take();
    if (next.status == send_queue::take_status::empty) {
      co_await wake_writer_->wait();
      continue;
    }
    if (next.status == send_queue::take_status::finished) break;
    const auto& payload = next.message.payload;
    head.clear();
    if (format_.is_multipart()) {
      head = "--" + format_.boundary + "\r\nContent-Type: " + format_.part_content_type +
             "\r\nContent-Length: " + std::to_string(payload.size) + "\r\n\r\n";
    }
    const std::array<asio::const_buffer, 3> buffers{
        asio::buffer(head), asio::const_buffer(payload.data.get(), payload.size),
        asio::buffer(crlf, format_.is_multipart() ? 2 : 0)};
    stream_.expires_after(services_.config.write_timeout);
    auto [ec, n] = co_await asio::async_write(stream_, buffers, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      spdlog::debug("net: stream to {} ended: {}", endpoint_text(remote_), ec.message());
      queue_->close(true);
      break;
    }
    queue_->note_sent(payload.size);
  }
  end_stream();
}

asio::awaitable<void> stream_phase::watch_peer() {
  std::array<char, 512> scratch;
  for (;;) {
    stream_.expires_never();
    auto [ec, n] = co_await stream_.async_read_some(asio::buffer(scratch),
                                                    asio::as_tuple(asio::use_awaitable));
    if (ec) break;  // the client left (or end_stream closed the socket)
  }
  if (!ended_) {
    queue_->close(true);
    wake_writer_->ring();
  }
}

void stream_phase::end_stream() {
  if (ended_) return;
  ended_ = true;
  // A close-delimited body ends with the connection.
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.socket().close(ec);
  wake_handler_->ring();
}

void stream_phase::detach() {
  if (writer_) writer_->detach();
  if (queue_) {
    queue_->set_notifier(nullptr);
    queue_->close(true);
  }
  if (counted_active_) {
    counted_active_ = false;
    services_.counters->streams_active.fetch_sub(1, std::memory_order_relaxed);
  }
}

struct active_phase_guard {
  session_phase*& active;
  ~active_phase_guard() { active = nullptr; }
};

}  // namespace

asio::awaitable<std::optional<response>> run_stream_route(
    const session_services& services, beast::tcp_stream& stream, unsigned version,
    request_context& ctx, const router::route& route, session_phase*& active, bool stopping) {
  stream_phase phase(services, stream, version, ctx.remote, route, stopping);
  active = &phase;
  active_phase_guard guard{active};
  co_return co_await phase.run(ctx);
}

}  // namespace tessera::net::detail
