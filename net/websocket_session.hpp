#pragma once
/// Internal: the WebSocket kind of upgraded connection (upgraded_connection.hpp).

#include "net/http_io.hpp"
#include "net/upgraded_connection.hpp"

#include <memory>

namespace tessera::net::detail {

/// The phase that runs a WebSocket route for the upgrade request `req`: the handler
/// decides, the handshake completes, the writer drains the connection's send queue as
/// WebSocket messages while the handler reads, and the connection ends with a close
/// frame.
std::unique_ptr<upgraded_connection> make_websocket_phase(const session_services& services,
                                                          connection_stream& stream,
                                                          const beast_request& req,
                                                          const boost::asio::ip::tcp::endpoint& remote,
                                                          const router::route& route, bool stopping);

}  // namespace tessera::net::detail
