// Fault injection on the writes of the server's real-time routes
// (net::detail::connection_stream::inject), with the routes `tessera serve` adds: a
// websink's WebSocket frame stream and MJPEG stream, and the JSON-RPC WebSocket with
// bus notifications. For EPIPE, ECONNRESET and a short write at the Nth write, N = 0,
// 1, 2, ... until a run has no write left to fail: the client gets only whole frames
// and replies and then sees the connection closed by the server, the viewer leaves
// the websink's fan-out (subscriber_count back to 0), the sessions end, no descriptor
// is left open, and the next client is served in full.
#include "net/connection_stream.hpp"
#include "net/ticket_store.hpp"
#include "server/rest_routes.hpp"
#include "server/rpc_route.hpp"
#include "tests/core/support/test_runtime.hpp"
#include "tests/net/e2e/test_client.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

namespace tessera::server {
namespace write_fault_sweep_test {

using namespace net::testing;
using fault = net::detail::connection_stream::write_fault;
namespace json = boost::json;

constexpr int frames_wanted = 3;
constexpr auto client_wait = 3s;

std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

bool is_jpeg(std::string_view b) {
  return b.size() > 4 && b.starts_with("\xff\xd8") && b.ends_with("\xff\xd9");
}

struct exchange {
  int whole = 0;                  // frames or replies received whole and right
  bool wrong = false;             // something else than a whole frame or reply came
  bool closed_by_server = false;  // EOF or reset
  std::string other_end;          // any other end (a timeout: the server left it open)
};

void note_end(exchange& x, const boost::system::error_code& ec) {
  if (ec == asio::error::eof || ec == asio::error::connection_reset || ec == websocket::error::closed ||
      ec == http::error::end_of_stream || ec == http::error::partial_message)
    x.closed_by_server = true;
  else
    x.other_end = ec.message();
}

/// Opens a WebSocket on `ws` (made from a connected stream).
asio::awaitable<bool> ws_open(ws_client& ws, std::string target, exchange& x) {
  beast::get_lowest_layer(ws).expires_never();
  websocket::stream_base::timeout t = websocket::stream_base::timeout::suggested(beast::role_type::client);
  t.handshake_timeout = client_wait;
  t.idle_timeout = client_wait;
  t.keep_alive_pings = false;
  ws.set_option(t);
  ws.read_message_max(0);
  auto [ec] = co_await ws.async_handshake("127.0.0.1", target, asio::as_tuple(asio::use_awaitable));
  if (ec) {
    note_end(x, ec);
    co_return false;
  }
  co_return true;
}

/// Runs `talk` on a WebSocket to `target`, then closes the client's socket: Beast's
/// pending idle timer keeps a failed stream's state (and socket) alive until it fires,
/// and the descriptor count is to see the server's side only.
template <class Talk>
asio::awaitable<exchange> over_websocket(std::uint16_t port, std::string target, Talk talk) {
  exchange x;
  ws_client ws(co_await connect(port));
  if (co_await ws_open(ws, std::move(target), x)) co_await talk(ws, x);
  beast::error_code ec;
  beast::get_lowest_layer(ws).socket().close(ec);
  co_return x;
}

/// The websink's WebSocket: three JPEG frames, then a normal close.
asio::awaitable<void> ws_frames_talk(ws_client& ws, exchange& x) {
  while (x.whole < frames_wanted) {
    beast::flat_buffer buffer;
    auto [ec, n] = co_await ws.async_read(buffer, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      note_end(x, ec);
      co_return;
    }
    if (!ws.got_binary() || !is_jpeg(beast::buffers_to_string(buffer.data()))) x.wrong = true;
    ++x.whole;
  }
  auto [cec] = co_await ws.async_close(websocket::close_code::normal, asio::as_tuple(asio::use_awaitable));
  if (cec) note_end(x, cec);
  co_return;
}

/// The websink's MJPEG stream: three whole parts, then the client leaves.
asio::awaitable<exchange> mjpeg_frames(std::uint16_t port) {
  exchange x;
  auto stream = co_await connect(port);
  stream.expires_after(client_wait);
  auto [wec, wn] = co_await asio::async_write(
      stream, asio::buffer(std::string("GET /api/v1/pipelines/p/sinks/out/mjpeg HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")),
      asio::as_tuple(asio::use_awaitable));
  if (wec) {
    note_end(x, wec);
    co_return x;
  }
  std::string data;
  char chunk[16384];
  std::size_t at = std::string::npos;  // where the next part starts
  while (x.whole < frames_wanted) {
    if (at == std::string::npos) {
      if (const auto h = data.find("\r\n\r\n"); h != std::string::npos) {
        if (!data.starts_with("HTTP/1.1 200 OK\r\n")) {
          x.wrong = true;
          co_return x;
        }
        at = h + 4;
      }
    }
    while (at != std::string::npos && x.whole < frames_wanted) {
      static constexpr std::string_view head = "--tessera-frame\r\nContent-Type: image/jpeg\r\nContent-Length: ";
      const std::string_view rest = std::string_view(data).substr(at);
      if (rest.size() < head.size() || rest.find("\r\n\r\n", head.size()) == std::string_view::npos) {
        if (!head.starts_with(rest.substr(0, std::min(rest.size(), head.size())))) x.wrong = true;
        break;
      }
      if (!rest.starts_with(head)) {
        x.wrong = true;
        co_return x;
      }
      const std::size_t body = rest.find("\r\n\r\n", head.size()) + 4;
      const std::size_t length = std::stoul(std::string(rest.substr(head.size(), body - 4 - head.size())));
      if (rest.size() < body + length + 2) break;
      if (!is_jpeg(rest.substr(body, length)) || rest.substr(body + length, 2) != "\r\n") x.wrong = true;
      ++x.whole;
      at += body + length + 2;
    }
    if (x.wrong || x.whole == frames_wanted) break;
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
    data.append(chunk, n);
    if (ec) {
      note_end(x, ec);
      co_return x;
    }
  }
  co_return x;
}

/// JSON-RPC: subscribes to pipeline q's bus, pauses and plays it; three replies (and
/// the state-changed notifications in between, which must be whole JSON too).
asio::awaitable<void> rpc_talk(ws_client& ws, exchange& x) {
  const char* calls[frames_wanted] = {
      R"({"jsonrpc":"2.0","id":1,"method":"bus.subscribe","params":{"pipeline":"q"}})",
      R"({"jsonrpc":"2.0","id":2,"method":"pipeline.set_state","params":{"pipeline":"q","state":"paused"}})",
      R"({"jsonrpc":"2.0","id":3,"method":"pipeline.set_state","params":{"pipeline":"q","state":"playing"}})"};
  for (int i = 0; i < frames_wanted; ++i) {
    ws.text(true);
    auto [wec, wn] = co_await ws.async_write(asio::buffer(std::string(calls[i])), asio::as_tuple(asio::use_awaitable));
    if (wec) {
      note_end(x, wec);
      co_return;
    }
    for (;;) {  // notifications until the reply
      beast::flat_buffer buffer;
      auto [ec, n] = co_await ws.async_read(buffer, asio::as_tuple(asio::use_awaitable));
      if (ec) {
        note_end(x, ec);
        co_return;
      }
      boost::system::error_code jec;
      const json::value v = json::parse(beast::buffers_to_string(buffer.data()), jec);
      if (jec || !v.is_object() || !ws.got_text()) {
        x.wrong = true;
        co_return;
      }
      const auto* id = v.as_object().if_contains("id");
      if (!id) continue;  // a bus.message notification
      if (!id->is_int64() || id->as_int64() != i + 1 || v.as_object().contains("error")) x.wrong = true;
      ++x.whole;
      break;
    }
  }
  auto [cec] = co_await ws.async_close(websocket::close_code::normal, asio::as_tuple(asio::use_awaitable));
  if (cec) note_end(x, cec);
  co_return;
}

asio::awaitable<exchange> ws_frames(std::uint16_t port) {
  co_return co_await over_websocket(port, "/api/v1/pipelines/p/sinks/out/ws", ws_frames_talk);
}
asio::awaitable<exchange> rpc_calls(std::uint16_t port) {
  co_return co_await over_websocket(port, "/api/v1/rpc", rpc_talk);
}

class ServerWriteFaultSweep : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(add_rest_routes(srv.routes(), rest));
    ASSERT_TRUE(register_rpc_and_stream_routes(srv.routes(), rest, streams));
    ASSERT_TRUE(srv.start());
    ASSERT_TRUE(svc.create("p", "testsrc is-live=true pattern=ball width=64 height=48 framerate=100/1 ! websink name=out"));
    ASSERT_TRUE(svc.create("q", "testsrc is-live=true width=32 height=24 ! fakesink"));
    ASSERT_TRUE(svc.set_state("p", "playing"));
    ASSERT_TRUE(svc.set_state("q", "playing"));
  }
  void TearDown() override {
    net::detail::connection_stream::inject(std::nullopt);
    svc.shutdown([](const std::string&) {});
  }

  std::size_t viewers() const {
    auto s = svc.find_websink("p", "out");
    return s ? s->sink->subscriber_count() : 0;
  }

  asio::awaitable<bool> server_idle() {
    const auto until = clock_type::now() + 5s;
    for (;;) {
      const auto m = srv.metrics();
      if (m.connections_active == 0 && m.websockets_active == 0 && m.streams_active == 0 && viewers() == 0)
        co_return true;
      if (clock_type::now() > until) co_return false;
      co_await sleep_for(1ms);
    }
  }

  using exchange_fn = asio::awaitable<exchange> (*)(std::uint16_t);

  void sweep(exchange_fn run) {
    std::size_t runs = 0;
    run_client(ioc, srv, [&]() -> asio::awaitable<void> {
      // One clean exchange first: the descriptors opened once (the client's random
      // device for WebSocket masks) are then in the baseline.
      EXPECT_EQ((co_await run(srv.port())).whole, frames_wanted);
      EXPECT_TRUE(co_await server_idle());
      // Under load the server may open a few descriptors once, later than the clean
      // exchange (ctest -j2 saw 12 -> 15 at the first faulted run, then 15 for all
      // 71 runs). A leak grows with the runs: a few dozen runs pass any small slack.
      const std::size_t fds = open_fds();
      constexpr std::size_t opened_once = 4;
      for (int error : {EPIPE, ECONNRESET, 0}) {
        for (std::uint64_t at = 0;; ++at) {
          SCOPED_TRACE((error == 0 ? std::string("short write") : std::string(std::strerror(error))) + " at write " +
                       std::to_string(at));
          net::detail::connection_stream::inject(fault{at, error});
          const exchange x = co_await run(srv.port());
          const std::uint64_t writes = net::detail::connection_stream::fault_calls();
          net::detail::connection_stream::inject(std::nullopt);
          const bool injected = writes > at;
          EXPECT_FALSE(x.wrong) << "something else than a whole frame or reply arrived";
          EXPECT_EQ(x.other_end, "") << "the connection was not closed by the server after the failed write";
          if (!injected || error == 0)
            EXPECT_EQ(x.whole, frames_wanted);
          else
            EXPECT_TRUE(x.closed_by_server || x.whole == frames_wanted);
          EXPECT_TRUE(co_await server_idle())
              << "after the failed write: " << srv.metrics().connections_active << " connections, "
              << srv.metrics().websockets_active << " websockets, " << srv.metrics().streams_active
              << " streams, " << viewers() << " websink viewers";
          EXPECT_LE(open_fds(), fds + opened_once) << "descriptors are left open";
          const exchange other = co_await run(srv.port());
          EXPECT_EQ(other.whole, frames_wanted) << "the next client was not served in full: " << other.other_end;
          EXPECT_FALSE(other.wrong);
          EXPECT_TRUE(co_await server_idle());
          ++runs;
          if (!injected) break;
          if (::testing::Test::HasFailure() && runs > 100) co_return;
        }
      }
    }, 120s);
    std::printf("%zu runs\n", runs);
    EXPECT_GE(runs, 3u * 3);
  }

  pipeline_service svc{core::test_runtime()};
  stream_metrics streams;
  asio::io_context ioc;
  net::http_server srv{ioc, test_config()};
  net::ticket_store tickets{std::chrono::seconds(30), 16};
  rest_context rest{svc, streams, [this] { return srv.metrics(); }, std::filesystem::path(), tickets};
};

TEST_F(ServerWriteFaultSweep, WebsinkWebSocketFrames) { sweep(ws_frames); }

TEST_F(ServerWriteFaultSweep, WebsinkMjpegStream) { sweep(mjpeg_frames); }

TEST_F(ServerWriteFaultSweep, JsonRpcRepliesAndBusNotifications) { sweep(rpc_calls); }

}  // namespace write_fault_sweep_test
}  // namespace tessera::server
