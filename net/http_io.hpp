#pragma once
/// Internal: reading one request and writing one response on any Beast stream, and
/// converting between Beast messages and net's request/response.
///
/// Templated on the stream so the session uses it on its connection_stream (plain TCP or
/// TLS) and the tests on beast::test::stream (with fail_count). Timeouts stay with the
/// caller: `prepare` is called with the step about to start, and the session arms the
/// TCP layer's expires_after there. Include only from net's .cpp files and tests: it pulls in Beast.

#include "net/http_message.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace tessera::net::detail {

using beast_request = boost::beast::http::request<boost::beast::http::string_body>;
using beast_response = boost::beast::http::response<boost::beast::http::string_body>;

/// The step read_request is about to start, for the caller's timeouts.
enum class io_step { header, body, write_continue };

struct read_limits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1 << 20;
  bool may_send_continue = false;  ///< answer `Expect: 100-continue` (nothing else in flight)
};

/// The result of reading one request.
struct read_outcome {
  enum class kind {
    request,   ///< `request` holds a complete request
    closed,    ///< the connection ended or failed (`ec` says why); nothing to answer
    rejected,  ///< malformed or over a limit: answer `rejection`, then close
  };
  kind what = kind::closed;
  beast_request request;
  std::optional<response> rejection;
  boost::system::error_code ec;
};

/// Sorts a read error into closed (EOF, reset, timeout, cancelled) or rejected
/// (400 malformed, 413 body over the limit, 431 header over the limit).
read_outcome classify_read_error(boost::system::error_code ec, const read_limits& limits);

/// The 400 answer for a header Beast accepts but RFC 9112 does not (section 3.2: more
/// than one Host field line); nullopt when the header is acceptable.
std::optional<response> check_header_fields(const beast_request& req);

/// Header fields copied, body moved out of `req`.
net::request to_net_request(beast_request& req);

/// The Beast response for `r` (body moved), with Content-Length and Connection set.
/// `head_only`: Content-Length of the body, but no body (a HEAD answered by GET).
beast_response to_beast_response(response&& r, unsigned version, bool keep_alive,
                                 bool head_only);

/// True for a WebSocket upgrade request (GET, Connection: upgrade, Upgrade: websocket).
bool is_websocket_upgrade(const beast_request& req);

/// "127.0.0.1:5000" / "[::1]:5000", for log lines and error messages.
std::string endpoint_text(const boost::asio::ip::tcp::endpoint& ep);

template <class Stream, class Prepare>
boost::asio::awaitable<read_outcome> read_request(Stream& stream,
                                                  boost::beast::flat_buffer& buffer,
                                                  read_limits limits, Prepare prepare) {
  namespace asio = boost::asio;
  namespace http = boost::beast::http;
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(limits.max_body_bytes);

  prepare(io_step::header);
  // Beast's parser applies header_limit to the bytes of one put(), and drops the fields
  // it has already consumed: a header trickled in small reads would pass any limit. So
  // the header is fed here, read by read, and each put gets what is left of the total.
  std::size_t header_used = 0;
  for (;;) {
    boost::system::error_code pec = http::error::need_more;
    if (buffer.size() > 0) {
      parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes - header_used));
      const auto used = parser.put(buffer.data(), pec);
      buffer.consume(used);
      header_used += used;
      if (pec && pec != http::error::need_more) co_return classify_read_error(pec, limits);
      if (parser.is_header_done()) break;
      // What is buffered now belongs to the unfinished header.
      if (header_used + buffer.size() >= limits.max_header_bytes) {
        co_return classify_read_error(http::error::header_limit, limits);
      }
    }
    const auto chunk = boost::beast::read_size(buffer, 65536);
    if (chunk == 0) co_return classify_read_error(http::error::header_limit, limits);
    auto [rec, rn] = co_await stream.async_read_some(buffer.prepare(chunk),
                                                     asio::as_tuple(asio::use_awaitable));
    buffer.commit(rn);
    if (rec == asio::error::eof) {
      if (!parser.got_some()) co_return classify_read_error(http::error::end_of_stream, limits);
      boost::system::error_code eec;
      parser.put_eof(eec);
      co_return classify_read_error(eec ? eec : http::error::partial_message, limits);
    }
    if (rec) co_return classify_read_error(rec, limits);
  }
  if (auto refusal = check_header_fields(parser.get())) {
    read_outcome out;
    out.what = read_outcome::kind::rejected;
    out.rejection = std::move(refusal);
    co_return out;
  }

  if (!parser.is_done()) {
    if (limits.may_send_continue && iequals(parser.get()[http::field::expect], "100-continue")) {
      http::response<http::empty_body> go_on{http::status::continue_, parser.get().version()};
      prepare(io_step::write_continue);
      auto [wec, wn] =
          co_await http::async_write(stream, go_on, asio::as_tuple(asio::use_awaitable));
      if (wec) co_return classify_read_error(wec, limits);
    }
    prepare(io_step::body);
    auto [bec, bn] =
        co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (bec) co_return classify_read_error(bec, limits);
  }
  read_outcome out;
  out.what = read_outcome::kind::request;
  out.request = parser.release();
  co_return out;
}

template <class Stream>
boost::asio::awaitable<boost::system::error_code> write_response(Stream& stream,
                                                                 beast_response& res) {
  namespace asio = boost::asio;
  auto [ec, n] = co_await boost::beast::http::async_write(stream, res,
                                                          asio::as_tuple(asio::use_awaitable));
  co_return ec;
}

}  // namespace tessera::net::detail
