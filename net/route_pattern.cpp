#include "net/route_pattern.hpp"

namespace tessera::net {
namespace {

bool is_param_name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

result<std::vector<std::string>> split_path(std::string_view encoded_path) {
  if (encoded_path.empty() || encoded_path.front() != '/') {
    return fail(errc::parse_error,
                "request path \"" + std::string(encoded_path) + "\" does not start with '/'");
  }
  std::vector<std::string> segments;
  std::string_view rest = encoded_path.substr(1);
  for (;;) {
    const auto slash = rest.find('/');
    auto decoded = percent_decode(rest.substr(0, slash));
    if (!decoded) return decoded.error();
    segments.push_back(std::move(*decoded));
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  return segments;
}

result<route_pattern> route_pattern::parse(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return fail(errc::invalid_argument,
                "route pattern \"" + std::string(text) + "\": " + std::string(why));
  };
  if (text.empty() || text.front() != '/') return bad("must start with '/'");
  route_pattern p;
  p.text_ = std::string(text);
  std::string_view rest = text.substr(1);
  for (;;) {
    const auto slash = rest.find('/');
    const auto seg = rest.substr(0, slash);
    segment s;
    if (!seg.empty() && seg.front() == '{') {
      if (seg.size() < 3 || seg.back() != '}') {
        return bad("segment \"" + std::string(seg) + "\" must be a whole {name}");
      }
      s.text = std::string(seg.substr(1, seg.size() - 2));
      for (char c : s.text) {
        if (!is_param_name_char(c)) {
          return bad("parameter name \"" + s.text + "\" may hold only letters, digits and '_'");
        }
      }
      for (const auto& other : p.segments_) {
        if (other.is_param && other.text == s.text) {
          return bad("parameter {" + s.text + "} appears twice");
        }
      }
      s.is_param = true;
    } else {
      if (seg.find_first_of("{}?#%") != std::string_view::npos) {
        return bad("literal segment \"" + std::string(seg) + "\" contains one of {}?#%");
      }
      s.text = std::string(seg);
    }
    p.segments_.push_back(std::move(s));
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  return p;
}

bool route_pattern::match(const std::vector<std::string>& segments, param_map& params) const {
  if (segments.size() != segments_.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto& s = segments_[i];
    if (s.is_param) {
      if (segments[i].empty()) return false;  // "/pipelines//state" names no pipeline
    } else if (s.text != segments[i]) {
      return false;
    }
  }
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (segments_[i].is_param) params.add(segments_[i].text, segments[i]);
  }
  return true;
}

bool route_pattern::same_shape(const route_pattern& other) const noexcept {
  if (segments_.size() != other.segments_.size()) return false;
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    const auto& a = segments_[i];
    const auto& b = other.segments_[i];
    if (a.is_param != b.is_param) return false;
    if (!a.is_param && a.text != b.text) return false;
  }
  return true;
}

bool route_pattern::more_specific_than(const route_pattern& other) const noexcept {
  const auto n = std::min(segments_.size(), other.segments_.size());
  for (std::size_t i = 0; i < n; ++i) {
    const bool mine = segments_[i].is_param;
    const bool theirs = other.segments_[i].is_param;
    if (mine != theirs) return !mine;
  }
  return false;
}

}  // namespace tessera::net
