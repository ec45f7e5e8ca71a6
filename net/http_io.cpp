#include "net/http_io.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <string>

namespace tessera::net::detail {

namespace http = boost::beast::http;

read_outcome classify_read_error(boost::system::error_code ec, const read_limits& limits) {
  read_outcome out;
  out.ec = ec;
  if (ec == http::error::body_limit) {
    out.what = read_outcome::kind::rejected;
    out.rejection = response::error(
        status::payload_too_large,
        "request body exceeds the limit of " + std::to_string(limits.max_body_bytes) + " bytes");
  } else if (ec == http::error::header_limit) {
    out.what = read_outcome::kind::rejected;
    out.rejection = response::error(
        status::request_header_fields_too_large,
        "request header exceeds the limit of " + std::to_string(limits.max_header_bytes) +
            " bytes");
  } else if (ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
             ec != http::error::end_of_stream && ec != http::error::partial_message &&
             ec != http::error::need_more && ec != http::error::need_buffer) {
    out.what = read_outcome::kind::rejected;
    out.rejection = response::error(status::bad_request, "malformed request: " + ec.message());
  } else {
    out.what = read_outcome::kind::closed;
  }
  return out;
}

std::optional<response> check_header_fields(const beast_request& req) {
  if (req.count(http::field::host) > 1) {
    return response::error(status::bad_request,
                           "malformed request: more than one Host header (RFC 9112 section 3.2)");
  }
  return std::nullopt;
}

net::request to_net_request(beast_request& req) {
  net::request out;
  out.method = req.method();
  out.method_text = std::string(req.method_string());
  out.target = std::string(req.target());
  out.version = req.version();
  out.keep_alive = req.keep_alive();
  for (const auto& f : req) out.headers.add(std::string(f.name_string()), std::string(f.value()));
  out.body = std::move(req.body());
  return out;
}

beast_response to_beast_response(response&& r, unsigned version, bool keep_alive,
                                 bool head_only) {
  beast_response res{r.code, version};
  for (auto& [name, value] : r.headers) {
    // Framing is the session's: a handler's own Content-Length could desynchronize
    // the connection.
    if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding")) {
      continue;
    }
    res.insert(name, value);
  }
  const auto body_size = r.body.size();
  const bool bodiless = http::to_status_class(r.code) == http::status_class::informational ||
                        r.code == status::no_content || r.code == status::not_modified;
  if (bodiless) {
    // RFC 9110 6.4.1: these never carry content, whatever the handler put there.
  } else if (head_only) {
    res.content_length(body_size);
  } else {
    res.body() = std::move(r.body);
    res.prepare_payload();
  }
  res.keep_alive(keep_alive);
  return res;
}

bool is_websocket_upgrade(const beast_request& req) {
  return boost::beast::websocket::is_upgrade(req);
}

std::string endpoint_text(const boost::asio::ip::tcp::endpoint& ep) {
  const auto address = ep.address().to_string();
  const auto port = std::to_string(ep.port());
  return ep.address().is_v6() ? "[" + address + "]:" + port : address + ":" + port;
}

}  // namespace tessera::net::detail
