// Fault injection on the server's write paths (connection_stream::inject): for each way
// a write fails (EPIPE, ECONNRESET: the peer is gone; a short write) and for each
// write a client's exchange makes the server do (HTTP responses on a keep-alive
// connection, a WebSocket's handshake, text replies, binary frames and close frame, a
// multipart stream's header and parts), the Nth write fails, for N = 0, 1, 2, ...
// until a run has no write left to fail. After each run:
//  - the client saw nothing but whole, right messages, then the connection closed by
//    the server (not left open until the client's own timeout); after a short write
//    it saw everything;
//  - the route's handler ended, the session ended (the active gauges back to 0) and no
//    descriptor is left open;
//  - a second client, with nothing injected, is served in full.
// The HTTP and WebSocket sweeps run over TLS too (faults are injected above TLS).
#include "net/connection_stream.hpp"
#include "net/stream_writer.hpp"
#include "net/websocket_connection.hpp"
#include "net/tls_context.hpp"
#include "tests/net/e2e/test_certificates.hpp"
#include "tests/net/e2e/test_client.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <vector>

namespace tessera::net::testing {
namespace write_fault_sweep_test {

using fault = detail::connection_stream::write_fault;

constexpr int exchanges = 3;  // requests, WebSocket round trips, stream parts per run
constexpr auto client_wait = 3s;

/// Bytes that differ with `seed` and position, so a misplaced byte shows.
std::string pattern(std::size_t size, unsigned seed) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>((i * 31 + seed * 7 + (i >> 8)) & 0xff);
  return s;
}
std::string doc(int i) { return pattern(20000 + 1000 * static_cast<std::size_t>(i), 1 + static_cast<unsigned>(i)); }
std::string frame(int i) { return pattern(30000 + 100 * static_cast<std::size_t>(i), 50 + static_cast<unsigned>(i)); }
std::string reply(int i) { return R"({"jsonrpc":"2.0","result":)" + std::to_string(i) + R"(,"id":)" + std::to_string(i) + "}"; }
std::string part(int i) { return pattern(9000 + 10 * static_cast<std::size_t>(i), 90 + static_cast<unsigned>(i)); }

std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

/// What one client's exchange came to.
struct exchange {
  int whole = 0;              // messages received whole and right
  bool wrong = false;         // a message with other bytes than sent
  bool closed_by_server = false;  // the connection ended by the server (EOF, reset)
  bool timed_out = false;     // the client waited in vain
  std::string detail;
};

bool is_closed(const boost::system::error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset || ec == http::error::end_of_stream ||
         ec == websocket::error::closed || ec == http::error::partial_message ||
         ec == asio::error::broken_pipe || ec == asio::ssl::error::stream_truncated;
}

void note_end(exchange& x, const boost::system::error_code& ec) {
  if (is_closed(ec)) {
    x.closed_by_server = true;
  } else {
    x.timed_out = ec == beast::error::timeout;
    x.detail = ec.message();
  }
}

/// Three GETs on one keep-alive connection.
template <class Stream>
asio::awaitable<exchange> http_talk(Stream& stream) {
  exchange x;
  beast::flat_buffer buffer;
  for (int i = 0; i < exchanges; ++i) {
    auto req = make_request(http::verb::get, "/doc/" + std::to_string(i));
    beast::get_lowest_layer(stream).expires_after(client_wait);
    auto [wec, wn] = co_await http::async_write(stream, req, asio::as_tuple(asio::use_awaitable));
    if (wec) {
      note_end(x, wec);
      co_return x;
    }
    client_response res;
    beast::get_lowest_layer(stream).expires_after(client_wait);
    auto [ec, n] = co_await http::async_read(stream, buffer, res, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      note_end(x, ec);
      co_return x;
    }
    if (res.result() != http::status::ok || res.body() != doc(i)) x.wrong = true;
    ++x.whole;
  }
  co_return x;
}

asio::awaitable<exchange> http_exchange(std::uint16_t port) {
  auto stream = co_await connect(port);
  co_return co_await http_talk(stream);
}

/// The TLS client: Asio's own stream, not net's connection_stream, so that the
/// injected fault counts the server's writes only.
using tls_client = beast::ssl_stream<beast::tcp_stream>;

asio::ssl::context& tls_client_context() {
  static asio::ssl::context ctx = [] {
    asio::ssl::context c(asio::ssl::context::tls_client);
    c.set_verify_mode(asio::ssl::verify_none);  // the server is this process
    return c;
  }();
  return ctx;
}

/// A TLS handshake on `s`; false (noted in `x`) when it failed.
asio::awaitable<bool> tls_handshake(tls_client& s, exchange& x) {
  beast::get_lowest_layer(s).expires_after(client_wait);
  auto [ec] = co_await s.async_handshake(asio::ssl::stream_base::client, asio::as_tuple(asio::use_awaitable));
  if (ec) note_end(x, ec);
  co_return !ec;
}

asio::awaitable<exchange> https_exchange(std::uint16_t port) {
  tls_client stream(co_await connect(port), tls_client_context());
  exchange x;
  if (co_await tls_handshake(stream, x)) x = co_await http_talk(stream);
  co_return x;
}

/// A WebSocket: three messages, each answered by a text reply and a binary frame, then
/// a normal close.
template <class WebSocket>
asio::awaitable<exchange> websocket_talk(WebSocket& ws, std::uint16_t port) {
  exchange x;
  beast::get_lowest_layer(ws).expires_never();
  websocket::stream_base::timeout t = websocket::stream_base::timeout::suggested(beast::role_type::client);
  t.handshake_timeout = client_wait;
  t.idle_timeout = client_wait;  // no pings: silence this long ends a read with timeout
  t.keep_alive_pings = false;
  ws.set_option(t);
  auto [hec] = co_await ws.async_handshake("127.0.0.1:" + std::to_string(port), "/ws",
                                           asio::as_tuple(asio::use_awaitable));
  if (hec) {
    note_end(x, hec);
    co_return x;
  }
  for (int i = 0; i < exchanges; ++i) {
    ws.text(true);
    auto [wec, wn] = co_await ws.async_write(asio::buffer(std::to_string(i)), asio::as_tuple(asio::use_awaitable));
    if (wec) {
      note_end(x, wec);
      co_return x;
    }
    for (int k = 0; k < 2; ++k) {
      beast::flat_buffer buffer;
      auto [ec, n] = co_await ws.async_read(buffer, asio::as_tuple(asio::use_awaitable));
      if (ec) {
        note_end(x, ec);
        co_return x;
      }
      const std::string got = beast::buffers_to_string(buffer.data());
      if (k == 0 ? (!ws.got_text() || got != reply(i)) : (!ws.got_binary() || got != frame(i))) x.wrong = true;
      ++x.whole;
    }
  }
  auto [cec] = co_await ws.async_close(websocket::close_code::normal, asio::as_tuple(asio::use_awaitable));
  if (cec) note_end(x, cec);
  co_return x;
}

asio::awaitable<exchange> websocket_exchange(std::uint16_t port) {
  ws_client ws(co_await connect(port));
  const exchange x = co_await websocket_talk(ws, port);
  // Beast's pending idle timer keeps the stream's state (and socket) alive after a
  // failure until it fires: close the client's socket now, so that the descriptor
  // count sees the server's side only.
  beast::error_code ec;
  beast::get_lowest_layer(ws).socket().close(ec);
  co_return x;
}

asio::awaitable<exchange> wss_exchange(std::uint16_t port) {
  websocket::stream<tls_client> ws(co_await connect(port), tls_client_context());
  exchange x;
  if (co_await tls_handshake(ws.next_layer(), x)) x = co_await websocket_talk(ws, port);
  beast::error_code ec;
  beast::get_lowest_layer(ws).socket().close(ec);
  co_return x;
}

/// A multipart stream of three parts, read until the last one arrived.
asio::awaitable<exchange> stream_exchange(std::uint16_t port) {
  exchange x;
  auto stream = co_await connect(port);
  stream.expires_after(client_wait);
  auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(std::string("GET /parts HTTP/1.1\r\nHost: x\r\n\r\n")),
                                              asio::as_tuple(asio::use_awaitable));
  if (wec) {
    note_end(x, wec);
    co_return x;
  }
  std::string body;
  for (int i = 0; i < exchanges; ++i)
    body += "--tessera-frame\r\nContent-Type: image/jpeg\r\nContent-Length: " + std::to_string(part(i).size()) +
            "\r\n\r\n" + part(i) + "\r\n";
  std::string data;
  char chunk[8192];
  stream.expires_after(client_wait);
  for (;;) {
    const auto header_end = data.find("\r\n\r\n");
    if (header_end != std::string::npos) {
      const std::string_view got = std::string_view(data).substr(header_end + 4);
      if (!data.starts_with("HTTP/1.1 200 OK\r\n") || !body.starts_with(got)) {
        x.wrong = true;
        co_return x;
      }
      // Parts that arrived whole: those whose closing CRLF is in.
      std::size_t end = 0;
      for (int i = 0; i < exchanges; ++i) {
        end = body.find("\r\n--tessera-frame", end + 1);
        const std::size_t part_end = end == std::string::npos ? body.size() : end + 2;
        if (got.size() >= part_end) x.whole = i + 1;
        if (end == std::string::npos) break;
      }
      if (got.size() == body.size()) co_return x;
    }
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
    data.append(chunk, n);
    if (ec) {
      note_end(x, ec);
      co_return x;
    }
  }
}

/// Counts the route handlers running.
struct handler_count {
  int& n;
  explicit handler_count(int& count) : n(count) { ++n; }
  ~handler_count() { --n; }
};

class WriteFaultSweep : public ::testing::Test {
 protected:
  explicit WriteFaultSweep(http_server_config config = test_config()) : srv{ioc, std::move(config)} {}

  void SetUp() override {
    ASSERT_TRUE(srv.routes().add(verb::get, "/doc/{i}", [](request_context& ctx) -> asio::awaitable<response> {
      co_return response::text(status::ok, doc(std::stoi(std::string(ctx.param("i")))), "application/octet-stream");
    }));
    ASSERT_TRUE(srv.routes().add_websocket("/ws", [this](request_context&, websocket_upgrade& up) -> asio::awaitable<void> {
      handler_count running(handlers);
      auto conn = co_await up.accept();
      if (!conn) co_return;
      for (;;) {
        auto message = co_await (*conn)->read();
        if (!message) co_return;
        const int i = std::stoi(message->data);
        (*conn)->try_send(shared_payload::copy_of(std::string_view(reply(i))), message_kind::text);
        (*conn)->try_send(shared_payload::copy_of(std::string_view(frame(i))), message_kind::binary);
      }
    }));
    ASSERT_TRUE(srv.routes().add_stream(verb::get, "/parts", [this](request_context&, stream_start& start) -> asio::awaitable<void> {
      handler_count running(handlers);
      auto writer = co_await start.begin(stream_format::multipart("image/jpeg"));
      if (!writer) co_return;
      for (int i = 0; i < exchanges; ++i) (*writer)->try_send(shared_payload::copy_of(std::string_view(part(i))));
      co_await (*writer)->wait_closed();
    }));
    ASSERT_TRUE(srv.start());
  }
  void TearDown() override { detail::connection_stream::inject(std::nullopt); }

  /// Waits (bounded) until every session and handler has ended.
  asio::awaitable<bool> server_idle() {
    const auto until = clock_type::now() + 5s;
    for (;;) {
      const auto m = srv.metrics();
      if (m.connections_active == 0 && m.websockets_active == 0 && m.streams_active == 0 && handlers == 0) co_return true;
      if (clock_type::now() > until) co_return false;
      co_await sleep_for(1ms);
    }
  }

  using exchange_fn = asio::awaitable<exchange> (*)(std::uint16_t);

  /// The sweep over every write of `run`'s exchange with each kind of fault.
  void sweep(exchange_fn run, int messages) {
    std::size_t runs = 0;
    run_client(ioc, srv, [&]() -> asio::awaitable<void> {
      // One clean exchange first: the descriptors opened once (the client's random
      // device for WebSocket masks) are then in the baseline.
      EXPECT_EQ((co_await run(srv.port())).whole, messages);
      EXPECT_TRUE(co_await server_idle());
      const std::size_t fds = open_fds();
      for (int error : {EPIPE, ECONNRESET, 0}) {
        for (std::uint64_t at = 0;; ++at) {
          const std::string what = (error == 0 ? std::string("short write") : std::strerror(error)) +
                                   " at write " + std::to_string(at);
          SCOPED_TRACE(what);
          detail::connection_stream::inject(fault{at, error});
          const exchange x = co_await run(srv.port());
          const std::uint64_t writes = detail::connection_stream::fault_calls();
          detail::connection_stream::inject(std::nullopt);
          const bool injected = writes > at;
          EXPECT_FALSE(x.wrong) << "a message arrived with other bytes than were sent";
          EXPECT_FALSE(x.timed_out) << "the server left the connection open after the failed write";
          EXPECT_TRUE(x.detail.empty()) << x.detail;
          if (!injected || error == 0) {
            EXPECT_EQ(x.whole, messages) << "not every message arrived";
          } else {
            EXPECT_TRUE(x.closed_by_server || x.whole == messages) << "the connection neither ended nor finished";
          }
          EXPECT_TRUE(co_await server_idle()) << "a session or handler outlived the failed write: "
                                              << srv.metrics().connections_active << " connections, "
                                              << srv.metrics().websockets_active << " websockets, "
                                              << srv.metrics().streams_active << " streams, " << handlers
                                              << " handlers";
          EXPECT_EQ(open_fds(), fds) << "a descriptor was left open";
          const exchange other = co_await run(srv.port());
          EXPECT_EQ(other.whole, messages) << "the next client was not served in full: " << other.detail;
          EXPECT_FALSE(other.wrong);
          EXPECT_TRUE(co_await server_idle());
          ++runs;
          if (!injected) break;  // no write left to fail
          if (::testing::Test::HasFailure() && runs > 200) co_return;  // a broken build: no flood
        }
      }
    }, 120s);
    EXPECT_GE(runs, 3u * 3);
    std::printf("%zu runs\n", runs);
  }

  asio::io_context ioc;
  http_server srv;
  int handlers = 0;  // on the io_context's one thread only
};

TEST_F(WriteFaultSweep, HttpResponsesOnAKeepAliveConnection) { sweep(http_exchange, exchanges); }

TEST_F(WriteFaultSweep, WebSocketTextRepliesBinaryFramesAndClose) { sweep(websocket_exchange, 2 * exchanges); }

TEST_F(WriteFaultSweep, MultipartStreamHeaderAndParts) { sweep(stream_exchange, exchanges); }

/// The same server over TLS: the faults are injected above TLS, into the same writes.
class TlsWriteFaultSweep : public WriteFaultSweep {
 protected:
  TlsWriteFaultSweep() : WriteFaultSweep(tls_config()) {}
};

TEST_F(TlsWriteFaultSweep, HttpsResponsesOnAKeepAliveConnection) { sweep(https_exchange, exchanges); }

TEST_F(TlsWriteFaultSweep, SecureWebSocketTextRepliesBinaryFramesAndClose) { sweep(wss_exchange, 2 * exchanges); }

}  // namespace write_fault_sweep_test
}  // namespace tessera::net::testing
