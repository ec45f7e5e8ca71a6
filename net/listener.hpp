#pragma once
/// The accepting socket: one coroutine accepting connections, each on its own strand.

#include "core/support/result.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

#include <functional>
#include <memory>

namespace tessera::net {

/// Accepts TCP connections on one endpoint and hands each socket, bound to a new strand
/// of the io_context, to `on_accept` (called on the listener's strand). The accept loop
/// is spawned with a completion handler that logs an exception; it is never detached.
/// Held by shared_ptr (the loop keeps it alive). Thread safety: stop() from any thread;
/// open() and start() once, before the io_context runs the loop.
class listener : public std::enable_shared_from_this<listener> {
 public:
  using accept_handler = std::function<void(boost::asio::ip::tcp::socket)>;

  listener(boost::asio::io_context& ioc, accept_handler on_accept);

  /// Opens, binds (SO_REUSEADDR) and listens; returns the bound endpoint (the real port
  /// when `endpoint` asked for port 0). Errors name the endpoint and the OS reason.
  result<boost::asio::ip::tcp::endpoint> open(const boost::asio::ip::tcp::endpoint& endpoint);

  /// Starts accepting. errc::bad_state if not open or already started.
  result<void> start();

  /// Stops accepting: closes the acceptor (on its strand). Idempotent.
  void stop();

 private:
  static boost::asio::awaitable<void> accept_loop(std::shared_ptr<listener> self);

  boost::asio::io_context& ioc_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::ip::tcp::acceptor acceptor_;
  accept_handler on_accept_;
  bool started_ = false;
};

}  // namespace tessera::net
