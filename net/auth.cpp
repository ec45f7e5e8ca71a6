#include "net/auth.hpp"

#include "net/http_message.hpp"

#include <algorithm>
#include <string>

namespace tessera::net {
namespace {

bool is_token68_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = std::max(a.size(), b.size());
  // volatile keeps the compiler from turning the loop into an early-exit comparison.
  volatile unsigned diff = a.size() != b.size() ? 1u : 0u;
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    diff = diff | static_cast<unsigned>(x ^ y);
  }
  return diff == 0;
}

result<std::string_view> parse_bearer(std::string_view authorization) {
  const auto value = trim(authorization);
  if (value.empty()) return fail(errc::parse_error, "Authorization header is empty");
  const auto space = value.find_first_of(" \t");
  const auto scheme = value.substr(0, space);
  if (!iequals(scheme, "Bearer")) {
    return fail(errc::parse_error,
                "Authorization scheme is \"" + std::string(scheme) + "\", expected Bearer");
  }
  if (space == std::string_view::npos) {
    return fail(errc::parse_error, "Authorization: Bearer has no token");
  }
  const auto token = trim(value.substr(space));
  std::size_t i = 0;
  while (i < token.size() && is_token68_char(token[i])) ++i;
  while (i < token.size() && token[i] == '=') ++i;
  if (i == 0 || i != token.size()) {
    return fail(errc::parse_error, "Authorization: Bearer token contains a character at offset " +
                                       std::to_string(i) + " that RFC 6750 does not allow");
  }
  return token;
}

}  // namespace tessera::net
