// End-to-end TLS tests: a real tessera::net::http_server with a certificate made at test
// time by the openssl command (no private key lives in the repository), and clients on
// net's own connection_stream (TLS client side, certificate not verified: the server
// is this process).

#include "net/connection_stream.hpp"
#include "net/http_probe.hpp"
#include "net/http_server.hpp"
#include "net/stream_writer.hpp"
#include "net/tls_context.hpp"
#include "net/websocket_connection.hpp"
#include "tests/net/e2e/test_certificates.hpp"
#include "tests/net/e2e/test_client.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

namespace tessera::net::testing {
namespace tls_e2e_test {

asio::awaitable<response> whoami(request_context& ctx) {
  co_return response::text(status::ok, std::to_string(ctx.remote.port()));
}

using client_stream = std::unique_ptr<detail::connection_stream>;

asio::awaitable<client_stream> tls_connect(std::uint16_t port) {
  auto stream = detail::make_tls_stream(tcp::socket(co_await asio::this_coro::executor),
                                        tls_context::local_client_without_verification());
  stream->expires_after(5s);
  co_await stream->tcp().async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                                       asio::use_awaitable);
  co_await stream->async_handshake(asio::use_awaitable);
  co_return stream;
}

template <class Stream>
asio::awaitable<client_response> tls_round_trip(Stream& stream, beast::flat_buffer& buffer,
                                                http::request<http::string_body> req) {
  stream.expires_after(5s);
  co_await http::async_write(stream, req, asio::use_awaitable);
  client_response res;
  co_await http::async_read(stream, buffer, res, asio::use_awaitable);
  co_return res;
}

template <class Stream>
asio::awaitable<std::pair<std::string, boost::system::error_code>> read_all(Stream& stream,
                                                                          std::chrono::milliseconds limit = 5s) {
  std::string data;
  char chunk[4096];
  stream.expires_after(limit);
  for (;;) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
    data.append(chunk, n);
    if (ec) co_return std::pair{data, ec};
  }
}

TEST(TlsServer, ServesKeepAliveRequestsOverTls) {
  asio::io_context ioc;
  http_server srv(ioc, tls_config());
  ASSERT_TRUE(srv.routes().add(verb::get, "/whoami", whoami));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  std::string first, second;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stream = co_await tls_connect(port);
    beast::flat_buffer buffer;
    auto a = co_await tls_round_trip(*stream, buffer, make_request(http::verb::get, "/whoami"));
    auto b = co_await tls_round_trip(*stream, buffer, make_request(http::verb::get, "/whoami"));
    first = a.body();
    second = b.body();
  });
  EXPECT_FALSE(first.empty());
  EXPECT_EQ(first, second) << "both requests should arrive on one TLS connection";
}

TEST(TlsServer, ClosesWithCloseNotifyAfterTheLastResponse) {
  asio::io_context ioc;
  http_server srv(ioc, tls_config());
  ASSERT_TRUE(srv.routes().add(verb::get, "/whoami", whoami));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  std::string received;
  boost::system::error_code end;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stream = co_await tls_connect(port);
    const std::string request = "GET /whoami HTTP/1.0\r\nHost: x\r\n\r\n";
    co_await asio::async_write(*stream, asio::buffer(request), asio::use_awaitable);
    std::tie(received, end) = co_await read_all(*stream);
  });
  EXPECT_TRUE(received.starts_with("HTTP/1.0 200 OK\r\n")) << received;
  // eof, not stream_truncated: the server ended the TLS session before closing.
  EXPECT_EQ(end, asio::error::eof) << end.message();
}

asio::awaitable<void> echo(request_context&, websocket_upgrade& upgrade) {
  auto conn = co_await upgrade.accept();
  if (!conn) co_return;
  for (;;) {
    auto message = co_await (*conn)->read();
    if (!message) co_return;
    (*conn)->try_send(shared_payload::copy_of(message->data), message->kind);
  }
}

TEST(TlsServer, WebSocketEchoesOverTls) {
  asio::io_context ioc;
  http_server srv(ioc, tls_config());
  ASSERT_TRUE(srv.routes().add_websocket("/ws/echo", echo));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  std::string back;
  std::uint64_t active_while_open = 0;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stream = co_await tls_connect(port);
    stream->expires_never();
    websocket::stream<detail::connection_stream&> ws(*stream);
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    co_await ws.async_handshake("127.0.0.1:" + std::to_string(port), "/ws/echo", asio::use_awaitable);
    ws.text(true);
    co_await ws.async_write(asio::buffer(std::string("over tls")), asio::use_awaitable);
    beast::flat_buffer buffer;
    co_await ws.async_read(buffer, asio::use_awaitable);
    back = beast::buffers_to_string(buffer.data());
    active_while_open = srv.metrics().websockets_active;
    co_await ws.async_close(websocket::close_code::normal, asio::use_awaitable);
  });
  EXPECT_EQ(back, "over tls");
  EXPECT_EQ(active_while_open, 1u);
}

TEST(TlsServer, StopSendsTlsWebSocketsGoingAwayAndRunReturns) {
  asio::io_context ioc;
  http_server srv(ioc, tls_config());
  ASSERT_TRUE(srv.routes().add_websocket("/ws/echo", echo));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  boost::system::error_code ws_end;
  std::uint16_t ws_code = 0;
  clock_type::time_point stop_called;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stream = co_await tls_connect(port);
    stream->expires_never();
    websocket::stream<detail::connection_stream&> ws(*stream);
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    co_await ws.async_handshake("127.0.0.1:" + std::to_string(port), "/ws/echo", asio::use_awaitable);
    while (srv.metrics().websockets_active == 0) co_await sleep_for(5ms);
    stop_called = clock_type::now();
    srv.stop();
    beast::flat_buffer buffer;
    auto [ec, n] = co_await ws.async_read(buffer, asio::as_tuple(asio::use_awaitable));
    ws_end = ec;
    ws_code = ws.reason().code;
  });
  EXPECT_EQ(ws_end, websocket::error::closed) << ws_end.message();
  EXPECT_EQ(ws_code, 1001) << "a TLS WebSocket gets the going-away close frame too";
  EXPECT_TRUE(ioc.stopped()) << "run_for returned because the work ran out, not at the deadline";
  EXPECT_LT(clock_type::now() - stop_called, 3s);
  EXPECT_EQ(srv.metrics().connections_active, 0u);
}

TEST(TlsServer, StreamedPartsReachTheClientOverTls) {
  asio::io_context ioc;
  http_server srv(ioc, tls_config());
  ASSERT_TRUE(srv.routes().add_stream(verb::get, "/parts", [](request_context&, stream_start& start) -> asio::awaitable<void> {
    auto writer = co_await start.begin(stream_format::multipart("text/plain"));
    if (!writer) co_return;
    (*writer)->try_send(shared_payload::from_string("first"));
    (*writer)->try_send(shared_payload::from_string("second"));
    (*writer)->close();
    co_await (*writer)->wait_closed();
  }));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  std::string received;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stream = co_await tls_connect(port);
    const std::string request = "GET /parts HTTP/1.1\r\nHost: x\r\n\r\n";
    co_await asio::async_write(*stream, asio::buffer(request), asio::use_awaitable);
    received = (co_await read_all(*stream)).first;
  });
  EXPECT_TRUE(received.starts_with("HTTP/1.1 200 OK\r\n")) << received;
  EXPECT_NE(received.find("Content-Length: 5\r\n\r\nfirst\r\n--tessera-frame"), std::string::npos) << received;
  EXPECT_NE(received.find("Content-Length: 6\r\n\r\nsecond\r\n"), std::string::npos) << received;
}

TEST(TlsServer, AStalledHandshakeIsCutAtTheHeaderTimeoutWhileOthersAreServed) {
  asio::io_context ioc;
  auto cfg = tls_config();
  cfg.header_timeout = 1s;
  http_server srv(ioc, cfg);
  ASSERT_TRUE(srv.routes().add(verb::get, "/whoami", whoami));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  std::string other_answer;
  boost::system::error_code stalled_end;
  clock_type::duration cut_after{};
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stalled = co_await connect(port);
    const auto started = clock_type::now();
    // A TLS record header announcing a ClientHello, and a few of its bytes: then nothing.
    co_await write_raw(stalled, std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11));
    auto other = co_await tls_connect(port);
    beast::flat_buffer buffer;
    other_answer = (co_await tls_round_trip(*other, buffer, make_request(http::verb::get, "/whoami"))).body();
    stalled_end = (co_await read_until_closed(stalled, 10s)).second;
    cut_after = clock_type::now() - started;
  });
  EXPECT_FALSE(other_answer.empty()) << "another client is served while a handshake stalls";
  EXPECT_NE(stalled_end, beast::error::timeout) << "the server never closed the stalled handshake";
  EXPECT_GE(cut_after, 900ms);
  EXPECT_LT(cut_after, 8s);
}

TEST(TlsServer, PlainHttpOnTheTlsPortGetsAPlain400AndIsClosed) {
  asio::io_context ioc;
  http_server srv(ioc, tls_config());
  ASSERT_TRUE(srv.routes().add(verb::get, "/whoami", whoami));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  std::string received;
  boost::system::error_code end;
  std::string after;
  run_client(ioc, srv, [&]() -> asio::awaitable<void> {
    auto stream = co_await connect(port);
    co_await write_raw(stream, "GET /whoami HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    std::tie(received, end) = co_await read_until_closed(stream);
    auto tls = co_await tls_connect(port);
    beast::flat_buffer buffer;
    after = (co_await tls_round_trip(*tls, buffer, make_request(http::verb::get, "/whoami"))).body();
  });
  EXPECT_TRUE(received.starts_with("HTTP/1.1 400 Bad Request\r\n")) << received;
  EXPECT_NE(received.find("this port speaks HTTPS"), std::string::npos) << received;
  EXPECT_EQ(end, asio::error::eof) << end.message();
  EXPECT_FALSE(after.empty()) << "the server still serves TLS clients";
}

TEST(TlsServer, HttpGetProbeSpeaksTls) {
  asio::io_context ioc;
  http_server srv(ioc, tls_config());
  ASSERT_TRUE(srv.routes().add(verb::get, "/whoami", whoami));
  ASSERT_TRUE(srv.start());
  const auto port = srv.port();
  std::thread server_thread([&ioc] { ioc.run_for(20s); });
  auto over_tls = http_get("127.0.0.1", port, "/whoami", 5s, probe_transport::tls);
  auto plain = http_get("127.0.0.1", port, "/whoami", 5s, probe_transport::plain);
  srv.stop();
  server_thread.join();
  ASSERT_TRUE(over_tls) << over_tls.error().message;
  EXPECT_EQ(over_tls->status, 200u);
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(plain->status, 400u);
}

result<void> start_with(const std::string& cert, const std::string& key) {
  asio::io_context ioc;
  auto cfg = test_config();
  cfg.tls_cert_file = cert;
  cfg.tls_key_file = key;
  http_server srv(ioc, cfg);
  return srv.start();
}

TEST(TlsServer, StartNamesTheFileAndTheProblem) {
  const auto& c = certificates();
  const auto bad = c.write("bad.pem", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
  const auto empty = c.write("empty.pem", "");
  const std::string missing = c.cert() + ".missing";
  struct expectation {
    std::string cert, key;
    std::vector<std::string> words;
  };
  const std::vector<expectation> cases = {
      {missing, c.key(), {missing, "cannot read it"}},
      {c.cert(), missing, {missing, "cannot read it"}},
      {empty, c.key(), {empty, "empty"}},
      {bad, c.key(), {bad, "not a PEM certificate"}},
      {c.key(), c.key(), {c.key(), "not a PEM certificate"}},
      {c.cert(), bad, {bad, "not a PEM private key"}},
      {c.cert(), c.key("other"), {c.key("other"), "does not match the certificate in " + c.cert()}},
      {c.cert(), "", {"tls_cert_file", "without tls_key_file"}},
      {"", c.key(), {"tls_key_file", "without tls_cert_file"}},
  };
  for (const auto& e : cases) {
    SCOPED_TRACE("cert=" + e.cert + " key=" + e.key);
    auto started = start_with(e.cert, e.key);
    ASSERT_FALSE(started);
    for (const auto& w : e.words) EXPECT_NE(started.error().message.find(w), std::string::npos) << started.error().message;
  }
  EXPECT_TRUE(start_with(c.cert(), c.key()));
}

}  // namespace tls_e2e_test
}  // namespace tessera::net::testing
