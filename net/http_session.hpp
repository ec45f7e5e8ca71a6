#pragma once
/// Internal: one accepted connection, from its first HTTP request to its close.

#include "net/session_services.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <memory>

namespace tessera::net::detail {

/// Creates the session for an accepted socket (the socket's executor must be the
/// connection's own strand). Nothing runs until start().
std::shared_ptr<connection_control> make_http_session(
    std::shared_ptr<const session_services> services, boost::asio::ip::tcp::socket socket);

}  // namespace tessera::net::detail
