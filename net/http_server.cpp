// The server: a listener, one http_session per accepted connection, and shutdown.
//
// Shutdown follows a gate (Seastar's gate.hh): stop admitting (close the acceptor and
// the registry), ask every live connection to stop (idle ones close, busy ones finish
// their response, WebSockets send close frames), and wait for the registry to drain.
// A grace timer bounds the wait; when it fires, what is left is closed by force. The
// timer is cancelled as soon as the last connection ends, so the io_context runs out
// of work and run() returns promptly.

#include "net/http_server.hpp"

#include "net/connection_registry.hpp"
#include "net/http_session.hpp"
#include "net/listener.hpp"
#include "net/session_services.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <optional>

namespace tessera::net {

namespace asio = boost::asio;
using asio::ip::tcp;

class http_server::impl : public std::enable_shared_from_this<impl> {
 public:
  impl(asio::io_context& ioc, http_server_config config)
      : ioc_(ioc),
        config_(std::move(config)),
        registry_(config_.max_connections, config_.max_connections_per_address),
        strand_(asio::make_strand(ioc)),
        grace_timer_(strand_) {}

  result<void> start();
  void stop() {
    stop_requested_.store(true);
    asio::post(strand_, [self = shared_from_this()] { self->do_stop(); });
  }
  void stop_on_signals(std::vector<int> signals, std::function<void(int)> on_signal);
  bool stopped() const noexcept { return stop_requested_.load() && registry_.size() == 0; }
  metrics_snapshot metrics() const {
    auto s = metrics_snapshot::of(*counters_);
    s.routes = routes_->stats();
    return s;
  }

  router& routes() noexcept { return *routes_; }
  tcp::endpoint bound() const noexcept { return bound_; }

 private:
  void on_accept(tcp::socket socket);
  void reject(tcp::socket socket, detail::refusal why, const asio::ip::address& from);
  void do_stop();

  asio::io_context& ioc_;
  const http_server_config config_;
  const std::shared_ptr<router> routes_ = std::make_shared<router>();
  const std::shared_ptr<server_counters> counters_ = std::make_shared<server_counters>();
  std::shared_ptr<const detail::session_services> services_;
  detail::connection_registry registry_;
  std::shared_ptr<listener> listener_;
  asio::strand<asio::io_context::executor_type> strand_;
  asio::steady_timer grace_timer_;
  std::optional<asio::signal_set> signals_;
  tcp::endpoint bound_;
  std::atomic<bool> stop_requested_{false};
  bool stopping_ = false;  // strand
  bool started_ = false;
};

result<void> http_server::impl::start() {
  if (started_) return fail(errc::bad_state, "http_server::start(): already started");
  if (auto valid = config_.validate(); !valid) return valid;
  if (stop_requested_.load()) return fail(errc::bad_state, "http_server::start(): already stopped");
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(config_.bind_address, ec);
  if (ec) return fail(errc::invalid_argument, "bind address \"" + config_.bind_address + "\": " + ec.message());

  std::shared_ptr<tls_context> tls;
  if (!config_.tls_cert_file.empty()) {
    auto loaded = tls_context::load_server(config_.tls_cert_file, config_.tls_key_file);
    if (!loaded) return loaded.error();
    tls = std::move(*loaded);
  }

  routes_->freeze();
  services_ = std::make_shared<const detail::session_services>(
      detail::session_services{config_, routes_, counters_, tls});
  std::weak_ptr<impl> weak = weak_from_this();
  registry_.set_on_drained([weak] {
    if (auto self = weak.lock()) {
      asio::post(self->strand_, [self] { self->grace_timer_.cancel(); });
    }
  });
  listener_ = std::make_shared<listener>(ioc_, [weak](tcp::socket socket) {
    if (auto self = weak.lock()) self->on_accept(std::move(socket));
  });
  auto bound = listener_->open(tcp::endpoint(address, config_.port));
  if (!bound) return bound.error();
  bound_ = *bound;
  if (auto s = listener_->start(); !s) return s;
  started_ = true;
  spdlog::info("net: listening on {}:{}{}", bound_.address().to_string(), bound_.port(),
               tls ? " (TLS)" : "");
  return {};
}

void http_server::impl::on_accept(tcp::socket socket) {
  boost::system::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  if (ec) return;  // the client has gone already; destroying the socket closes it
  if (auto refused = registry_.check(peer.address())) {
    if (*refused != detail::refusal::closed) reject(std::move(socket), *refused, peer.address());
    return;
  }
  auto session = detail::make_http_session(services_, std::move(socket));
  const auto id = registry_.add(session, peer.address());
  if (!id) return;  // stopping (or full after all); destroying the session closes the socket
  server_counters::bump(counters_->connections_accepted);
  server_counters::bump(counters_->connections_active);
  session->start([weak = weak_from_this(), counters = counters_, id = *id] {
    counters->connections_active.fetch_sub(1, std::memory_order_relaxed);
    if (auto self = weak.lock()) self->registry_.remove(id);
  });
}

void http_server::impl::reject(tcp::socket socket, detail::refusal why, const asio::ip::address& from) {
  server_counters::bump(counters_->connections_rejected);
  // One address may not hold every connection (1024 idle WebSockets from one client
  // made the server answer 503 to everyone): its own limit is far below the server's.
  std::string body;
  if (why == detail::refusal::address_full) {
    body = "too many connections from " + from.to_string() + " (limit " +
           std::to_string(config_.max_connections_per_address) +
           " per address, --max-connections-per-address)\r\n";
  } else {
    body = "server at its connection limit (" + std::to_string(config_.max_connections) + ")\r\n";
  }
  spdlog::debug("net: connection from {} refused: {}", from.to_string(), body.substr(0, body.size() - 2));
  boost::system::error_code ec;
  if (services_->tls) {
    // A plain-text answer means nothing to a TLS client, and a handshake for a
    // connection that is refused anyway would cost the CPU the limit protects.
    socket.close(ec);
    return;
  }
  const std::string reply = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  // A fresh socket's send buffer is empty, so this non-blocking write completes.
  socket.non_blocking(true, ec);
  socket.write_some(asio::buffer(reply), ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

void http_server::impl::do_stop() {
  if (stopping_) return;
  stopping_ = true;
  if (listener_) listener_->stop();
  if (signals_) {
    boost::system::error_code ec;
    signals_->cancel(ec);
  }
  registry_.close();
  const auto live = registry_.live();
  if (!live.empty()) spdlog::info("net: stopping; {} connection(s) open", live.size());
  for (const auto& c : live) c->request_stop();
  if (registry_.size() == 0) return;
  grace_timer_.expires_after(config_.shutdown_grace);
  grace_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec) return;  // cancelled: the last connection ended in time
    const auto left = self->registry_.live();
    if (left.empty()) return;
    spdlog::info("net: closing {} connection(s) still open after the {} ms shutdown grace",
                 left.size(), self->config_.shutdown_grace.count());
    for (const auto& c : left) c->force_close();
  });
}

void http_server::impl::stop_on_signals(std::vector<int> signals, std::function<void(int)> on_signal) {
  asio::post(strand_, [self = shared_from_this(), signals = std::move(signals), on_signal = std::move(on_signal)] {
    if (self->stopping_) return;
    self->signals_.emplace(self->strand_);
    for (int s : signals) {
      boost::system::error_code ec;
      self->signals_->add(s, ec);
      if (ec) spdlog::error("net: cannot handle signal {}: {}", s, ec.message());
    }
    self->signals_->async_wait([self, on_signal](boost::system::error_code ec, int signo) {
      if (ec) return;  // cancelled by stop()
      spdlog::info("net: signal {} received, stopping", signo);
      if (on_signal) on_signal(signo);
      self->do_stop();
    });
  });
}

http_server::http_server(asio::io_context& ioc, http_server_config config)
    : impl_(std::make_shared<impl>(ioc, std::move(config))) {}

http_server::~http_server() { impl_->stop(); }

router& http_server::routes() noexcept { return impl_->routes(); }
result<void> http_server::start() { return impl_->start(); }
std::uint16_t http_server::port() const noexcept { return impl_->bound().port(); }
tcp::endpoint http_server::local_endpoint() const noexcept { return impl_->bound(); }
void http_server::stop() { impl_->stop(); }
void http_server::stop_on_signals(std::initializer_list<int> signals) {
  impl_->stop_on_signals(std::vector<int>(signals), {});
}

void http_server::stop_on_signals(std::function<void(int)> on_signal, std::initializer_list<int> signals) {
  impl_->stop_on_signals(std::vector<int>(signals), std::move(on_signal));
}
bool http_server::stopped() const noexcept { return impl_->stopped(); }
metrics_snapshot http_server::metrics() const { return impl_->metrics(); }

}  // namespace tessera::net
