#pragma once
/// Path patterns such as `/api/v1/pipelines/{p}/elements/{e}/properties/{name}`.

#include "core/support/result.hpp"
#include "net/url.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace tessera::net {

/// Splits an encoded path ("/a/b%20c") into decoded segments ({"a", "b c"}). Splitting
/// happens before decoding, so "%2F" stays inside its segment. "/" gives {""}.
/// Errors: the path does not start with '/', or a bad percent-escape.
result<std::vector<std::string>> split_path(std::string_view encoded_path);

/// A parsed pattern: literal segments and whole-segment `{name}` parameters.
/// A value type; immutable after parse().
class route_pattern {
 public:
  /// Errors name the pattern and the offending segment: it must start with '/', a
  /// parameter must be a whole segment `{[A-Za-z0-9_]+}`, names must be unique.
  static result<route_pattern> parse(std::string_view text);

  const std::string& text() const noexcept { return text_; }

  /// True when `segments` (from split_path) fit; then each parameter's segment is added
  /// to `params` under its name.
  bool match(const std::vector<std::string>& segments, param_map& params) const;

  /// Same number of segments, the same literals and parameters at the same places
  /// (parameter names may differ).
  bool same_shape(const route_pattern& other) const noexcept;

  /// For two patterns matching one path: true when this one has a literal where `other`
  /// has a parameter at the first place they differ (`/p/stats` beats `/p/{id}`).
  bool more_specific_than(const route_pattern& other) const noexcept;

 private:
  struct segment {
    std::string text;  ///< literal text, or the parameter's name
    bool is_param = false;
  };
  std::string text_;
  std::vector<segment> segments_;
};

}  // namespace tessera::net
