#pragma once
// Helpers for tessera::net's end-to-end tests: a real server on 127.0.0.1:0 and Beast
// clients, all coroutines on one io_context that the test runs with a deadline
// (run_for), so a broken server fails the test instead of hanging it.

#include "net/http_server.hpp"

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <functional>
#include <string>

namespace tessera::net::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

using client_response = http::response<http::string_body>;
using ws_client = websocket::stream<beast::tcp_stream>;

/// A config for tests: ephemeral port on loopback, short timeouts.
inline http_server_config test_config() {
  http_server_config c;
  c.bind_address = "127.0.0.1";
  c.port = 0;
  c.header_timeout = 1s;
  c.idle_timeout = 2s;
  c.shutdown_grace = 500ms;
  return c;
}

/// Runs `client` (a callable returning awaitable<void>; co_spawn keeps it alive) next to
/// the started server on `ioc`, and stops the server when the client finishes. Returns
/// once the io_context ran out of work or after `deadline`; fails the test if the
/// client did not finish or threw.
template <class Client>
void run_client(asio::io_context& ioc, http_server& srv, Client client,
                std::chrono::milliseconds deadline = 20s) {
  bool finished = false;
  std::string failure;
  asio::co_spawn(ioc, std::move(client), [&](std::exception_ptr e) {
    finished = true;
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        failure = ex.what();
      }
    }
    srv.stop();
  });
  ioc.run_for(deadline);
  EXPECT_TRUE(finished) << "client did not finish within " << deadline.count() << " ms";
  EXPECT_EQ(failure, "") << "client threw";
}

inline asio::awaitable<beast::tcp_stream> connect(std::uint16_t port) {
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  stream.expires_after(5s);
  co_await stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                                asio::use_awaitable);
  co_return stream;
}

inline http::request<http::string_body> make_request(http::verb method, std::string target,
                                                     std::string body = {}) {
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!body.empty() || method == http::verb::post || method == http::verb::put) {
    req.body() = std::move(body);
    req.prepare_payload();
  }
  return req;
}

inline asio::awaitable<client_response> read_response(beast::tcp_stream& stream,
                                                      beast::flat_buffer& buffer) {
  client_response res;
  stream.expires_after(5s);
  co_await http::async_read(stream, buffer, res, asio::use_awaitable);
  co_return res;
}

/// One request, one response, on an open connection.
inline asio::awaitable<client_response> round_trip(beast::tcp_stream& stream,
                                                   beast::flat_buffer& buffer,
                                                   http::request<http::string_body> req) {
  stream.expires_after(5s);
  co_await http::async_write(stream, req, asio::use_awaitable);
  co_return co_await read_response(stream, buffer);
}

/// Writes raw bytes.
inline asio::awaitable<void> write_raw(beast::tcp_stream& stream, std::string bytes) {
  stream.expires_after(5s);
  co_await asio::async_write(stream, asio::buffer(bytes), asio::use_awaitable);
}

/// Reads until the peer closes; returns what arrived and the error that ended it.
inline asio::awaitable<std::pair<std::string, boost::system::error_code>> read_until_closed(
    beast::tcp_stream& stream, std::chrono::milliseconds limit = 5s) {
  std::string data;
  char chunk[4096];
  stream.expires_after(limit);
  for (;;) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(chunk),
                                                   asio::as_tuple(asio::use_awaitable));
    data.append(chunk, n);
    if (ec) co_return std::pair{data, ec};
  }
}

inline asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}

/// A WebSocket client connected to `target`.
inline asio::awaitable<ws_client> ws_connect(std::uint16_t port, std::string target) {
  ws_client ws(co_await connect(port));
  beast::get_lowest_layer(ws).expires_never();
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  co_await ws.async_handshake("127.0.0.1:" + std::to_string(port), target, asio::use_awaitable);
  co_return ws;
}

}  // namespace tessera::net::testing
