#include "net/websocket_connection.hpp"

#include <boost/asio/use_awaitable.hpp>

namespace tessera::net {

boost::asio::awaitable<void> websocket_connection::wait_closed() {
  for (;;) {
    auto message = co_await read();
    if (!message) co_return;
  }
}

}  // namespace tessera::net
