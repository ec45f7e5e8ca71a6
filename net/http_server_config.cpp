#include "net/http_server_config.hpp"

#include <boost/asio/ip/address.hpp>

#include <string>

namespace tessera::net {
namespace {

std::string ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

}  // namespace

result<void> http_server_config::validate() const {
  boost::system::error_code ec;
  boost::asio::ip::make_address(bind_address, ec);
  if (ec) {
    return fail(errc::invalid_argument,
                "bind_address \"" + bind_address + "\" is not an IPv4 or IPv6 address");
  }
  if (tls_cert_file.empty() != tls_key_file.empty()) {
    return fail(errc::invalid_argument, tls_cert_file.empty()
                                            ? "tls_key_file \"" + tls_key_file + "\" is given without tls_cert_file"
                                            : "tls_cert_file \"" + tls_cert_file + "\" is given without tls_key_file");
  }
  auto positive = [](std::size_t v, const char* name) -> result<void> {
    if (v == 0) return fail(errc::invalid_argument, std::string(name) + " must be at least 1");
    return {};
  };
  for (auto [v, name] : {std::pair{max_body_bytes, "max_body_bytes"},
                         std::pair{max_header_bytes, "max_header_bytes"},
                         std::pair{max_websocket_message_bytes, "max_websocket_message_bytes"},
                         std::pair{max_pipelined_requests, "max_pipelined_requests"},
                         std::pair{max_connections, "max_connections"},
                         std::pair{max_connections_per_address, "max_connections_per_address"},
                         std::pair{send_queue_messages, "send_queue_messages"}}) {
    if (auto r = positive(v, name); !r) return r;
  }
  if (max_header_bytes > 1024 * 1024) {
    return fail(errc::invalid_argument, "max_header_bytes " + std::to_string(max_header_bytes) +
                                            " exceeds 1048576 (1 MiB)");
  }
  for (auto [d, name] : {std::pair{header_timeout, "header_timeout"},
                         std::pair{body_timeout, "body_timeout"},
                         std::pair{idle_timeout, "idle_timeout"},
                         std::pair{write_timeout, "write_timeout"}}) {
    if (d.count() <= 0) {
      return fail(errc::invalid_argument, std::string(name) + " must be positive, got " + ms(d));
    }
  }
  if (shutdown_grace.count() < 0) {
    return fail(errc::invalid_argument, "shutdown_grace must not be negative, got " +
                                            ms(shutdown_grace));
  }
  return {};
}

}  // namespace tessera::net
