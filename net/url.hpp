#pragma once
/// Request-target parsing: path/query split, percent-decoding, query parameters.

#include "core/support/result.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera::net {

/// Name/value pairs in order, looked up by exact name (first match). A value type used
/// for path parameters (`{p}` -> "p0") and query parameters (`?token=...`).
class param_map {
 public:
  void add(std::string name, std::string value) {
    items_.emplace_back(std::move(name), std::move(value));
  }
  std::optional<std::string_view> get(std::string_view name) const {
    for (const auto& [n, v] : items_) {
      if (n == name) return std::string_view(v);
    }
    return std::nullopt;
  }
  bool contains(std::string_view name) const { return get(name).has_value(); }
  auto begin() const noexcept { return items_.begin(); }
  auto end() const noexcept { return items_.end(); }
  std::size_t size() const noexcept { return items_.size(); }
  bool empty() const noexcept { return items_.empty(); }
  void clear() noexcept { items_.clear(); }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

/// A request-target cut at the first '?'; both views point into the target.
struct target_parts {
  std::string_view path;   ///< still percent-encoded
  std::string_view query;  ///< without the '?'; empty when absent
};
target_parts split_target(std::string_view target) noexcept;

/// Decodes %XX escapes (and '+' as space when `plus_is_space`, for query strings).
/// A '%' not followed by two hex digits is an error that quotes the input.
result<std::string> percent_decode(std::string_view s, bool plus_is_space = false);

/// Parses `a=1&b=x%20y&flag` into decoded pairs (a name without '=' has an empty value).
result<param_map> parse_query(std::string_view query);

}  // namespace tessera::net
