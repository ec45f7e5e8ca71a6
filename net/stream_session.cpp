// The streamed-response kind of upgraded connection (MJPEG and the like).
//
// Model: the route's handler decides first (upgraded_connection.hpp): begin() writes
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

#include "net/stream_writer.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

#include <array>

namespace tessera::net::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

constexpr upgrade_words stream_words{"streaming", "begin", "begun", "the stream"};

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

class stream_phase final : public stream_start, public upgraded_connection {
 public:
  stream_phase(const session_services& services, connection_stream& stream, unsigned version,
               const tcp::endpoint& remote, const router::route& route, bool stopping)
      : upgraded_connection(services, stream, remote, route, stopping, stream_words,
                            &server_counters::streams_active),
        version_(version),
        wake_handler_(std::make_shared<wake_signal>(stream.get_executor())) {}

  ~stream_phase() override { detach(); }

  bool ended() const noexcept { return ended_; }
  asio::awaitable<void> wait_ended() { co_await wake_handler_->wait(); }

 private:
  asio::awaitable<result<std::shared_ptr<stream_writer>>> do_begin(
      stream_format format, header_map extra, std::size_t queue_messages) override;
  result<void> do_refuse(response r) override { return refuse_with(std::move(r)); }

  asio::awaitable<void> call_handler(request_context& ctx) override { co_await route().stream(ctx, *this); }
  void handler_ended(bool threw) override { queue_->close(threw); }  // drain unless it failed
  asio::awaitable<void> transmit() override { co_await (write_loop() && watch_peer()); }
  void writer_failed() override { end_stream(); }
  void detach_handle() noexcept override {
    if (writer_) writer_->detach();
  }

  asio::awaitable<void> write_loop();
  asio::awaitable<void> watch_peer();
  void end_stream();

  const unsigned version_;
  const std::shared_ptr<wake_signal> wake_handler_;  // wait_closed() sleeps on it
  stream_format format_;
  std::shared_ptr<writer_impl> writer_;
  bool ended_ = false;
};

asio::awaitable<void> writer_impl::wait_closed() {
  while (phase_ && !phase_->ended()) co_await phase_->wait_ended();
}

asio::awaitable<result<std::shared_ptr<stream_writer>>> stream_phase::do_begin(
    stream_format format, header_map extra, std::size_t queue_messages) {
  if (auto ok = not_decided("begin()"); !ok) co_return ok.error();
  if (format.content_type.empty()) {
    co_return fail(errc::invalid_argument, "begin(): stream_format has no content_type");
  }
  if (auto ok = may_start(); !ok) co_return ok.error();
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
  auto [ec, n] = co_await http::async_write_header(stream_, serializer, asio::as_tuple(asio::use_awaitable));
  decided();
  if (ec) {
    co_return start_failed("stream header to " + endpoint_text(remote_) + " not written: " + ec.message()).error();
  }
  format_ = std::move(format);
  writer_ = std::make_shared<writer_impl>(open(queue_messages), remote_, this);
  opened();
  co_return std::shared_ptr<stream_writer>(writer_);
}

asio::awaitable<void> stream_phase::write_loop() {
  std::string head;
  static constexpr char crlf[] = "\r\n";
  for (;;) {
    auto next = queue_->take();
    if (next.status == send_queue::take_status::empty) {
      co_await writer_sleep();
      continue;
    }
    if (next.status == send_queue::take_status::finished) break;
    const auto& payload = next.message.payload;
    head.clear();
    if (format_.is_multipart()) {
      head = "--" + format_.boundary + "\r\nContent-Type: " + format_.part_content_type +
             "\r\nContent-Length: " + std::to_string(payload.size) + "\r\n\r\n";
    }
    const std::array<asio::const_buffer, 3> buffers{asio::buffer(head),
                                                    asio::const_buffer(payload.data.get(), payload.size),
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
    auto [ec, n] = co_await stream_.async_read_some(asio::buffer(scratch), asio::as_tuple(asio::use_awaitable));
    if (ec) break;  // the client left (or end_stream closed the socket)
  }
  if (!ended_) {
    queue_->close(true);
    wake_writer();
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

}  // namespace

std::unique_ptr<upgraded_connection> make_stream_phase(const session_services& services, connection_stream& stream,
                                                       unsigned version, const tcp::endpoint& remote,
                                                       const router::route& route, bool stopping) {
  return std::make_unique<stream_phase>(services, stream, version, remote, route, stopping);
}

}  // namespace tessera::net::detail
