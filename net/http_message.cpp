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

std::string json_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (char c : s) {
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
        } else {
          out += c;
        }
    }
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
