#pragma once
/// A one-request HTTP/1.1 client for health checks (`tessera health`): connects to an
/// address literal, sends `GET target` with `Connection: close` and reads the answer,
/// all within one deadline. Over TLS it does not verify the server's certificate (a
/// local check of a server that is usually self-signed). Nothing else: no redirects,
/// no keep-alive.

#include "core/support/result.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace tessera::net {

/// What the server answered.
struct probe_reply {
  unsigned status = 0;
  std::string body;
};

/// Plain HTTP or HTTPS.
enum class probe_transport { plain, tls };

/// GET http://host:port/target (https:// with probe_transport::tls). `host` is an IPv4 or IPv6 literal (sent as the Host
/// header too, bracketed for IPv6). Errors name the address and the cause: an invalid
/// address (invalid_argument), a refused or failed connection (io_error), or no complete
/// answer before `timeout` (limit_exceeded), a failed TLS handshake (io_error). The body
/// read is capped at 64 KiB.
result<probe_reply> http_get(const std::string& host, std::uint16_t port, const std::string& target,
                             std::chrono::milliseconds timeout, probe_transport transport = probe_transport::plain);

}  // namespace tessera::net
