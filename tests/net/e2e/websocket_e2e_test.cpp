// End-to-end WebSocket tests: a real tessera::net::http_server on 127.0.0.1:0, Beast clients.

#include "net/websocket_connection.hpp"

#include "net/http_server.hpp"
#include "tests/net/e2e/test_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <numeric>

namespace tessera::net::testing {
namespace websocket_e2e_test {

/// Echoes every message back with its kind.
asio::awaitable<void> echo(request_context&, websocket_upgrade& upgrade) {
  auto conn = co_await upgrade.accept();
  if (!conn) co_return;
  for (;;) {
    auto message = co_await (*conn)->read();
    if (!message) co_return;
    (*conn)->try_send(shared_payload::copy_of(message->data), message->kind);
  }
}

TEST(WebSocketServer, EchoRouteEchoesTextAndBinaryMessages) {
  asio::io_context ioc;
  http_server srv(ioc, test_config());
  ASSERT_TRUE(srv.routes().add_websocket("/ws/echo", echo));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  std::string text_back, binary_back;
  bool text_was_text = false, binary_was_binary = false;
  std::uint64_t active_while_open = 0;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto ws = co_await ws_connect(port, "/ws/echo");
    beast::flat_buffer buffer;
    ws.text(true);
    co_await ws.async_write(asio::buffer(std::string("hello")), asio::use_awaitable);
    co_await ws.async_read(buffer, asio::use_awaitable);
    text_back = beast::buffers_to_string(buffer.data());
    text_was_text = ws.got_text();
    buffer.consume(buffer.size());
    ws.binary(true);
    const std::string bytes("\x00\x01\xff\x7f", 4);
    co_await ws.async_write(asio::buffer(bytes), asio::use_awaitable);
    co_await ws.async_read(buffer, asio::use_awaitable);
    binary_back = beast::buffers_to_string(buffer.data());
    binary_was_binary = ws.got_binary();
    active_while_open = srv.metrics().websockets_active;
    co_await ws.async_close(websocket::close_code::normal, asio::use_awaitable);
  });
  EXPECT_EQ(text_back, "hello");
  EXPECT_TRUE(text_was_text);
  EXPECT_EQ(binary_back, std::string("\x00\x01\xff\x7f", 4));
  EXPECT_TRUE(binary_was_binary);
  EXPECT_EQ(active_while_open, 1u);
  EXPECT_EQ(srv.metrics().websockets_active, 0u);
  ASSERT_EQ(srv.metrics().routes.size(), 1u);
  EXPECT_EQ(srv.metrics().routes[0].method, "WEBSOCKET");
  EXPECT_EQ(srv.metrics().routes[0].requests, 1u);
}

TEST(WebSocketServer, OversizedMessageClosesWithCode1009) {
  asio::io_context ioc;
  auto cfg = test_config();
  cfg.max_websocket_message_bytes = 1024;
  http_server srv(ioc, cfg);
  std::optional<error> server_saw;
  ASSERT_TRUE(srv.routes().add_websocket("/ws", [&](request_context&, websocket_upgrade& up) -> asio::awaitable<void> {
    auto conn = co_await up.accept();
    if (!conn) co_return;
    auto message = co_await (*conn)->read();
    if (!message) server_saw = message.error();
  }));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  boost::system::error_code read_error;
  std::uint16_t close_code = 0;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto ws = co_await ws_connect(port, "/ws");
    co_await ws.async_write(asio::buffer(std::string(2048, 'x')), asio::use_awaitable);
    beast::flat_buffer buffer;
    auto [ec, n] = co_await ws.async_read(buffer, asio::as_tuple(asio::use_awaitable));
    read_error = ec;
    close_code = ws.reason().code;
  });
  // Beast tears the connection down right after its 1009 close frame, so the client's
  // own close reply may fail (ENOTCONN) instead of ending cleanly; the code arrived.
  EXPECT_TRUE(read_error);
  EXPECT_EQ(close_code, 1009);
  ASSERT_TRUE(server_saw.has_value());
  EXPECT_TRUE(*server_saw == errc::limit_exceeded) << server_saw->message;
  EXPECT_NE(server_saw->message.find("1024"), std::string::npos) << server_saw->message;
}

TEST(WebSocketServer, HandlerCanRefuseTheUpgradeWithAStatus) {
  asio::io_context ioc;
  http_server srv(ioc, test_config());
  ASSERT_TRUE(srv.routes().add_websocket("/ws/{sink}", [](request_context& ctx, websocket_upgrade& up) -> asio::awaitable<void> {
    if (ctx.param("sink") != "known") {
      (void)up.refuse(response::error(status::not_found, "no sink " + std::string(ctx.param("sink"))));
      co_return;
    }
    auto conn = co_await up.accept();
    if (conn) co_await (*conn)->wait_closed();
  }));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  boost::system::error_code handshake_error;
  websocket::response_type refusal;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    ws_client ws(co_await connect(port));
    auto [ec] = co_await ws.async_handshake(refusal, "127.0.0.1", "/ws/unknown",
                                            asio::as_tuple(asio::use_awaitable));
    handshake_error = ec;
  });
  EXPECT_EQ(handshake_error, websocket::error::upgrade_declined);
  EXPECT_EQ(refusal.result(), http::status::not_found);
}

TEST(WebSocketServer, PlainGetOnAWebSocketRouteGets426) {
  asio::io_context ioc;
  http_server srv(ioc, test_config());
  ASSERT_TRUE(srv.routes().add_websocket("/ws/echo", echo));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  client_response res;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stream = co_await connect(port);
    beast::flat_buffer buffer;
    res = co_await round_trip(stream, buffer, make_request(http::verb::get, "/ws/echo"));
  });
  EXPECT_EQ(res.result(), http::status::upgrade_required);
  EXPECT_EQ(res[http::field::upgrade], "websocket");
}

TEST(WebSocketServer, HandlerReturningSendsQueuedMessagesThenCloseFrame1000) {
  asio::io_context ioc;
  http_server srv(ioc, test_config());
  ASSERT_TRUE(srv.routes().add_websocket("/ws", [](request_context&, websocket_upgrade& up) -> asio::awaitable<void> {
    auto conn = co_await up.accept();
    if (!conn) co_return;
    (*conn)->send_text("one");
    (*conn)->send_text("two");
  }));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  std::vector<std::string> got;
  boost::system::error_code end;
  std::uint16_t code = 0;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto ws = co_await ws_connect(port, "/ws");
    for (;;) {
      beast::flat_buffer buffer;
      auto [ec, n] = co_await ws.async_read(buffer, asio::as_tuple(asio::use_awaitable));
      if (ec) {
        end = ec;
        code = ws.reason().code;
        break;
      }
      got.push_back(beast::buffers_to_string(buffer.data()));
    }
  });
  EXPECT_EQ(got, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(end, websocket::error::closed);
  EXPECT_EQ(code, 1000);
}

std::uint32_t sequence_of(const beast::flat_buffer& b) {
  std::uint32_t seq = 0;
  std::memcpy(&seq, b.data().data(), sizeof seq);
  return seq;
}

/// Subscribers register by name; each waits until its client leaves.
struct feed_state {
  std::map<std::string, std::shared_ptr<websocket_connection>> by_name;
};

TEST(WebSocketServer, SlowClientLosesOldestMessagesWhileFastClientGetsAll) {
  asio::io_context ioc;
  auto cfg = test_config();
  cfg.send_queue_messages = 4;
  http_server srv(ioc, cfg);
  feed_state feed;
  ASSERT_TRUE(srv.routes().add_websocket("/feed", [&](request_context& ctx, websocket_upgrade& up) -> asio::awaitable<void> {
    auto conn = co_await up.accept();
    if (!conn) co_return;
    feed.by_name[std::string(ctx.query.get("name").value_or(""))] = *conn;
    co_await (*conn)->wait_closed();
  }));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();

  constexpr std::uint32_t total = 400;           // 400 x 64 KiB = 25 MiB, far beyond
  constexpr std::size_t message_bytes = 64 * 1024;  // what the kernel buffers for a client
  std::vector<std::uint32_t> fast_got, slow_got;
  std::uint64_t drops_reported = 0, slow_dropped = 0, fast_dropped = 0;
  std::uint64_t metrics_dropped = 0;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto fast = co_await ws_connect(port, "/feed?name=fast");
    auto slow = co_await ws_connect(port, "/feed?name=slow");
    auto ex = co_await asio::this_coro::executor;
    while (feed.by_name.size() < 2) co_await asio::post(ex, asio::use_awaitable);
    const auto fast_conn = feed.by_name.at("fast");
    const auto slow_conn = feed.by_name.at("slow");

    // The fast client reads concurrently; the slow one reads nothing yet.
    // A small, fixed receive buffer (no autotuning) so the slow client's kernel
    // buffers fill after a few MiB on any machine.
    beast::get_lowest_layer(slow).socket().set_option(asio::socket_base::receive_buffer_size(64 * 1024));
    bool fast_done = false;
    asio::co_spawn(ex, [&]() -> asio::awaitable<void> {
      beast::flat_buffer buffer;
      while (fast_got.size() < total) {
        buffer.consume(buffer.size());
        co_await fast.async_read(buffer, asio::use_awaitable);
        fast_got.push_back(sequence_of(buffer));
      }
    }, [&](std::exception_ptr e) {
      EXPECT_FALSE(e) << "the fast client failed";
      fast_done = true;
    });

    for (std::uint32_t seq = 0; seq < total; ++seq) {
      // Pace the producer to the fast client only: its queue never overflows.
      while (fast_conn->queue().size() > 0) co_await asio::post(ex, asio::use_awaitable);
      std::string bytes(message_bytes, static_cast<char>('a' + seq % 26));
      std::memcpy(bytes.data(), &seq, sizeof seq);
      // One shared payload to both clients, as a websink fans a frame out.
      const auto payload = shared_payload::from_string(std::move(bytes));
      for (const auto& conn : {fast_conn, slow_conn}) {
        const auto r = conn->try_send(payload);
        EXPECT_NE(r, send_result::closed);
        if (r == send_result::queued_dropped_oldest) ++drops_reported;
      }
    }
    while (!fast_done) co_await asio::post(ex, asio::use_awaitable);
    slow_dropped = slow_conn->queue().dropped_total();
    fast_dropped = fast_conn->queue().dropped_total();
    metrics_dropped = srv.metrics().messages_dropped;

    // Now the slow client reads what it was left with.
    beast::flat_buffer buffer;
    while (slow_got.empty() || slow_got.back() != total - 1) {
      buffer.consume(buffer.size());
      co_await slow.async_read(buffer, asio::use_awaitable);
      slow_got.push_back(sequence_of(buffer));
    }
    co_await fast.async_close(websocket::close_code::normal, asio::use_awaitable);
    co_await slow.async_close(websocket::close_code::normal, asio::use_awaitable);
  }, 60s);

  std::vector<std::uint32_t> all(total);
  std::iota(all.begin(), all.end(), 0u);
  EXPECT_EQ(fast_got, all) << "the fast client receives everything, in order";
  EXPECT_EQ(fast_dropped, 0u);
  EXPECT_GT(slow_dropped, 0u) << "the slow client's queue overflowed";
  EXPECT_EQ(drops_reported, slow_dropped);
  EXPECT_EQ(metrics_dropped, slow_dropped);
  // Drop-oldest: what the slow client gets is increasing, ends with the newest, and
  // together with the drops accounts for every message.
  EXPECT_TRUE(std::is_sorted(slow_got.begin(), slow_got.end()));
  EXPECT_EQ(std::adjacent_find(slow_got.begin(), slow_got.end()), slow_got.end());
  ASSERT_FALSE(slow_got.empty());
  EXPECT_EQ(slow_got.back(), total - 1);
  EXPECT_EQ(slow_got.size() + slow_dropped, total);
  // The newest messages survived in the queue: the last 4 arrive consecutively.
  ASSERT_GE(slow_got.size(), 4u);
  EXPECT_EQ(slow_got[slow_got.size() - 4], total - 4);
}

}  // namespace websocket_e2e_test
}  // namespace tessera::net::testing
