#include "net/http_message.hpp"

#include <algorithm>
#include <cstdio>

namespace tessera::net {

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

namespace {

/// The length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlong forms,
/// no surrogates, nothing past U+10FFFF), or 0 when the bytes there are not one.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char b0 = byte(0);
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) n = 2;
  else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;       // overlong
    else if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;       // overlong
    else if (b0 == 0xF4) hi = 0x8F;  // past U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size() || byte(1) < lo || byte(1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (byte(k) < 0x80 || byte(k) > 0xBF) return 0;
  return n;
}

}  // namespace

std::string json_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else if (const std::size_t n = utf8_sequence_length(s, i); n > 0) {
          out.append(s, i, n);
          i += n;
          continue;
        } else {
          // JSON text is UTF-8 (RFC 8259): a byte that is not (a decoded %FF in a
          // path, echoed in an error) becomes U+FFFD, so the reply stays JSON.
          out += "\\ufffd";
        }
    }
    ++i;
  }
  out += '"';
  return out;
}

void header_map::add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

void header_map::set(std::string name, std::string value) {
  erase(name);
  add(std::move(name), std::move(value));
}

void header_map::erase(std::string_view name) {
  std::erase_if(fields_, [&](const field& f) { return iequals(f.first, name); });
}

std::optional<std::string_view> header_map::get(std::string_view name) const {
  for (const auto& f : fields_) {
    if (iequals(f.first, name)) return std::string_view(f.second);
  }
  return std::nullopt;
}

response response::text(status code, std::string body, std::string content_type) {
  response r;
  r.code = code;
  r.headers.set("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

response response::json(status code, std::string body) {
  return text(code, std::move(body), "application/json");
}

response response::error(status code, std::string_view message) {
  return json(code, "{\"error\":{\"code\":" + std::to_string(static_cast<unsigned>(code)) +
                        ",\"message\":" + json_quote(message) + "}}");
}

response response::empty(status code) {
  response r;
  r.code = code;
  return r;
}

}  // namespace tessera::net
