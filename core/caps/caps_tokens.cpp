#include "core/caps/caps_tokens.hpp"

#include <charconv>
#include <cstdint>

namespace tessera::core::detail {

std::string quote(std::string_view t) {
  // Appended piecewise: g++ 12 warns falsely (-Wrestrict) on "'" + std::string.
  std::string out;
  out.reserve(t.size() + 2);
  out += '\'';
  out += t;
  out += '\'';
  return out;
}

namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool is_int_syntax(std::string_view t) noexcept {
  if (!t.empty() && (t[0] == '+' || t[0] == '-')) t.remove_prefix(1);
  if (t.empty()) return false;
  for (char c : t) {
    if (!is_digit(c)) return false;
  }
  return true;
}

// Precondition: is_int_syntax(t). Empty on overflow.
std::optional<std::int64_t> to_int64(std::string_view t) noexcept {
  if (t[0] == '+') t.remove_prefix(1);
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size()) return std::nullopt;
  return v;
}

enum class number_status { ok, not_a_number, out_of_range };
struct number {
  number_status status;
  double v;
};

// The whole of t as a double (from_chars syntax plus an optional '+'; "inf" and
// "nan" included: callers that want bare numbers only check the first character).
number to_double(std::string_view t) noexcept {
  if (!t.empty() && t[0] == '+') {
    t.remove_prefix(1);
    if (!t.empty() && (t[0] == '+' || t[0] == '-')) return {number_status::not_a_number, 0};
  }
  if (t.empty()) return {number_status::not_a_number, 0};
  double d = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
  if (end != t.data() + t.size()) return {number_status::not_a_number, 0};
  if (ec == std::errc::result_out_of_range) return {number_status::out_of_range, 0};
  if (ec != std::errc()) return {number_status::not_a_number, 0};
  return {number_status::ok, d};
}

reading problem(std::string p) { return {std::nullopt, std::move(p)}; }
reading ok(value v) { return {std::move(v), {}}; }

// "a/b" with integer syntax on both sides; nullopt if t is not of that shape.
std::optional<reading> read_fraction_syntax(std::string_view t) {
  auto slash = t.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto n = t.substr(0, slash), d = t.substr(slash + 1);
  if (!is_int_syntax(n) || !is_int_syntax(d)) return std::nullopt;
  auto num = to_int64(n), den = to_int64(d);
  if (den && *den == 0) return problem("bad fraction " + quote(t) + ": zero denominator");
  if (!num || !den) return problem("bad fraction " + quote(t) + ": terms do not fit 32 bits");
  auto f = fraction::make(*num, *den);
  if (!f) return problem("bad fraction " + quote(t) + ": terms do not fit 32 bits");
  return ok(value(*f));
}

// How an unquoted token without a cast reads: boolean, int, fraction, double
// (tokens starting like a number) or else a string.
reading read_bare(std::string_view t) {
  if (iequals(t, "true")) return ok(value(true));
  if (iequals(t, "false")) return ok(value(false));
  std::string_view body = t;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) body.remove_prefix(1);
  bool numeric = !body.empty() && (is_digit(body[0]) || (body[0] == '.' && body.size() > 1 &&
                                                         is_digit(body[1])));
  if (!numeric) return ok(value(std::string(t)));
  if (auto f = read_fraction_syntax(t)) return std::move(*f);
  if (is_int_syntax(t)) {
    if (auto i = to_int64(t)) return ok(value(*i));
    return problem("integer " + quote(t) + " does not fit in 64 bits");
  }
  auto d = to_double(t);
  if (d.status == number_status::ok) return ok(value(d.v));
  if (d.status == number_status::out_of_range) {
    return problem("number " + quote(t) + " is out of range for a double");
  }
  return ok(value(std::string(t)));  // "640x480", "1-2": strings that start with digits
}


std::string name_problem(std::string_view what, std::string_view name) {
  if (name.empty()) return "empty " + std::string(what);
  for (char c : name) {
    if (!is_simple_char(c)) {
      return std::string(what) + " " + quote(name) +
             " may only hold letters, digits and _-+/:.";
    }
  }
  return {};
}


}  // namespace

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::optional<cast_type> cast_from_name(std::string_view n) {
  if (n == "int" || n == "i" || n == "int64") return cast_type::integer;
  if (n == "double" || n == "d" || n == "float" || n == "f") return cast_type::real;
  if (n == "boolean" || n == "bool" || n == "b") return cast_type::boolean;
  if (n == "string" || n == "str" || n == "s") return cast_type::string;
  if (n == "fraction") return cast_type::fraction;
  return std::nullopt;
}

reading read_as(cast_type c, std::string_view t, bool quoted) {
  switch (c) {
    case cast_type::none:
      return quoted ? ok(value(std::string(t))) : read_bare(t);
    case cast_type::string:
      return ok(value(std::string(t)));
    case cast_type::integer:
      if (!is_int_syntax(t)) return problem("expected an integer for (int), found " + quote(t));
      if (auto i = to_int64(t)) return ok(value(*i));
      return problem("integer " + quote(t) + " does not fit in 64 bits");
    case cast_type::real: {
      auto d = to_double(t);
      if (d.status == number_status::ok) return ok(value(d.v));
      if (d.status == number_status::out_of_range) {
        return problem("number " + quote(t) + " is out of range for a double");
      }
      return problem("expected a number for (double), found " + quote(t));
    }
    case cast_type::boolean:
      for (auto yes : {"true", "yes", "t", "1"}) {
        if (iequals(t, yes)) return ok(value(true));
      }
      for (auto no : {"false", "no", "f", "0"}) {
        if (iequals(t, no)) return ok(value(false));
      }
      return problem("expected true or false for (boolean), found " + quote(t));
    case cast_type::fraction:
      if (auto f = read_fraction_syntax(t)) return std::move(*f);
      if (is_int_syntax(t)) {
        if (auto i = to_int64(t)) {
          if (auto f = fraction::make(*i, 1)) return ok(value(*f));
        }
        return problem("bad fraction " + quote(t) + ": terms do not fit 32 bits");
      }
      return problem("expected a fraction like 30/1 for (fraction), found " + quote(t));
  }
  return problem("unknown cast");
}

bool is_simple_char(char c) noexcept {
  return is_alpha(c) || is_digit(c) || c == '_' || c == '-' || c == '+' || c == '/' ||
         c == ':' || c == '.';
}

bool bare_string_reads_back(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_simple_char(c)) return false;
  }
  reading r = read_bare(s);
  return r.v && r.v->kind() == value_kind::string;
}

std::string media_type_name_problem(std::string_view name) {
  if (auto p = name_problem("media type name", name); !p.empty()) return p;
  if (!is_alpha(name[0])) return "media type name " + quote(name) + " must start with a letter";
  if (name == "ANY" || name == "EMPTY" || name == "NONE") {
    return quote(name) + " is reserved for caps and cannot be a media type name";
  }
  return {};
}

std::string field_name_problem(std::string_view name) { return name_problem("field name", name); }

}  // namespace tessera::core::detail
