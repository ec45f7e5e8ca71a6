#pragma once
/// Listening address and every bound the HTTP/WebSocket server enforces (docs/deploy.md).

#include "core/support/result.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace tessera::net {

/// The server's configuration: a plain value, copied into the server at construction.
/// Defaults are the product's limits; tests shrink the timeouts. `validate()` names the
/// first field that is out of range.
struct http_server_config {
  std::string bind_address = "127.0.0.1";  ///< IPv4 or IPv6 literal
  std::uint16_t port = 8080;                ///< 0 = ephemeral; server::port() gives the bound one
  /// HTTPS/WSS: PEM certificate chain and private key, both or neither (empty: plain
  /// HTTP). Loaded by http_server::start(), whose error names a bad file.
  std::string tls_cert_file;
  std::string tls_key_file;

  std::size_t max_body_bytes = 1 << 20;            ///< request body; larger -> 413
  std::size_t max_header_bytes = 16 * 1024;        ///< request line + fields; larger -> 431
  std::size_t max_websocket_message_bytes = 1 << 20;  ///< larger -> close code 1009
  std::size_t max_pipelined_requests = 8;  ///< requests read ahead while one is answered
  std::size_t max_connections = 1024;      ///< further accepted sockets are closed at once
  /// Connections open at once from one client address; further ones are answered 503
  /// and closed, so that one client cannot take the server's max_connections.
  std::size_t max_connections_per_address = 64;
  std::size_t send_queue_messages = 8;     ///< default bounded send queue per client (messages)

  /// From the first byte of a request to its last header byte; also the wait for the
  /// first request on a new connection, and for a TLS handshake before it. A client
  /// that trickles headers (or a handshake) is dropped.
  std::chrono::milliseconds header_timeout{std::chrono::seconds(15)};
  /// Reading a request body once its header is complete.
  std::chrono::milliseconds body_timeout{std::chrono::seconds(30)};
  /// A keep-alive connection with no request in flight is closed after this.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  /// Writing one HTTP response or one streamed part.
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};
  /// After stop(), connections still open after this are closed by force.
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(1)};

  /// Checks every field; the error names the field and the value.
  result<void> validate() const;
};

}  // namespace tessera::net
