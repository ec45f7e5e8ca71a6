#include "net/host_origin.hpp"

#include <boost/asio/ip/address.hpp>

#include <charconv>

namespace tessera::net {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~';
}

result<std::uint16_t> parse_port(std::string_view digits, std::string_view whole) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
      value == 0 || value > 65535) {
    return fail(errc::parse_error, "port \"" + std::string(digits) + "\" in \"" +
                                       std::string(whole) + "\" is not a number in 1..65535");
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

std::uint16_t origin_parts::effective_port() const noexcept {
  if (authority.port) return *authority.port;
  if (scheme == "http" || scheme == "ws") return 80;
  if (scheme == "https" || scheme == "wss") return 443;
  return 0;
}

result<host_port> parse_host(std::string_view value) {
  host_port out;
  std::string_view rest;
  if (value.empty()) return fail(errc::parse_error, "Host is empty");
  if (value.front() == '[') {
    const auto close = value.find(']');
    if (close == std::string_view::npos) {
      return fail(errc::parse_error, "Host \"" + std::string(value) + "\" has no closing ']'");
    }
    const auto literal = value.substr(1, close - 1);
    boost::system::error_code ec;
    boost::asio::ip::make_address_v6(std::string(literal), ec);
    if (ec) {
      return fail(errc::parse_error,
                  "Host \"" + std::string(value) + "\" has an invalid IPv6 literal");
    }
    out.host = lower(literal);
    rest = value.substr(close + 1);
  } else {
    const auto colon = value.find(':');
    const auto name = value.substr(0, colon);
    if (name.empty()) return fail(errc::parse_error, "Host \"" + std::string(value) + "\" has no name");
    for (char c : name) {
      if (!is_name_char(c)) {
        return fail(errc::parse_error, "Host \"" + std::string(value) +
                                           "\" contains the character '" + std::string(1, c) + "'");
      }
    }
    out.host = lower(name);
    rest = colon == std::string_view::npos ? std::string_view{} : value.substr(colon);
  }
  if (!rest.empty()) {
    if (rest.front() != ':') {
      return fail(errc::parse_error, "Host \"" + std::string(value) + "\" has text after the host");
    }
    auto port = parse_port(rest.substr(1), value);
    if (!port) return port.error();
    out.port = *port;
  }
  return out;
}

result<origin_parts> parse_origin(std::string_view value) {
  if (value == "null") return fail(errc::parse_error, "Origin is \"null\" (an opaque origin)");
  const auto sep = value.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return fail(errc::parse_error, "Origin \"" + std::string(value) + "\" is not scheme://host[:port]");
  }
  origin_parts out;
  for (char c : value.substr(0, sep)) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '-' || c == '.';
    if (!ok) return fail(errc::parse_error, "Origin \"" + std::string(value) + "\" has a bad scheme");
  }
  out.scheme = lower(value.substr(0, sep));
  const auto authority = value.substr(sep + 3);
  if (authority.find_first_of("/?#@") != std::string_view::npos) {
    return fail(errc::parse_error,
                "Origin \"" + std::string(value) + "\" has a path, query or user part");
  }
  auto hp = parse_host(authority);
  if (!hp) return hp.error();
  out.authority = std::move(*hp);
  return out;
}

bool is_ip_literal(std::string_view host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(std::string(host), ec);
  return !ec;
}

bool is_loopback_host(std::string_view host) {
  const std::string h = lower(host);
  if (h == "localhost" || (h.size() > 10 && h.ends_with(".localhost"))) return true;
  boost::system::error_code ec;
  const auto addr = boost::asio::ip::make_address(h, ec);
  if (ec) return false;
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, addr.to_v6()).is_loopback();
  }
  return addr.is_loopback();
}

}  // namespace tessera::net
