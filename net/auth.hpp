#pragma once
/// Policy-free helpers for token authentication: the server layer decides which requests
/// need a token; these only parse and compare.

#include "core/support/result.hpp"

#include <string_view>

namespace tessera::net {

/// Compares two secrets in time that depends only on the longer length, never on where
/// they first differ (so a token cannot be guessed byte by byte from response times).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

/// The token of an `Authorization: Bearer <token>` value (RFC 6750 token68; the scheme
/// is case-insensitive). The view points into `authorization`. Errors say what was found
/// instead ("scheme is \"Basic\", expected Bearer").
result<std::string_view> parse_bearer(std::string_view authorization);

}  // namespace tessera::net
