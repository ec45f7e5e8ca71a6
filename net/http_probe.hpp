#pragma once
/// A one-request HTTP/1.1 client for health checks (`tessera health`): connects to an
/// address literal, sends `GET target` with `Connection: close` and reads the answer,
/// all within one deadline. Nothing else: no redirects, no TLS, no keep-alive.

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

/// GET http://host:port/target. `host` is an IPv4 or IPv6 literal (sent as the Host
/// header too, bracketed for IPv6). Errors name the address and the cause: an invalid
/// address (invalid_argument), a refused or failed connection (io_error), or no complete
/// answer before `timeout` (limit_exceeded). The body read is capped at 64 KiB.
result<probe_reply> http_get(const std::string& host, std::uint16_t port, const std::string& target,
                             std::chrono::milliseconds timeout);

}  // namespace tessera::net
