#pragma once
/// Internal: the WebSocket part of a connection, entered from the HTTP session.

#include "net/http_io.hpp"
#include "net/request_context.hpp"
#include "net/router.hpp"
#include "net/session_services.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core.hpp>

#include <optional>

namespace tessera::net::detail {

/// Runs a WebSocket route on `stream` for the upgrade request `req`: the handler decides,
/// the handshake completes, a writer coroutine drains the connection's send queue while
/// the handler reads, and the connection closes with a close frame. Returns the response
/// to send instead when the handler refused (or failed to decide); nullopt when the
/// connection was upgraded (it has then ended). `active` points at the running phase so
/// the session can forward stop requests. Strand only; the caller awaits at once.
boost::asio::awaitable<std::optional<response>> run_websocket_route(
    const session_services& services, boost::beast::tcp_stream& stream,
    const beast_request& req, request_context& ctx, const router::route& route,
    session_phase*& active, bool stopping);

}  // namespace tessera::net::detail
