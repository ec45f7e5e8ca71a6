// End-to-end HTTP tests: a real tessera::net::http_server on 127.0.0.1:0, Beast clients.

#include "net/http_server.hpp"

#include "tests/net/e2e/test_client.hpp"

#include <gtest/gtest.h>

namespace tessera::net::testing {
namespace http_e2e_test {

/// Answers the client's port, so a test can tell whether two requests shared a
/// connection.
asio::awaitable<response> whoami(request_context& ctx) {
  co_return response::text(status::ok, std::to_string(ctx.remote.port()));
}

asio::awaitable<response> echo_body(request_context& ctx) {
  co_return response::text(status::ok, ctx.request.body);
}

TEST(HttpServer, KeepAliveServesSeveralRequestsOnOneConnection) {
  asio::io_context ioc;
  http_server srv(ioc, test_config());
  ASSERT_TRUE(srv.routes().add(verb::get, "/whoami", whoami));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  ASSERT_NE(port, 0);
  std::string first, second;
  bool kept_open = false;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stream = co_await connect(port);
    beast::flat_buffer buffer;
    auto a = co_await round_trip(stream, buffer, make_request(http::verb::get, "/whoami"));
    auto b = co_await round_trip(stream, buffer, make_request(http::verb::get, "/whoami"));
    first = a.body();
    second = b.body();
    kept_open = a.keep_alive() && b.keep_alive();
  });
  EXPECT_TRUE(kept_open);
  EXPECT_FALSE(first.empty());
  EXPECT_EQ(first, second) << "both requests should arrive from the same client port";
}

TEST(HttpServer, Http10RequestWithoutKeepAliveIsAnsweredThenClosed) {
  asio::io_context ioc;
  http_server srv(ioc, test_config());
  ASSERT_TRUE(srv.routes().add(verb::get, "/whoami", whoami));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  std::string received;
  boost::system::error_code end;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stream = co_await connect(port);
    co_await write_raw(stream, "GET /whoami HTTP/1.0\r\nHost: x\r\n\r\n");
    auto closed = co_await read_until_closed(stream);
    std::tie(received, end) = closed;
  });
  EXPECT_TRUE(received.starts_with("HTTP/1.0 200 OK\r\n")) << received;
  EXPECT_EQ(end, asio::error::eof);
}

TEST(HttpServer, PipelinedRequestsAreReadAheadAndAnsweredInOrder) {
  for (std::size_t limit : {std::size_t{1}, std::size_t{8}}) {
    SCOPED_TRACE("max_pipelined_requests=" + std::to_string(limit));
    asio::io_context ioc;
    auto cfg = test_config();
    cfg.max_pipelined_requests = limit;
    http_server srv(ioc, cfg);
    std::uint64_t read_while_slow = 0;
    ASSERT_TRUE(srv.routes().add(verb::get, "/slow", [&](request_context&) -> asio::awaitable<response> {
      co_await sleep_for(200ms);
      read_while_slow = srv.metrics().requests_total;
      co_return response::text(status::ok, "slow");
    }));
    ASSERT_TRUE(srv.routes().add(verb::get, "/fast/{n}", [](request_context& ctx) -> asio::awaitable<response> {
      co_return response::text(status::ok, "fast " + std::string(ctx.param("n")));
    }));
    ASSERT_TRUE(srv.start());
    const auto port = srv.port();
    std::vector<std::string> bodies;
    run_client(ioc, srv, [&]() -> asio::awaitable<void> {
      auto stream = co_await connect(port);
      co_await write_raw(stream,
                         "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
                         "GET /fast/1 HTTP/1.1\r\nHost: x\r\n\r\n"
                         "GET /fast/2 HTTP/1.1\r\nHost: x\r\n\r\n"
                         "GET /fast/3 HTTP/1.1\r\nHost: x\r\n\r\n");
      beast::flat_buffer buffer;
      for (int i = 0; i < 4; ++i) {
        auto res = co_await read_response(stream, buffer);
        bodies.push_back(res.body());
      }
    });
    EXPECT_EQ(bodies, (std::vector<std::string>{"slow", "fast 1", "fast 2", "fast 3"}));
    // While /slow runs: with room for 8, all 4 are read; with room for 1, the reader
    // holds #2 queued and #3 waiting for room, and #4 stays unread.
    EXPECT_EQ(read_while_slow, limit == 1 ? 3u : 4u);
  }
}

TEST(HttpServer, OversizedBodyIsRefusedWith413AndConnectionClose) {
  asio::io_context ioc;
  http_server srv(ioc, test_config());  // max_body_bytes: 1 MiB
  bool handler_ran = false;
  ASSERT_TRUE(srv.routes().add(verb::post, "/upload", [&](request_context&) -> asio::awaitable<response> {
    handler_ran = true;
    co_return response::empty(status::no_content);
  }));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  client_response res;
  client_response chunked_res;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    {
      auto stream = co_await connect(port);
      beast::flat_buffer buffer;
      res = co_await round_trip(stream, buffer,
                                make_request(http::verb::post, "/upload", std::string((1 << 20) + 1, 'x')));
    }
    {
      // Chunked: the size is only known while reading.
      auto stream = co_await connect(port);
      std::string body = "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
      const std::string chunk(64 * 1024, 'y');
      for (int i = 0; i < 17; ++i) body += "10000\r\n" + chunk + "\r\n";
      body += "0\r\n\r\n";
      co_await write_raw(stream, body);
      beast::flat_buffer buffer;
      chunked_res = co_await read_response(stream, buffer);
    }
  });
  EXPECT_EQ(res.result(), http::status::payload_too_large);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_NE(res.body().find("1048576"), std::string::npos) << res.body();
  EXPECT_EQ(chunked_res.result(), http::status::payload_too_large);
  EXPECT_FALSE(handler_ran);
}

TEST(HttpServer, BodyAtTheLimitIsAccepted) {
  asio::io_context ioc;
  auto cfg = test_config();
  cfg.max_body_bytes = 1000;
  http_server srv(ioc, cfg);
  ASSERT_TRUE(srv.routes().add(verb::post, "/echo", echo_body));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  client_response res;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stream = co_await connect(port);
    beast::flat_buffer buffer;
    res = co_await round_trip(stream, buffer, make_request(http::verb::post, "/echo", std::string(1000, 'z')));
  });
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), std::string(1000, 'z'));
}

TEST(HttpServer, OversizedHeaderIsRefusedWith431) {
  asio::io_context ioc;
  auto cfg = test_config();
  cfg.max_header_bytes = 4096;
  http_server srv(ioc, cfg);
  ASSERT_TRUE(srv.routes().add(verb::get, "/whoami", whoami));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  client_response res;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stream = co_await connect(port);
    auto req = make_request(http::verb::get, "/whoami");
    req.set("X-Padding", std::string(8000, 'p'));
    beast::flat_buffer buffer;
    res = co_await round_trip(stream, buffer, req);
  });
  EXPECT_EQ(res.result(), http::status::request_header_fields_too_large);
}

TEST(HttpServer, MalformedRequestGets400) {
  asio::io_context ioc;
  http_server srv(ioc, test_config());
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  std::string received;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stream = co_await connect(port);
    co_await write_raw(stream, "GET / HTTP/1.1\r\nBad Header Line\r\n\r\n");
    auto closed = co_await read_until_closed(stream);
    received = closed.first;
  });
  EXPECT_TRUE(received.starts_with("HTTP/1.1 400 Bad Request")) << received;
}

/// Sends one header byte every 100 ms: each byte arrives well within any per-read
/// timeout, but the header as a whole never completes.
asio::awaitable<void> trickle(beast::tcp_stream& stream) {
  for (int i = 0; i < 50; ++i) {
    co_await sleep_for(100ms);
    auto [ec, n] = co_await asio::async_write(stream, asio::buffer("a", 1),
                                              asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
  }
}

TEST(HttpServer, ClientTricklingHeadersIsDroppedAtTheHeaderTimeout) {
  using namespace asio::experimental::awaitable_operators;
  asio::io_context ioc;
  auto cfg = test_config();
  cfg.header_timeout = 1s;
  http_server srv(ioc, cfg);
  ASSERT_TRUE(srv.routes().add(verb::get, "/whoami", whoami));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  std::chrono::milliseconds dropped_after{0};
  std::optional<std::pair<std::string, boost::system::error_code>> closed;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stream = co_await connect(port);
    const auto started = clock_type::now();
    co_await write_raw(stream, "GET /whoami HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    auto outcome = co_await (trickle(stream) || read_until_closed(stream, 5s));
    dropped_after =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started);
    if (outcome.index() == 1) closed = std::get<1>(outcome);
  });
  ASSERT_TRUE(closed.has_value()) << "the server never closed the connection";
  EXPECT_EQ(closed->first, "") << "a dropped trickler gets no response";
  EXPECT_TRUE(closed->second == asio::error::eof ||
              closed->second == asio::error::connection_reset)
      << closed->second.message();
  EXPECT_GE(dropped_after, 900ms);
  EXPECT_LE(dropped_after, 2000ms);
}

TEST(HttpServer, IdleKeepAliveConnectionIsClosedAfterTheIdleTimeout) {
  asio::io_context ioc;
  auto cfg = test_config();
  cfg.idle_timeout = 400ms;
  http_server srv(ioc, cfg);
  ASSERT_TRUE(srv.routes().add(verb::get, "/whoami", whoami));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  std::chrono::milliseconds closed_after{0};
  boost::system::error_code end;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stream = co_await connect(port);
    beast::flat_buffer buffer;
    auto first = co_await round_trip(stream, buffer, make_request(http::verb::get, "/whoami"));
    EXPECT_EQ(first.result(), http::status::ok);
    const auto answered = clock_type::now();
    auto closed = co_await read_until_closed(stream);
    end = closed.second;
    closed_after = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - answered);
  });
  EXPECT_EQ(end, asio::error::eof);
  EXPECT_GE(closed_after, 350ms);
  EXPECT_LE(closed_after, 1500ms);
}

TEST(HttpServer, SlowHandlerIsNotCutByTheIdleTimeout) {
  asio::io_context ioc;
  auto cfg = test_config();
  cfg.idle_timeout = 200ms;
  http_server srv(ioc, cfg);
  ASSERT_TRUE(srv.routes().add(verb::get, "/slow", [](request_context&) -> asio::awaitable<response> {
    co_await sleep_for(600ms);
    co_return response::text(status::ok, "done");
  }));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  client_response res;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stream = co_await connect(port);
    beast::flat_buffer buffer;
    res = co_await round_trip(stream, buffer, make_request(http::verb::get, "/slow"));
  });
  EXPECT_EQ(res.body(), "done");
}

TEST(HttpServer, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  asio::io_context ioc;
  http_server srv(ioc, test_config());
  ASSERT_TRUE(srv.routes().add(verb::get, "/api/v1/pipelines/{p}", whoami));
  ASSERT_TRUE(srv.routes().add(verb::delete_, "/api/v1/pipelines/{p}", whoami));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  client_response missing, wrong;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stream = co_await connect(port);
    beast::flat_buffer buffer;
    missing = co_await round_trip(stream, buffer, make_request(http::verb::get, "/api/v2/nothing"));
    wrong = co_await round_trip(stream, buffer, make_request(http::verb::post, "/api/v1/pipelines/p0", "{}"));
  });
  EXPECT_EQ(missing.result(), http::status::not_found);
  EXPECT_EQ(missing[http::field::content_type], "application/json");
  EXPECT_EQ(wrong.result(), http::status::method_not_allowed);
  EXPECT_EQ(wrong[http::field::allow], "GET, HEAD, DELETE");
  const auto m = srv.metrics();
  EXPECT_EQ(m.requests_not_found, 1u);
  EXPECT_EQ(m.requests_method_not_allowed, 1u);
}

TEST(HttpServer, HeadIsServedByTheGetRouteWithoutBody) {
  asio::io_context ioc;
  http_server srv(ioc, test_config());
  ASSERT_TRUE(srv.routes().add(verb::get, "/doc", [](request_context&) -> asio::awaitable<response> {
    co_return response::text(status::ok, "twelve bytes");
  }));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  std::string received;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stream = co_await connect(port);
    co_await write_raw(stream, "HEAD /doc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    auto closed = co_await read_until_closed(stream);
    received = closed.first;
  });
  EXPECT_TRUE(received.starts_with("HTTP/1.1 200 OK\r\n")) << received;
  EXPECT_NE(received.find("Content-Length: 12\r\n"), std::string::npos) << received;
  EXPECT_TRUE(received.ends_with("\r\n\r\n")) << "no body after the header: " << received;
}

TEST(HttpServer, ExceptionInHandlerBecomes500AndConnectionSurvives) {
  asio::io_context ioc;
  http_server srv(ioc, test_config());
  ASSERT_TRUE(srv.routes().add(verb::get, "/boom", [](request_context&) -> asio::awaitable<response> {
    throw std::runtime_error("boom");
    co_return response::empty(status::ok);
  }));
  ASSERT_TRUE(srv.routes().add(verb::get, "/whoami", whoami));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  client_response failed, after;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stream = co_await connect(port);
    beast::flat_buffer buffer;
    failed = co_await round_trip(stream, buffer, make_request(http::verb::get, "/boom"));
    after = co_await round_trip(stream, buffer, make_request(http::verb::get, "/whoami"));
  });
  EXPECT_EQ(failed.result(), http::status::internal_server_error);
  EXPECT_EQ(after.result(), http::status::ok);
}

TEST(HttpServer, ConnectionsOverTheLimitAreRefusedWith503) {
  asio::io_context ioc;
  auto cfg = test_config();
  cfg.max_connections = 2;
  http_server srv(ioc, cfg);
  ASSERT_TRUE(srv.routes().add(verb::get, "/whoami", whoami));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  std::string third;
  client_response first_again;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto a = co_await connect(port);
    auto b = co_await connect(port);
    beast::flat_buffer buffer;
    // Make sure both are accepted and registered before the third arrives.
    auto ra = co_await round_trip(a, buffer, make_request(http::verb::get, "/whoami"));
    auto rb = co_await round_trip(b, buffer, make_request(http::verb::get, "/whoami"));
    EXPECT_EQ(ra.result(), http::status::ok);
    EXPECT_EQ(rb.result(), http::status::ok);
    auto c = co_await connect(port);
    auto closed = co_await read_until_closed(c);
    third = closed.first;
    first_again = co_await round_trip(a, buffer, make_request(http::verb::get, "/whoami"));
  });
  EXPECT_TRUE(third.starts_with("HTTP/1.1 503 Service Unavailable\r\n")) << third;
  EXPECT_EQ(first_again.result(), http::status::ok);
  EXPECT_EQ(srv.metrics().connections_rejected, 1u);
  EXPECT_EQ(srv.metrics().connections_accepted, 2u);
}

TEST(HttpServer, PreRouteHookAnswersBeforeRouting) {
  asio::io_context ioc;
  http_server srv(ioc, test_config());
  ASSERT_TRUE(srv.routes().add(verb::get, "/secret", whoami));
  ASSERT_TRUE(srv.routes().set_pre_route([](const request_context& ctx) -> std::optional<response> {
    if (ctx.query.get("token") == "t0k") return std::nullopt;
    return response::error(status::unauthorized, "token required");
  }));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  client_response refused, allowed;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stream = co_await connect(port);
    beast::flat_buffer buffer;
    refused = co_await round_trip(stream, buffer, make_request(http::verb::get, "/secret"));
    allowed = co_await round_trip(stream, buffer, make_request(http::verb::get, "/secret?token=t0k"));
  });
  EXPECT_EQ(refused.result(), http::status::unauthorized);
  EXPECT_EQ(allowed.result(), http::status::ok);
}

TEST(HttpServer, PerRouteCountsAndLatencyAreRecorded) {
  asio::io_context ioc;
  http_server srv(ioc, test_config());
  ASSERT_TRUE(srv.routes().add(verb::get, "/slow", [](request_context&) -> asio::awaitable<response> {
    co_await sleep_for(50ms);
    co_return response::empty(status::ok);
  }));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stream = co_await connect(port);
    beast::flat_buffer buffer;
    for (int i = 0; i < 3; ++i) {
      auto r = co_await round_trip(stream, buffer, make_request(http::verb::get, "/slow"));
      EXPECT_EQ(r.result(), http::status::ok);
    }
  });
  const auto m = srv.metrics();
  ASSERT_EQ(m.routes.size(), 1u);
  EXPECT_EQ(m.routes[0].method, "GET");
  EXPECT_EQ(m.routes[0].pattern, "/slow");
  EXPECT_EQ(m.routes[0].requests, 3u);
  EXPECT_GE(m.routes[0].latency_sum, 150ms);
  EXPECT_LT(m.routes[0].latency_sum, 3s);
  EXPECT_EQ(m.requests_total, 3u);
  EXPECT_EQ(m.connections_accepted, 1u);
}

TEST(HttpServer, StartFailsWithANamedErrorWhenThePortIsTaken) {
  asio::io_context ioc;
  http_server first(ioc, test_config());
  ASSERT_TRUE(first.start());
  auto cfg = test_config();
  cfg.port = first.port();
  http_server second(ioc, cfg);
  auto r = second.start();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error() == errc::bind_failed);
  EXPECT_NE(r.error().message.find("127.0.0.1:" + std::to_string(first.port())), std::string::npos)
      << r.error().message;
  first.stop();
  second.stop();
  ioc.run_for(2s);
}

TEST(HttpServer, RoutesCannotBeAddedAfterStart) {
  asio::io_context ioc;
  http_server srv(ioc, test_config());
  ASSERT_TRUE(srv.start());
  auto r = srv.routes().add(verb::get, "/late", whoami);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error() == errc::bad_state);
  srv.stop();
  ioc.run_for(2s);
}

}  // namespace http_e2e_test
}  // namespace tessera::net::testing
