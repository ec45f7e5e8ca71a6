// End-to-end tests of server::stop() with connections of every kind open.

#include "net/http_server.hpp"

#include "net/stream_writer.hpp"
#include "net/websocket_connection.hpp"
#include "tests/net/e2e/test_client.hpp"

#include <gtest/gtest.h>

#include <csignal>

namespace tessera::net::testing {
namespace shutdown_e2e_test {

asio::awaitable<response> slow_ok(request_context&) {
  co_await sleep_for(300ms);
  co_return response::text(status::ok, "finished");
}

asio::awaitable<void> hold_websocket(request_context&, websocket_upgrade& up) {
  auto conn = co_await up.accept();
  if (conn) co_await (*conn)->wait_closed();
}

asio::awaitable<void> hold_stream(request_context&, stream_start& start) {
  auto writer = co_await start.begin(stream_format::multipart("image/jpeg"));
  if (writer) co_await (*writer)->wait_closed();
}

void add_routes(http_server& srv) {
  ASSERT_TRUE(srv.routes().add(verb::get, "/slow", slow_ok));
  ASSERT_TRUE(srv.routes().add(verb::get, "/fast", [](request_context&) -> asio::awaitable<response> {
    co_return response::text(status::ok, "fast");
  }));
  ASSERT_TRUE(srv.routes().add_websocket("/ws", hold_websocket));
  ASSERT_TRUE(srv.routes().add_stream(verb::get, "/mjpeg", hold_stream));
}

/// The in-flight request's client: sends, and reads the answer.
asio::awaitable<client_response> slow_request(beast::tcp_stream& stream) {
  beast::flat_buffer buffer;
  co_return co_await round_trip(stream, buffer, make_request(http::verb::get, "/slow"));
}

TEST(ServerShutdown, StopFinishesInFlightWorkClosesEverythingAndRunReturnsQuickly) {
  using namespace asio::experimental::awaitable_operators;
  asio::io_context ioc;
  auto cfg = test_config();
  cfg.shutdown_grace = 1s;
  http_server srv(ioc, cfg);
  add_routes(srv);
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();

  client_response in_flight;
  boost::system::error_code idle_end, ws_end, stream_end;
  std::uint16_t ws_code = 0;
  clock_type::time_point stop_called;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    // An idle keep-alive connection.
    auto idle = co_await connect(port);
    beast::flat_buffer idle_buffer;
    auto first = co_await round_trip(idle, idle_buffer, make_request(http::verb::get, "/fast"));
    EXPECT_EQ(first.body(), "fast");
    // A WebSocket and a streamed response.
    auto ws = co_await ws_connect(port, "/ws");
    auto stream = co_await connect(port);
    co_await write_raw(stream, "GET /mjpeg HTTP/1.1\r\nHost: x\r\n\r\n");
    // A request in flight when stop() comes.
    auto busy = co_await connect(port);
    while (srv.metrics().streams_active == 0 || srv.metrics().websockets_active == 0) {
      co_await sleep_for(5ms);
    }
    auto ex = co_await asio::this_coro::executor;
    asio::co_spawn(ex, [&]() -> asio::awaitable<void> {
      co_await sleep_for(100ms);  // /slow is now running
      stop_called = clock_type::now();
      srv.stop();
    }, [](std::exception_ptr e) { EXPECT_FALSE(e) << "the stopper failed"; });
    in_flight = co_await slow_request(busy);

    auto idle_closed = co_await read_until_closed(idle);
    idle_end = idle_closed.second;
    beast::flat_buffer buffer;
    auto [ec, n] = co_await ws.async_read(buffer, asio::as_tuple(asio::use_awaitable));
    ws_end = ec;
    ws_code = ws.reason().code;
    auto stream_closed = co_await read_until_closed(stream);
    stream_end = stream_closed.second;
  });
  const auto stop_to_return = clock_type::now() - stop_called;

  EXPECT_EQ(in_flight.result(), http::status::ok);
  EXPECT_EQ(in_flight.body(), "finished") << "the in-flight response is finished";
  EXPECT_FALSE(in_flight.keep_alive()) << "and says Connection: close";
  EXPECT_EQ(idle_end, asio::error::eof);
  EXPECT_EQ(ws_end, websocket::error::closed);
  EXPECT_EQ(ws_code, 1001) << "WebSockets get a going-away close frame";
  EXPECT_EQ(stream_end, asio::error::eof);
  EXPECT_TRUE(srv.stopped());
  EXPECT_TRUE(ioc.stopped()) << "run_for returned because the work ran out, not at the deadline";
  EXPECT_LT(stop_to_return, 2s);
  EXPECT_EQ(srv.metrics().connections_active, 0u);
}

TEST(ServerShutdown, WebSocketThatNeverAnswersTheCloseFrameIsClosedAfterTheGrace) {
  asio::io_context ioc;
  auto cfg = test_config();
  cfg.shutdown_grace = 300ms;
  http_server srv(ioc, cfg);
  add_routes(srv);
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  std::chrono::milliseconds drained_after{0};
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto ws = co_await ws_connect(port, "/ws");  // never reads: never answers the close
    while (srv.metrics().websockets_active == 0) co_await sleep_for(5ms);
    const auto stopped_at = clock_type::now();
    srv.stop();
    while (!srv.stopped() && clock_type::now() - stopped_at < 5s) co_await sleep_for(5ms);
    drained_after =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - stopped_at);
  });
  EXPECT_TRUE(srv.stopped());
  EXPECT_GE(drained_after, 250ms) << "the close handshake was waited for";
  EXPECT_LT(drained_after, 1300ms) << "but only for the grace period";
}

TEST(ServerShutdown, StopWithoutConnectionsLetsRunReturnAtOnce) {
  asio::io_context ioc;
  http_server srv(ioc, test_config());
  ASSERT_TRUE(srv.start());
  srv.stop();
  const auto started = clock_type::now();
  ioc.run_for(5s);
  EXPECT_LT(clock_type::now() - started, 500ms);
  EXPECT_TRUE(srv.stopped());
}

TEST(ServerShutdown, TerminationSignalStopsTheServer) {
  asio::io_context ioc;
  http_server srv(ioc, test_config());
  ASSERT_TRUE(srv.start());
  srv.stop_on_signals({SIGTERM});
  const auto port = srv.port();
  bool stopped_by_signal = false;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto conn = co_await connect(port);
    co_await sleep_for(50ms);  // the signal_set is installed by now
    std::raise(SIGTERM);
    auto closed = co_await read_until_closed(conn);
    EXPECT_EQ(closed.second, asio::error::eof);
    stopped_by_signal = srv.stopped() || closed.second == asio::error::eof;
  });
  EXPECT_TRUE(stopped_by_signal);
  EXPECT_TRUE(srv.stopped());
}

}  // namespace shutdown_e2e_test
}  // namespace tessera::net::testing
