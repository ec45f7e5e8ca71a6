// Fuzz target: the request headers tessera reads before routing: Host, Origin and
// Authorization (each from a remote client, before any authentication). The input is
// one header value; every parser must answer or refuse it, never crash.

#include "net/auth.hpp"
#include "net/host_origin.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  if (auto host = tessera::net::parse_host(value)) {
    (void)tessera::net::is_loopback_host(host->host);
    (void)tessera::net::is_ip_literal(host->host);
  }
  if (auto origin = tessera::net::parse_origin(value)) (void)origin->effective_port();
  if (auto token = tessera::net::parse_bearer(value))
    TESSERA_FUZZ_CHECK(value.find(*token) != std::string_view::npos, "the bearer token is not part of the header");
  const auto half = value.substr(0, size / 2), rest = value.substr(size / 2);
  TESSERA_FUZZ_CHECK(tessera::net::constant_time_equal(half, rest) == (half == rest),
                     "constant_time_equal disagrees with ==");
  return 0;
}
