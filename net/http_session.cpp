// One HTTP/1.1 connection: keep-alive, pipelining, limits, timeouts, graceful close.
//
// Three coroutines share the connection's strand and the session object:
//  - the reader reads requests (header, then body) and queues them in a channel whose
//    capacity is max_pipelined_requests: reading ahead stops when it is full, the way
//    Beast's advanced server stops reading at its queue limit;
//  - the processor takes them in order, routes, runs the handler, writes the response
//    (so pipelined replies leave in request order), and hands the connection to the
//    WebSocket or streaming phase when a route asks for it;
//  - the idle watchdog closes a connection that has nothing in flight for too long.
// The connection is plain TCP or TLS (connection_stream); over TLS the handshake comes
// first, bounded by header_timeout, and a plain HTTP request gets a plain 400.
// Timeouts: tcp_stream's expires_after before each header read, body read and write
// (a client trickling headers is cut at header_timeout). The wait for the first byte
// of the next request has no stream timeout, because the reader may wait there while
// a response is still being computed; the watchdog enforces idle_timeout only while
// nothing is in flight (asio's timeout_watchdog model).
// Errors: expected ones (EOF, reset, timeout, cancellation) come back as error codes
// (as_tuple) and end the connection quietly; a request over a limit gets 413/431/400
// and a graceful close (shutdown, then read and discard until the client closes, so
// it sees the response instead of a reset).
// Stop: stop admitting; an idle connection closes at once, a busy one after its
// current response (with Connection: close); force_close closes the socket.

#include "net/http_session.hpp"

#include "net/connection_stream.hpp"
#include "net/http_io.hpp"
#include "net/upgraded_connection.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <chrono>

namespace tessera::net::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using namespace asio::experimental::awaitable_operators;

constexpr std::size_t read_chunk_bytes = 4096;
constexpr std::size_t linger_max_bytes = 1 << 20;
constexpr auto linger_time = std::chrono::seconds(1);

/// What the reader hands the processor.
struct pending_item {
  enum class kind { request, rejection, end };
  kind what = kind::end;
  beast_request request;
  std::optional<response> rejection;
  bool last = false;  ///< the reader stopped after this one: answer with Connection: close
};

using item_channel = asio::experimental::channel<void(boost::system::error_code, pending_item)>;

class http_session final : public connection_control,
                           public std::enable_shared_from_this<http_session> {
 public:
  http_session(std::shared_ptr<const session_services> services, tcp::socket socket)
      : services_(std::move(services)),
        config_(services_->config),
        strand_(socket.get_executor()),
        remote_(remote_of(socket)),
        stream_(services_->tls ? make_tls_stream(std::move(socket), services_->tls)
                               : make_plain_stream(std::move(socket))),
        items_(strand_, services_->config.max_pipelined_requests),
        idle_timer_(strand_),
        reader_done_timer_(strand_, clock_type::time_point::max()) {}

  void start(std::function<void()> on_finished) override {
    asio::co_spawn(strand_, run(shared_from_this()),
                   [on_finished = std::move(on_finished), remote = remote_](std::exception_ptr e) {
                     if (e) {
                       try {
                         std::rethrow_exception(e);
                       } catch (const std::exception& ex) {
                         spdlog::error("net: connection {} ended by an exception: {}",
                                       endpoint_text(remote), ex.what());
                       }
                     }
                     on_finished();
                   });
  }

  void request_stop() override {
    asio::post(strand_, [self = shared_from_this()] { self->on_stop(false); });
  }

  void force_close() override {
    asio::post(strand_, [self = shared_from_this()] { self->on_stop(true); });
  }

 private:
  static tcp::endpoint remote_of(const tcp::socket& socket) {
    boost::system::error_code ec;
    auto ep = socket.remote_endpoint(ec);
    return ec ? tcp::endpoint{} : ep;
  }

  static asio::awaitable<void> run(std::shared_ptr<http_session> self) {
    // Not in the if's condition: there g++ 12 miscompiled the co_await (SIGILL when run).
    const bool secured = co_await self->tls_handshake();
    if (secured) co_await (self->read_loop() && self->process_loop() && self->idle_watchdog());
  }

  asio::awaitable<bool> tls_handshake();
  asio::awaitable<void> refuse_plain_http();
  asio::awaitable<void> read_loop();
  asio::awaitable<void> process_loop();
  asio::awaitable<void> idle_watchdog();
  asio::awaitable<bool> handle(pending_item& item);
  asio::awaitable<bool> answer(response r, unsigned version, bool last, bool head_only);
  asio::awaitable<bool> write(response r, unsigned version, bool keep_alive, bool head_only);
  asio::awaitable<void> stop_reader();
  asio::awaitable<void> finish_connection();
  void on_stop(bool force);
  void count(router::answered_by reason);

  void arm_idle(clock_type::duration d) {
    idle_deadline_ = clock_type::now() + d;
    idle_timer_.cancel();  // the watchdog re-reads the deadline
  }
  void disarm_idle() { idle_deadline_ = clock_type::time_point::max(); }
  void close_socket() {
    beast::error_code ec;
    stream_->socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_->socket().close(ec);
  }

  const std::shared_ptr<const session_services> services_;
  const http_server_config& config_;  // in services_
  const asio::any_io_executor strand_;
  const tcp::endpoint remote_;
  const std::unique_ptr<connection_stream> stream_;  // plain TCP or TLS
  beast::flat_buffer buffer_;
  item_channel items_;
  asio::steady_timer idle_timer_;
  asio::steady_timer reader_done_timer_;
  clock_type::time_point idle_deadline_ = clock_type::time_point::max();
  session_phase* phase_ = nullptr;  // the WebSocket/stream phase while it runs
  std::size_t in_flight_ = 0;       // requests read and not yet answered
  bool waiting_for_request_ = false;  // the reader waits for a request's first byte
  bool reader_done_ = false;
  bool reader_cancelled_ = false;
  bool processor_done_ = false;
  bool stopping_ = false;
  bool forced_ = false;
};

asio::awaitable<bool> http_session::tls_handshake() {
  if (!stream_->is_tls()) co_return true;
  // A client that connects and never completes its handshake is cut like one that
  // never completes its request header.
  stream_->expires_after(config_.header_timeout);
  auto [ec] = co_await stream_->async_handshake(asio::as_tuple(asio::use_awaitable));
  if (!ec) co_return true;
  if (is_plain_http_on_tls(ec)) {
    co_await refuse_plain_http();
  } else {
    spdlog::debug("net: {} TLS handshake failed: {}", endpoint_text(remote_), ec.message());
  }
  close_socket();
  co_return false;
}

asio::awaitable<void> http_session::refuse_plain_http() {
  // What nginx does: a plain request to the TLS port gets a plain answer saying so,
  // rather than a connection reset the user cannot explain.
  server_counters::bump(services_->counters->requests_malformed);
  spdlog::debug("net: {} sent plain HTTP to the TLS port", endpoint_text(remote_));
  static constexpr std::string_view body = "this port speaks HTTPS: use https:// (and wss://)\r\n";
  const std::string reply = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + std::string(body);
  beast::tcp_stream& tcp = stream_->tcp();
  tcp.expires_after(config_.write_timeout);
  auto [wec, wn] = co_await asio::async_write(tcp, asio::buffer(reply), asio::as_tuple(asio::use_awaitable));
  if (wec) co_return;
  beast::error_code ec;
  tcp.socket().shutdown(tcp::socket::shutdown_send, ec);
  // Read what is left of the request, so that closing does not reset the answer away.
  tcp.expires_after(linger_time);
  std::array<char, 4096> scratch;
  for (std::size_t discarded = 0; discarded < linger_max_bytes;) {
    auto [rec, n] = co_await tcp.async_read_some(asio::buffer(scratch), asio::as_tuple(asio::use_awaitable));
    if (rec) break;
    discarded += n;
  }
}

asio::awaitable<void> http_session::read_loop() {
  bool first = true;
  bool handed_last = false;
  try {
    while (!stopping_ && !reader_cancelled_) {
      if (buffer_.size() == 0) {
        waiting_for_request_ = true;
        if (in_flight_ == 0) arm_idle(first ? config_.header_timeout : config_.idle_timeout);
        stream_->expires_never();
        auto [ec, n] = co_await stream_->async_read_some(buffer_.prepare(read_chunk_bytes),
                                                        asio::as_tuple(asio::use_awaitable));
        waiting_for_request_ = false;
        disarm_idle();
        if (ec) break;
        buffer_.commit(n);
      }
      first = false;
      const read_limits limits{config_.max_header_bytes, config_.max_body_bytes, in_flight_ == 0};
      // A named lambda: g++ 12 double-frees a capturing lambda created inside a
      // co_await expression.
      const auto arm_timeout = [this](io_step step) {
        switch (step) {
          case io_step::header: stream_->expires_after(config_.header_timeout); break;
          case io_step::body: stream_->expires_after(config_.body_timeout); break;
          case io_step::write_continue: stream_->expires_after(config_.write_timeout); break;
        }
      };
      auto outcome = co_await read_request(*stream_, buffer_, limits, arm_timeout);
      if (outcome.what == read_outcome::kind::closed) {
        if (outcome.ec == beast::error::timeout) {
          spdlog::debug("net: {} dropped: request not complete within its timeout",
                        endpoint_text(remote_));
        }
        break;
      }
      pending_item item;
      if (outcome.what == read_outcome::kind::rejected) {
        server_counters::bump(services_->counters->requests_malformed);
        spdlog::debug("net: {} sent a bad request: {}", endpoint_text(remote_),
                      outcome.rejection->body);
        item.what = pending_item::kind::rejection;
        item.rejection = std::move(outcome.rejection);
        item.last = true;
      } else {
        server_counters::bump(services_->counters->requests_total);
        item.what = pending_item::kind::request;
        item.request = std::move(outcome.request);
        item.last = !item.request.keep_alive() || is_websocket_upgrade(item.request) || stopping_;
      }
      const bool last = item.last;
      ++in_flight_;
      // The operation takes the item when created; awaiting it separately keeps
      // non-trivial temporaries out of the co_await expression (g++ 12).
      auto send = items_.async_send(boost::system::error_code{}, std::move(item),
                                    asio::as_tuple(asio::use_awaitable));
      auto [sec] = co_await std::move(send);
      if (sec) {
        --in_flight_;
        break;
      }
      if (last) {
        handed_last = true;
        break;
      }
    }
  } catch (const std::exception& e) {
    spdlog::error("net: {} reader failed: {}", endpoint_text(remote_), e.what());
  }
  reader_done_ = true;
  reader_done_timer_.cancel();
  if (!handed_last && !reader_cancelled_) {
    // Tell the processor no more requests come; fails harmlessly if it has ended.
    pending_item end;
    auto send = items_.async_send(boost::system::error_code{}, std::move(end),
                                  asio::as_tuple(asio::use_awaitable));
    (void)co_await std::move(send);
  }
}

asio::awaitable<void> http_session::process_loop() {
  try {
    for (;;) {
      // No structured binding here: g++ 12 destroys a non-trivial binding of a
      // co_await result twice.
      auto received = co_await items_.async_receive(asio::as_tuple(asio::use_awaitable));
      pending_item& item = std::get<1>(received);
      if (std::get<0>(received) || item.what == pending_item::kind::end) break;
      const bool keep_going = co_await handle(item);
      if (!keep_going) break;
    }
  } catch (const std::exception& e) {
    spdlog::error("net: {} processor failed: {}", endpoint_text(remote_), e.what());
  }
  processor_done_ = true;
  idle_timer_.cancel();
  try {
    co_await finish_connection();
  } catch (const std::exception& e) {
    spdlog::error("net: {} close failed: {}", endpoint_text(remote_), e.what());
  }
}

asio::awaitable<void> http_session::idle_watchdog() {
  try {
    while (!processor_done_) {
      if (clock_type::now() >= idle_deadline_) {
        spdlog::debug("net: {} closed: idle", endpoint_text(remote_));
        disarm_idle();
        close_socket();
        continue;
      }
      idle_timer_.expires_at(idle_deadline_);
      (void)co_await idle_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  } catch (const std::exception& e) {
    spdlog::error("net: {} idle watchdog failed: {}", endpoint_text(remote_), e.what());
  }
}

void http_session::count(router::answered_by reason) {
  auto& c = *services_->counters;
  switch (reason) {
    case router::answered_by::pre_route: server_counters::bump(c.requests_pre_route_answered); break;
    case router::answered_by::not_found: server_counters::bump(c.requests_not_found); break;
    case router::answered_by::method_not_allowed:
      server_counters::bump(c.requests_method_not_allowed);
      break;
    case router::answered_by::bad_target: server_counters::bump(c.requests_malformed); break;
    case router::answered_by::none:
    case router::answered_by::upgrade_required: break;
  }
}

asio::awaitable<bool> http_session::handle(pending_item& item) {
  if (item.what == pending_item::kind::rejection) {
    co_await write(std::move(*item.rejection), 11, false, false);
    co_return false;
  }
  beast_request& breq = item.request;
  const unsigned version = breq.version();
  request_context ctx;
  ctx.remote = remote_;
  ctx.websocket_upgrade = is_websocket_upgrade(breq);
  ctx.request = to_net_request(breq);

  auto res = services_->routes->resolve(ctx);
  count(res.reason);
  if (res.answer) co_return co_await answer(std::move(*res.answer), version, item.last, false);

  const router::route& route = *res.target;
  switch (route.kind) {
    case route_kind::plain: {
      const auto started = clock_type::now();
      response r;
      try {
        r = co_await route.plain(ctx);
      } catch (const std::exception& e) {
        spdlog::error("net: handler {} {} threw: {}", route.method_name, route.pattern->text(),
                      e.what());
        r = response::error(status::internal_server_error,
                            "internal error in " + route.method_name + " " +
                                route.pattern->text());
      }
      router::record(route, clock_type::now() - started);
      co_return co_await answer(std::move(r), version, item.last, res.head_only);
    }
    case route_kind::websocket:
    case route_kind::stream: {
      co_await stop_reader();  // the phase owns the socket's read side from here
      std::optional<response> refusal =
          co_await run_upgraded_route(*services_, *stream_, breq, ctx, route, phase_, stopping_);
      if (refusal) co_await write(std::move(*refusal), version, false, false);
      co_return false;
    }
  }
  co_return false;
}

asio::awaitable<bool> http_session::answer(response r, unsigned version, bool last,
                                           bool head_only) {
  const bool keep_alive = !last && !stopping_;
  const bool written = co_await write(std::move(r), version, keep_alive, head_only);
  --in_flight_;
  if (in_flight_ == 0 && waiting_for_request_) arm_idle(config_.idle_timeout);
  co_return written && keep_alive;
}

asio::awaitable<bool> http_session::write(response r, unsigned version, bool keep_alive,
                                          bool head_only) {
  auto res = to_beast_response(std::move(r), version, keep_alive, head_only);
  stream_->expires_after(config_.write_timeout);
  const auto ec = co_await write_response(*stream_, res);
  if (ec) {
    spdlog::debug("net: {} response not written: {}", endpoint_text(remote_), ec.message());
    co_return false;
  }
  co_return true;
}

asio::awaitable<void> http_session::stop_reader() {
  if (reader_done_) co_return;
  reader_cancelled_ = true;
  beast::error_code ec;
  stream_->socket().cancel(ec);
  items_.cancel();  // a reader blocked on a full channel
  while (!reader_done_) {
    reader_done_timer_.expires_at(clock_type::time_point::max());
    (void)co_await reader_done_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> http_session::finish_connection() {
  co_await stop_reader();  // no read may run beside the lingering one below
  if (!stream_->socket().is_open()) co_return;
  beast::error_code ec;
  if (stream_->is_tls()) {
    if (!forced_) {
      // close_notify, and the client's in return, within the plain linger's bound.
      stream_->expires_after(linger_time);
      auto [sec] = co_await stream_->async_shutdown(asio::as_tuple(asio::use_awaitable));
      if (sec) spdlog::debug("net: {} TLS shutdown: {}", endpoint_text(remote_), sec.message());
    }
    stream_->socket().close(ec);
    co_return;
  }
  stream_->socket().shutdown(tcp::socket::shutdown_send, ec);
  if (!forced_ && !ec) {
    // Read and discard what the client still sends (an unread body) until it closes,
    // so that closing does not reset the connection before it read our last response.
    stream_->expires_after(linger_time);
    std::array<char, 4096> scratch;
    std::size_t discarded = 0;
    while (discarded < linger_max_bytes) {
      auto [rec, n] = co_await stream_->async_read_some(asio::buffer(scratch),
                                                       asio::as_tuple(asio::use_awaitable));
      if (rec) break;
      discarded += n;
    }
  }
  stream_->socket().close(ec);
}

void http_session::on_stop(bool force) {
  stopping_ = true;
  if (force) forced_ = true;
  if (phase_) {
    if (force) {
      phase_->force_close();
    } else {
      phase_->request_stop();
    }
    return;
  }
  // Idle keep-alive connections have nothing to finish; busy ones close after the
  // current response (answer() sends Connection: close once stopping_ is set).
  if (force || in_flight_ == 0) close_socket();
}

}  // namespace

std::shared_ptr<connection_control> make_http_session(
    std::shared_ptr<const session_services> services, tcp::socket socket) {
  return std::make_shared<http_session>(std::move(services), std::move(socket));
}

}  // namespace tessera::net::detail
