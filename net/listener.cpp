#include "net/listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <chrono>

namespace tessera::net {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

std::string text(const tcp::endpoint& ep) {
  const auto a = ep.address().to_string();
  const auto p = std::to_string(ep.port());
  return ep.address().is_v6() ? "[" + a + "]:" + p : a + ":" + p;
}

}  // namespace

listener::listener(asio::io_context& ioc, accept_handler on_accept)
    : ioc_(ioc),
      strand_(asio::make_strand(ioc)),
      acceptor_(strand_),
      on_accept_(std::move(on_accept)) {}

result<tcp::endpoint> listener::open(const tcp::endpoint& endpoint) {
  boost::system::error_code ec;
  auto failed = [&](const char* step) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return fail(errc::bind_failed,
                std::string(step) + " " + text(endpoint) + ": " + ec.message());
  };
  if (acceptor_.is_open()) return fail(errc::bad_state, "listener for " + text(endpoint) + " is already open");
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return failed("open");
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return failed("set SO_REUSEADDR on");
  acceptor_.bind(endpoint, ec);
  if (ec) return failed("bind");
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return failed("listen on");
  auto bound = acceptor_.local_endpoint(ec);
  if (ec) return failed("query the bound address of");
  return bound;
}

result<void> listener::start() {
  if (!acceptor_.is_open()) return fail(errc::bad_state, "listener::start(): not open");
  if (started_) return fail(errc::bad_state, "listener::start(): already started");
  started_ = true;
  asio::co_spawn(strand_, accept_loop(shared_from_this()), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("net: accept loop ended by an exception: {}", ex.what());
    }
  });
  return {};
}

void listener::stop() {
  asio::post(strand_, [self = shared_from_this()] {
    boost::system::error_code ec;
    self->acceptor_.close(ec);
  });
}

asio::awaitable<void> listener::accept_loop(std::shared_ptr<listener> self) {
  asio::steady_timer backoff(self->strand_);
  for (;;) {
    // Not a structured binding of the co_await result: g++ 12 destroys such a
    // non-trivial binding (the socket) twice.
    auto accepted = co_await self->acceptor_.async_accept(asio::make_strand(self->ioc_),
                                                          asio::as_tuple(asio::use_awaitable));
    auto& [ec, socket] = accepted;
    if (!self->acceptor_.is_open()) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      // Out of descriptors or buffers: wait instead of spinning, keep serving.
      spdlog::warn("net: accept failed: {}", ec.message());
      backoff.expires_after(std::chrono::milliseconds(100));
      (void)co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    // Every write goes out at once: with Nagle's algorithm the small last fragment of
    // a WebSocket message (Beast writes them 4 KiB at a time) or a reply written after
    // another waited for the client's delayed ACK, 40 ms on Linux.
    boost::system::error_code nec;
    socket.set_option(asio::ip::tcp::no_delay(true), nec);
    self->on_accept_(std::move(socket));
  }
}

}  // namespace tessera::net
