#include "net/http_probe.hpp"

#include "net/connection_stream.hpp"
#include "net/tls_context.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace tessera::net {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// The stream, request and parser belong to http_get's frame, which runs the io_context
// until this coroutine has finished: the references outlive every suspension.
asio::awaitable<void> exchange(detail::connection_stream& stream, asio::ip::tcp::endpoint to,
                               const http::request<http::empty_body>& req,
                               http::response_parser<http::string_body>& parser) {
  co_await stream.tcp().async_connect(to, asio::use_awaitable);
  co_await stream.async_handshake(asio::use_awaitable);  // plain: nothing to do
  co_await http::async_write(stream, req, asio::use_awaitable);
  beast::flat_buffer buffer;
  co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
}

}  // namespace

result<probe_reply> http_get(const std::string& host, std::uint16_t port, const std::string& target,
                             std::chrono::milliseconds timeout, probe_transport transport) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return error(errc::invalid_argument, "\"" + host + "\" is not an IP address");
  const std::string authority = (address.is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(port);
  const bool tls = transport == probe_transport::tls;
  const std::string url = (tls ? "https://" : "http://") + authority + target;

  asio::io_context ioc;
  asio::ip::tcp::socket socket(ioc);
  // A health check of this machine's own server: the certificate is not verified
  // (tls_context::local_client_without_verification says why).
  auto stream = tls ? detail::make_tls_stream(std::move(socket), tls_context::local_client_without_verification())
                    : detail::make_plain_stream(std::move(socket));
  // One deadline for connect, handshake, write and read together (tcp_stream applies
  // it to every operation until it is changed).
  stream->expires_after(timeout);
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, authority);
  req.set(http::field::user_agent, "tessera-health");
  req.set(http::field::connection, "close");
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024);

  boost::system::error_code failure;
  asio::co_spawn(ioc, exchange(*stream, asio::ip::tcp::endpoint(address, port), req, parser),
                 [&failure](std::exception_ptr e) {
                   if (!e) return;
                   try {
                     std::rethrow_exception(e);
                   } catch (const boost::system::system_error& se) {
                     failure = se.code();
                   } catch (...) {
                     failure = asio::error::fault;
                   }
                 });
  ioc.run();
  if (failure == beast::error::timeout)
    return error(errc::limit_exceeded,
                 "no answer from " + authority + " within " + std::to_string(timeout.count()) + " ms");
  if (failure) return error(errc::io_error, "GET " + url + ": " + failure.message());
  return probe_reply{parser.get().result_int(), parser.get().body()};
}

}  // namespace tessera::net
