#pragma once
/// Internal: the streamed-response part of a connection, entered from the HTTP session.

#include "net/request_context.hpp"
#include "net/router.hpp"
#include "net/session_services.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core.hpp>

#include <optional>

namespace tessera::net::detail {

/// Runs a streaming route on `stream`: the handler begins (or refuses) the response, a
/// writer coroutine writes each queued message as one part while a watcher reads the
/// socket to notice a client that left; the response ends by closing the connection.
/// Returns the response to send instead when the handler refused (or failed to
/// decide); nullopt when the stream ran. `version` is the request's HTTP version.
/// Strand only; the caller awaits at once.
boost::asio::awaitable<std::optional<response>> run_stream_route(
    const session_services& services, boost::beast::tcp_stream& stream, unsigned version,
    request_context& ctx, const router::route& route, session_phase*& active, bool stopping);

}  // namespace tessera::net::detail
