// End-to-end tests of streamed responses (MJPEG multipart) on a real server.

#include "net/stream_writer.hpp"

#include "net/http_server.hpp"
#include "tests/net/e2e/test_client.hpp"

#include <gtest/gtest.h>

namespace tessera::net::testing {
namespace stream_e2e_test {

/// What the streaming route shares with the test's producer.
struct mjpeg_state {
  std::shared_ptr<stream_writer> writer;
  bool handler_saw_end = false;
};

/// Reads until `needle` has arrived (or the connection ends).
asio::awaitable<std::string> read_until_contains(beast::tcp_stream& stream, std::string needle) {
  std::string data;
  char chunk[4096];
  stream.expires_after(5s);
  while (data.find(needle) == std::string::npos) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(chunk),
                                                   asio::as_tuple(asio::use_awaitable));
    data.append(chunk, n);
    if (ec) break;
  }
  co_return data;
}

asio::awaitable<void> wait_until(const bool& flag, std::chrono::milliseconds limit) {
  const auto until = clock_type::now() + limit;
  while (!flag && clock_type::now() < until) co_await sleep_for(5ms);
}

TEST(StreamingResponse, MultipartPartsPushedByTheServerSideReachTheClient) {
  asio::io_context ioc;
  http_server srv(ioc, test_config());
  mjpeg_state state;
  ASSERT_TRUE(srv.routes().add_stream(verb::get, "/mjpeg", [&](request_context&, stream_start& start) -> asio::awaitable<void> {
    auto writer = co_await start.begin(stream_format::multipart("image/jpeg"));
    if (!writer) co_return;
    state.writer = *writer;
    co_await (*writer)->wait_closed();
    state.handler_saw_end = true;
  }));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  std::string received;
  std::uint64_t streams_while_open = 0;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stream = co_await connect(port);
    co_await write_raw(stream, "GET /mjpeg HTTP/1.1\r\nHost: x\r\n\r\n");
    while (!state.writer) co_await sleep_for(5ms);
    for (const char* frame : {"frame-1", "frame-2", "frame-3"}) {
      EXPECT_EQ(state.writer->try_send(shared_payload::copy_of(std::string_view(frame))),
                send_result::queued);
    }
    received = co_await read_until_contains(stream, "frame-3\r\n");
    streams_while_open = srv.metrics().streams_active;
    stream.close();  // the client leaves; the server notices without writing
    co_await wait_until(state.handler_saw_end, 3s);
  });
  const auto header_end = received.find("\r\n\r\n");
  ASSERT_NE(header_end, std::string::npos) << received;
  const auto header = received.substr(0, header_end + 4);
  const auto body = received.substr(header_end + 4);
  EXPECT_TRUE(header.starts_with("HTTP/1.1 200 OK\r\n")) << header;
  EXPECT_NE(header.find("Content-Type: multipart/x-mixed-replace;boundary=tessera-frame\r\n"),
            std::string::npos) << header;
  EXPECT_EQ(header.find("Content-Length"), std::string::npos) << header;
  EXPECT_NE(header.find("Connection: close\r\n"), std::string::npos) << header;
  std::string expected;
  for (const char* frame : {"frame-1", "frame-2", "frame-3"}) {
    expected += std::string("--tessera-frame\r\nContent-Type: image/jpeg\r\nContent-Length: 7\r\n\r\n") +
                frame + "\r\n";
  }
  EXPECT_EQ(body, expected);
  EXPECT_EQ(streams_while_open, 1u);
  EXPECT_TRUE(state.handler_saw_end) << "wait_closed() returns once the client leaves";
  EXPECT_FALSE(state.writer->is_open());
  EXPECT_EQ(state.writer->try_send(shared_payload::copy_of(std::string_view("late"))),
            send_result::closed);
  EXPECT_EQ(srv.metrics().streams_active, 0u);
}

TEST(StreamingResponse, WriterCloseSendsQueuedPartsThenEndsTheResponse) {
  asio::io_context ioc;
  http_server srv(ioc, test_config());
  ASSERT_TRUE(srv.routes().add_stream(verb::get, "/events", [](request_context&, stream_start& start) -> asio::awaitable<void> {
    auto writer = co_await start.begin(stream_format::raw("text/event-stream"));
    if (!writer) co_return;
    (*writer)->try_send(shared_payload::copy_of(std::string_view("data: a\n\n")));
    (*writer)->try_send(shared_payload::copy_of(std::string_view("data: b\n\n")));
    (*writer)->close();
    co_await (*writer)->wait_closed();
  }));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  std::string received;
  boost::system::error_code end;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stream = co_await connect(port);
    co_await write_raw(stream, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
    auto closed = co_await read_until_closed(stream);
    received = closed.first;
    end = closed.second;
  });
  EXPECT_EQ(end, asio::error::eof);
  EXPECT_NE(received.find("Content-Type: text/event-stream\r\n"), std::string::npos) << received;
  EXPECT_TRUE(received.ends_with("\r\n\r\ndata: a\n\ndata: b\n\n")) << received;
}

TEST(StreamingResponse, HandlerCanRefuseWithANormalResponse) {
  asio::io_context ioc;
  http_server srv(ioc, test_config());
  ASSERT_TRUE(srv.routes().add_stream(verb::get, "/sinks/{e}/mjpeg", [](request_context& ctx, stream_start& start) -> asio::awaitable<void> {
    (void)start.refuse(response::error(status::not_found, "no sink " + std::string(ctx.param("e"))));
    co_return;
  }));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  client_response res;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stream = co_await connect(port);
    beast::flat_buffer buffer;
    res = co_await round_trip(stream, buffer, make_request(http::verb::get, "/sinks/x0/mjpeg"));
  });
  EXPECT_EQ(res.result(), http::status::not_found);
  EXPECT_NE(res.body().find("no sink x0"), std::string::npos) << res.body();
  EXPECT_FALSE(res.keep_alive());
}

TEST(StreamingResponse, HandlerThatNeitherBeginsNorRefusesGets500) {
  asio::io_context ioc;
  http_server srv(ioc, test_config());
  ASSERT_TRUE(srv.routes().add_stream(verb::get, "/lazy", [](request_context&, stream_start&) -> asio::awaitable<void> {
    co_return;
  }));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  client_response res;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stream = co_await connect(port);
    beast::flat_buffer buffer;
    res = co_await round_trip(stream, buffer, make_request(http::verb::get, "/lazy"));
  });
  EXPECT_EQ(res.result(), http::status::internal_server_error);
}

TEST(StreamingResponse, SlowStreamClientDropsOldestParts) {
  asio::io_context ioc;
  auto cfg = test_config();
  cfg.send_queue_messages = 2;
  http_server srv(ioc, cfg);
  mjpeg_state state;
  ASSERT_TRUE(srv.routes().add_stream(verb::get, "/mjpeg", [&](request_context&, stream_start& start) -> asio::awaitable<void> {
    auto writer = co_await start.begin(stream_format::multipart("image/jpeg"));
    if (!writer) co_return;
    state.writer = *writer;
    co_await (*writer)->wait_closed();
  }));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  std::uint64_t dropped = 0;
  int drop_results = 0;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stream = co_await connect(port);
    stream.socket().set_option(asio::socket_base::receive_buffer_size(64 * 1024));
    co_await write_raw(stream, "GET /mjpeg HTTP/1.1\r\nHost: x\r\n\r\n");
    while (!state.writer) co_await sleep_for(5ms);
    // 200 x 64 KiB without the client reading: the producer never waits.
    for (int i = 0; i < 200; ++i) {
      const auto r = state.writer->try_send(shared_payload::from_string(std::string(64 * 1024, 'j')));
      if (r == send_result::queued_dropped_oldest) ++drop_results;
      co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    }
    dropped = state.writer->queue().dropped_total();
    stream.close();
  });
  EXPECT_GT(dropped, 0u);
  EXPECT_EQ(static_cast<std::uint64_t>(drop_results), dropped);
}

}  // namespace stream_e2e_test
}  // namespace tessera::net::testing
