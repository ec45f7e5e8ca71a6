#pragma once
/// Internal: the streamed-response kind of upgraded connection (upgraded_connection.hpp).

#include "net/upgraded_connection.hpp"

#include <memory>

namespace tessera::net::detail {

/// The phase that runs a streaming route: the handler begins (or refuses) the response,
/// the writer writes each queued message as one part while a watcher reads the socket
/// to notice a client that left; the response ends by closing the connection.
/// `version` is the request's HTTP version.
std::unique_ptr<upgraded_connection> make_stream_phase(const session_services& services,
                                                       connection_stream& stream, unsigned version,
                                                       const boost::asio::ip::tcp::endpoint& remote,
                                                       const router::route& route, bool stopping);

}  // namespace tessera::net::detail
