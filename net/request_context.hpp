#pragma once
/// What a handler knows about one request.

#include "net/http_message.hpp"
#include "net/url.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <string>
#include <string_view>

namespace tessera::net {

/// One request with everything parsed from it. Owned by the connection's session and
/// valid for the duration of the handler call (a handler that keeps data longer copies
/// it). `path`, `query`, `params` and `route` are filled by the router before the
/// pre_route hook (path, query) and before the handler (params, route).
struct request_context {
  net::request request;
  boost::asio::ip::tcp::endpoint remote;  ///< the client's address and port
  bool websocket_upgrade = false;         ///< a WebSocket upgrade request (RFC 6455 4.1)

  std::string path;    ///< decoded path, e.g. "/api/v1/pipelines/p 0"
  param_map query;     ///< decoded query parameters, e.g. token
  param_map params;    ///< decoded path parameters by pattern name, e.g. p -> "p0"
  std::string route;   ///< the matched pattern, empty until routed

  /// The path parameter `name`, or "" when the route has none by that name.
  std::string_view param(std::string_view name) const { return params.get(name).value_or(""); }
  /// The header `name`, if present.
  std::optional<std::string_view> header(std::string_view name) const {
    return request.headers.get(name);
  }
};

}  // namespace tessera::net
