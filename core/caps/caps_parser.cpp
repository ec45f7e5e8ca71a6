#include "core/caps/caps_parser.hpp"

#include "core/caps/caps.hpp"
#include "core/caps/caps_tokens.hpp"
#include "core/caps/structure.hpp"
#include "core/caps/value.hpp"

#include <cstdint>
#include <vector>

namespace tessera::core::detail {
namespace {

// Lists nest by recursion; untrusted text must not be able to exhaust the stack.
constexpr int max_list_depth = 16;

/// Recursive-descent parser over one text; positions are byte offsets into it.
class parser {
 public:
  parser(std::string_view text, std::string_view subject) : text_(text), subject_(subject) {}

  std::size_t failed_at() const noexcept { return failed_at_; }

  result<caps> whole_caps() {
    skip_ws();
    if (at_end()) return caps::new_empty();
    std::size_t start = pos_;
    std::string_view word = simple_token();
    if (word == "ANY" || word == "EMPTY" || word == "NONE") {
      skip_ws();
      if (!at_end()) return expected(pos_, "end of input after " + std::string(word));
      return word == "ANY" ? caps::new_any() : caps::new_empty();
    }
    pos_ = start;
    std::vector<structure> structures;
    for (;;) {
      auto s = parse_structure();
      if (!s) return s.error();
      structures.push_back(std::move(*s));
      skip_ws();
      if (at_end()) break;
      if (peek() != ';') return expected(pos_, "',' or ';'");
      ++pos_;
      skip_ws();
      if (at_end()) break;  // a trailing ';' is allowed
    }
    return caps::from_structures(std::move(structures));
  }

  result<structure> whole_structure() {
    auto s = parse_structure();
    if (!s) return s.error();
    skip_ws();
    if (!at_end()) return expected(pos_, "',' or end of input");
    return s;
  }

  result<value> whole_value() {
    auto v = typed_value(cast_type::none, 0);
    if (!v) return v.error();
    skip_ws();
    if (!at_end()) return expected(pos_, "end of input after the value");
    return v;
  }

 private:
  bool at_end() const noexcept { return pos_ >= text_.size(); }
  char peek() const noexcept { return at_end() ? '\0' : text_[pos_]; }
  void skip_ws() noexcept {
    while (!at_end() && is_space(text_[pos_])) ++pos_;
  }
  std::string_view simple_token() noexcept {
    std::size_t start = pos_;
    while (!at_end() && is_simple_char(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  // What is at pos, for "found ..." in messages.
  std::string describe(std::size_t pos) const {
    if (pos >= text_.size()) return "end of input";
    std::size_t end = pos;
    while (end < text_.size() && end - pos < 24 && is_simple_char(text_[end])) ++end;
    if (end > pos) return quote(text_.substr(pos, end - pos));
    return quote(printable(text_.substr(pos, 1)));
  }

  static std::string printable(std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (char c : s) {
      auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f) {
        out += "\\x";
        out += hex[u >> 4];
        out += hex[u & 15];
      } else {
        out += c;
      }
    }
    return out;
  }

  error fail_at(std::size_t pos, const std::string& what) {
    failed_at_ = pos;
    // Long texts are shown as a window around the offset, so messages stay bounded.
    constexpr std::size_t window = 200;
    std::string shown;
    if (text_.size() <= window) {
      shown = printable(text_);
    } else {
      std::size_t from = pos > window / 2 ? pos - window / 2 : 0;
      shown = (from > 0 ? "..." : "") + printable(text_.substr(from, window)) +
              (from + window < text_.size() ? "..." : "");
    }
    return error(errc::parse_error, std::string(subject_) + ": " + what + " at offset " +
                                        std::to_string(pos) + " in \"" + shown + "\"");
  }
  error expected(std::size_t pos, const std::string& what) {
    return fail_at(pos, "expected " + what + ", found " + describe(pos));
  }

  result<structure> parse_structure() {
    skip_ws();
    std::size_t at = pos_;
    std::string_view name = simple_token();
    if (name.empty()) return expected(at, "a media type name (like video/x-raw)");
    if (auto p = media_type_name_problem(name); !p.empty()) return fail_at(at, p);
    auto s = structure::make(name);
    if (!s) return fail_at(at, s.error().message);
    for (;;) {
      skip_ws();
      if (peek() != ',') break;
      ++pos_;
      skip_ws();
      std::size_t field_at = pos_;
      std::string_view field = simple_token();
      if (field.empty()) return expected(field_at, "a field name");
      if (s->has_field(field)) return fail_at(field_at, "duplicate field " + quote(field));
      skip_ws();
      if (peek() != '=') return expected(pos_, "'=' after field name " + quote(field));
      ++pos_;
      auto v = typed_value(cast_type::none, 0);
      if (!v) return v.error();
      if (auto set = s->set(field, std::move(*v)); !set) return fail_at(field_at, set.error().message);
    }
    return s;
  }

  result<value> typed_value(cast_type outer, int depth) {
    skip_ws();
    cast_type c = outer;
    if (peek() == '(') {
      auto cast = parse_cast();
      if (!cast) return cast.error();
      c = *cast;
      skip_ws();
    }
    if (peek() == '[') return parse_range(c);
    if (peek() == '{') return parse_list(c, depth + 1);
    return parse_scalar(c);
  }

  result<cast_type> parse_cast() {
    std::size_t at = pos_;
    ++pos_;  // '('
    skip_ws();
    std::string_view name = simple_token();
    skip_ws();
    if (peek() != ')') return expected(pos_, "')' to close the type cast");
    ++pos_;
    if (auto c = cast_from_name(name)) return *c;
    return fail_at(at, "unknown cast " + quote(text_.substr(at, pos_ - at)) +
                           " (known: int, double, boolean, string, fraction)");
  }

  result<value> parse_scalar(cast_type c) {
    std::size_t at = pos_;
    std::string text;
    bool quoted = peek() == '"';
    if (quoted) {
      ++pos_;
      for (;;) {
        if (at_end()) return fail_at(at, "unterminated quoted string");
        char ch = text_[pos_++];
        if (ch == '"') break;
        if (ch == '\\') {
          if (at_end()) return fail_at(at, "unterminated quoted string");
          ch = text_[pos_++];
        }
        text += ch;
      }
    } else {
      std::string_view token = simple_token();
      if (token.empty()) return expected(at, "a value");
      text = token;
    }
    reading r = read_as(c, text, quoted);
    if (!r.v) return fail_at(at, r.problem);
    return std::move(*r.v);
  }

  result<value> parse_range(cast_type c) {
    std::size_t open = pos_;
    ++pos_;  // '['
    struct bound {
      value v;
      std::size_t at;
    };
    std::vector<bound> bounds;
    for (;;) {
      skip_ws();
      cast_type bound_cast = c;
      if (peek() == '(') {
        auto cast = parse_cast();
        if (!cast) return cast.error();
        bound_cast = *cast;
        skip_ws();
      }
      std::size_t at = pos_;
      if (peek() == '[' || peek() == '{') {
        return fail_at(at, "range bounds must be numbers, not ranges or lists");
      }
      auto v = parse_scalar(bound_cast);
      if (!v) return v.error();
      bounds.push_back({std::move(*v), at});
      skip_ws();
      if (peek() == ']') {
        ++pos_;
        break;
      }
      if (peek() == ',' && bounds.size() < 3) {
        ++pos_;
        continue;
      }
      return expected(pos_, "']' to close range");
    }
    if (bounds.size() < 2) return fail_at(open, "a range needs two bounds: [min,max]");
    return range_from_bounds(open, bounds);
  }

  template <class Bounds>
  result<value> range_from_bounds(std::size_t open, const Bounds& bounds) {
    bool any_real = false, any_fraction = false;
    for (const auto& b : bounds) {
      switch (b.v.kind()) {
        case value_kind::integer: break;
        case value_kind::real: any_real = true; break;
        case value_kind::fraction: any_fraction = true; break;
        default:
          return fail_at(b.at, "range bounds must be numbers, found " +
                                   std::string(kind_name(b.v.kind())) + " " + b.v.to_string());
      }
    }
    if (bounds.size() == 3 && (any_real || any_fraction)) {
      return fail_at(bounds[2].at, "only int ranges take a step");
    }
    if (any_real && any_fraction) return fail_at(open, "range mixes double and fraction bounds");
    result<value> r = value();
    if (any_real) {
      auto as_double = [](const value& v) {
        if (auto i = v.as_int()) return static_cast<double>(*i);
        return *v.as_double();
      };
      r = value::make_double_range(as_double(bounds[0].v), as_double(bounds[1].v));
    } else if (any_fraction) {
      fraction ends[2];
      for (int i = 0; i < 2; ++i) {
        if (auto f = bounds[i].v.as_fraction()) {
          ends[i] = *f;
        } else {
          auto whole = fraction::make(*bounds[i].v.as_int(), 1);
          if (!whole) return fail_at(bounds[i].at, whole.error().message);
          ends[i] = *whole;
        }
      }
      r = value::make_fraction_range(ends[0], ends[1]);
    } else {
      std::int64_t step = bounds.size() == 3 ? *bounds[2].v.as_int() : 1;
      r = value::make_int_range(*bounds[0].v.as_int(), *bounds[1].v.as_int(), step);
    }
    if (!r) return fail_at(open, r.error().message);
    return r;
  }

  result<value> parse_list(cast_type c, int depth) {
    std::size_t open = pos_;
    if (depth > max_list_depth) {
      return fail_at(open, "lists nested deeper than " + std::to_string(max_list_depth));
    }
    ++pos_;  // '{'
    skip_ws();
    if (peek() == '}') return fail_at(open, "a list needs at least one value");
    std::vector<value> items;
    for (;;) {
      auto v = typed_value(c, depth);
      if (!v) return v.error();
      items.push_back(std::move(*v));
      skip_ws();
      if (peek() == '}') {
        ++pos_;
        break;
      }
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      return expected(pos_, "'}' to close list");
    }
    auto r = value::make_list(std::move(items));
    if (!r) return fail_at(open, r.error().message);
    return r;
  }

  std::string_view text_;
  std::string_view subject_;
  std::size_t pos_ = 0;
  std::size_t failed_at_ = 0;
};


}  // namespace

result<value> parse_value_text(std::string_view text) {
  return parser(text, "value").whole_value();
}

result<structure> parse_structure_text(std::string_view text) {
  return parser(text, "structure").whole_structure();
}

result<caps> parse_caps_text(std::string_view text, std::size_t* error_offset) {
  parser p(text, "caps");
  auto r = p.whole_caps();
  if (!r && error_offset) *error_offset = p.failed_at();
  return r;
}


}  // namespace tessera::core::detail
