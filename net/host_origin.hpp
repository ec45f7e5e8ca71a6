#pragma once
/// Policy-free parsing of the `Host` and `Origin` headers, for the server layer's
/// DNS-rebinding and cross-site WebSocket checks. Hosts come out lower-cased, IPv6
/// literals without brackets, so two spellings of one authority compare equal.

#include "core/support/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::net {

/// A host with an optional port, as in `Host: example.com:8080` or `[::1]`.
struct host_port {
  std::string host;                   ///< lower-case name or IP literal (IPv6 without [])
  std::optional<std::uint16_t> port;  ///< absent when not written

  bool operator==(const host_port&) const = default;
};

/// An `Origin` header: scheme, host and port (no path, per RFC 6454).
struct origin_parts {
  std::string scheme;  ///< lower-case, e.g. "http"
  host_port authority;

  /// The written port, else the scheme's default (80 http/ws, 443 https/wss, 0 unknown).
  std::uint16_t effective_port() const noexcept;
};

/// Parses a Host header value (uri-host [":" port]).
result<host_port> parse_host(std::string_view value);

/// Parses an Origin header value. The opaque origin "null" is an error.
result<origin_parts> parse_origin(std::string_view value);

/// True for "localhost", names under ".localhost", 127.0.0.0/8 and ::1.
bool is_loopback_host(std::string_view host);

/// True when `host` is an IPv4 or IPv6 literal (without brackets).
bool is_ip_literal(std::string_view host);

}  // namespace tessera::net
