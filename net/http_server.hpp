#pragma once
/// tessera's HTTP/1.1 + WebSocket server, plain or TLS: listener, sessions, routes,
/// limits, shutdown.
///
/// Usage (server layer):
///   boost::asio::io_context ioc;
///   net::http_server srv(ioc, config);
///   srv.routes().add(net::verb::get, "/healthz", handler);    // before start()
///   srv.routes().set_pre_route(policy);
///   if (auto r = srv.start(); !r) { ...r.error().message... }
///   srv.stop_on_signals();                                     // SIGINT/SIGTERM -> stop()
///   ioc.run();   // on one or more threads; returns once stopped and drained
///
/// net knows nothing of pipelines: handlers are the server layer's coroutines and
/// frames travel as opaque shared_payloads.

#include "core/support/result.hpp"
#include "net/http_server_config.hpp"
#include "net/metrics.hpp"
#include "net/router.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <csignal>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>

namespace tessera::net {

/// The HTTP server. Owns its configuration, routes, counters and listener; borrows the
/// io_context, which must outlive it and which the caller runs (on any number of
/// threads: each connection has its own strand). After stop(), once every connection
/// has ended, the server has no work left in the io_context, so run() returns.
/// Thread safety: routes() and start() before the io_context runs the server, from one
/// thread; stop(), stopped(), metrics(), port() from any thread. Not copyable or movable.
class http_server {
 public:
  http_server(boost::asio::io_context& ioc, http_server_config config);
  /// Calls stop(); connections still open end when the io_context next runs.
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// The route table, to fill before start(); frozen by start().
  router& routes() noexcept;

  /// Validates the configuration, loads the TLS certificate and key when configured,
  /// freezes the routes, binds and starts accepting. Errors: invalid configuration, a
  /// TLS file that cannot be read or used (named with the cause), bind failure (named
  /// endpoint and OS reason), started twice.
  result<void> start();

  /// The bound port (the real one when the configuration said 0); 0 before start().
  std::uint16_t port() const noexcept;
  boost::asio::ip::tcp::endpoint local_endpoint() const noexcept;

  /// Graceful shutdown: stop accepting; idle connections close; in-flight responses
  /// finish (with Connection: close); WebSockets get a close frame (1001); streams end;
  /// whatever is still open after http_server_config::shutdown_grace is closed by force.
  /// Idempotent, from any thread (and from a handler).
  void stop();

  /// Calls stop() when one of `signals` arrives (asio::signal_set on the io_context;
  /// cancelled by stop(), so it never keeps run() from returning).
  void stop_on_signals(std::initializer_list<int> signals = {SIGINT, SIGTERM});
  /// The same, calling `on_signal(signo)` first (on an io thread), e.g. to start a
  /// deadline for the rest of the shutdown.
  void stop_on_signals(std::function<void(int)> on_signal, std::initializer_list<int> signals = {SIGINT, SIGTERM});

  /// True once stop() was called and every connection has ended.
  bool stopped() const noexcept;

  /// Counters now, with per-route requests and latency sums.
  metrics_snapshot metrics() const;

 private:
  class impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace tessera::net
