// The real send path under threads (ThreadSanitizer in CI): a server running its
// io_context on two threads, a producer thread sending one shared payload to every
// connection (as a websink fans a frame out to its viewers), and
// WebSocket clients on a third thread.

#include "net/http_server.hpp"
#include "net/websocket_connection.hpp"
#include "tests/net/e2e/test_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

namespace tessera::net::testing {
namespace broadcast_concurrency_test {

TEST(BroadcastConcurrency, ProducerThreadReachesEveryClientOfAMultiThreadedServer) {
  constexpr std::uint32_t messages = 500;
  constexpr int clients = 3;
  asio::io_context server_ioc;
  auto cfg = test_config();
  http_server srv(server_ioc, cfg);
  std::mutex mutex;
  std::vector<std::shared_ptr<websocket_connection>> connections;
  auto joined = [&] {
    std::lock_guard lock(mutex);
    return connections;
  };
  ASSERT_TRUE(srv.routes().add_websocket("/feed", [&](request_context&, websocket_upgrade& up) -> asio::awaitable<void> {
    auto conn = co_await up.accept(messages);  // room for everything: nothing is dropped
    if (!conn) co_return;
    {
      std::lock_guard lock(mutex);
      connections.push_back(*conn);
    }
    co_await (*conn)->wait_closed();
  }));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  std::vector<std::thread> server_threads;
  for (int i = 0; i < 2; ++i) server_threads.emplace_back([&] { server_ioc.run_for(30s); });

  std::thread producer([&] {
    const auto until = clock_type::now() + 10s;
    while (joined().size() < clients && clock_type::now() < until) std::this_thread::yield();
    const auto receivers = joined();
    for (std::uint32_t seq = 0; seq < messages; ++seq) {
      std::string s(256, 'm');
      std::memcpy(s.data(), &seq, sizeof seq);
      const auto payload = shared_payload::from_string(std::move(s));
      for (const auto& conn : receivers) conn->try_send(payload);
    }
  });

  asio::io_context client_ioc;
  std::atomic<int> complete{0};
  for (int c = 0; c < clients; ++c) {
    asio::co_spawn(client_ioc, [&, port]() -> asio::awaitable<void> {
      auto ws = co_await ws_connect(port, "/feed");
      beast::flat_buffer buffer;
      for (std::uint32_t expected = 0; expected < messages; ++expected) {
        buffer.consume(buffer.size());
        co_await ws.async_read(buffer, asio::use_awaitable);
        std::uint32_t seq = 0;
        std::memcpy(&seq, buffer.data().data(), sizeof seq);
        EXPECT_EQ(seq, expected);
        if (seq != expected) break;
      }
      co_await ws.async_close(websocket::close_code::normal, asio::use_awaitable);
      ++complete;
    }, [](std::exception_ptr e) { EXPECT_FALSE(e) << "client failed"; });
  }
  client_ioc.run_for(20s);
  producer.join();
  srv.stop();
  for (auto& t : server_threads) t.join();

  EXPECT_EQ(complete.load(), clients);
  EXPECT_TRUE(srv.stopped());
  EXPECT_EQ(srv.metrics().messages_sent, std::uint64_t{messages} * clients);
  EXPECT_EQ(srv.metrics().messages_dropped, 0u);
}

}  // namespace broadcast_concurrency_test
}  // namespace tessera::net::testing
