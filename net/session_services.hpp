#pragma once
/// Internal: what every connection shares with the server, and how a connection is
/// asked to stop.

#include "net/metrics.hpp"
#include "net/router.hpp"
#include "net/http_server_config.hpp"
#include "net/tls_context.hpp"

#include <functional>
#include <memory>

namespace tessera::net::detail {

/// Shared read-only by all sessions (and kept alive by them after the server object
/// is gone): configuration, routes, counters and the TLS context.
struct session_services {
  http_server_config config;
  std::shared_ptr<const router> routes;
  std::shared_ptr<server_counters> counters;
  std::shared_ptr<tls_context> tls;  ///< null: plain HTTP
};

/// A live connection as the server sees it. Thread safety: all members may be called
/// from any thread; they post to the connection's strand.
class connection_control {
 public:
  virtual ~connection_control() = default;
  /// Spawns the connection's coroutine; `on_finished` runs (on the strand) when it ends.
  virtual void start(std::function<void()> on_finished) = 0;
  /// Stop admitting requests, finish the one in flight, send WebSocket close frames.
  virtual void request_stop() = 0;
  /// Close the socket now.
  virtual void force_close() = 0;
};

/// The part of a connection that took over from HTTP (a WebSocket or a streamed
/// response), as the HTTP session drives it. Strand only.
class session_phase {
 public:
  virtual void request_stop() = 0;
  virtual void force_close() = 0;

 protected:
  ~session_phase() = default;
};

}  // namespace tessera::net::detail
