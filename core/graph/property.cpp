#include "core/graph/property.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <limits>
#include <cmath>
#include <cstring>

namespace tessera::core {
namespace {

std::string fmt_number(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e18) return std::to_string(static_cast<long long>(v));
  std::string s = std::to_string(v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

error bad_value(std::string_view owner, const property_spec& spec, std::string_view detail) {
  std::string msg(owner);
  msg += ": property \"" + spec.name + "\" ";
  msg += detail;
  return error(errc::invalid_argument, std::move(msg));
}

error out_of_range(std::string_view owner, const property_spec& spec, std::string_view shown) {
  return bad_value(owner, spec,
                   std::string("value ") + std::string(shown) + " is out of range " + spec.range_text());
}

std::int64_t pack_fraction(fraction_value f) {
  return static_cast<std::int64_t>((static_cast<std::uint64_t>(static_cast<std::uint32_t>(f.num)) << 32) |
                                   static_cast<std::uint32_t>(f.den));
}
fraction_value unpack_fraction(std::int64_t bits) {
  const auto u = static_cast<std::uint64_t>(bits);
  return {static_cast<std::int32_t>(u >> 32), static_cast<std::int32_t>(u & 0xffffffffu)};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

template <class T>
bool parse_number(std::string_view s, T& out) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

/// An integer as GStreamer reads one: decimal, or hexadecimal after 0x (colours are
/// written 0xRRGGBBAA), with an optional sign.
bool parse_integer(std::string_view s, std::int64_t& out) {
  s = trim(s);
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    std::uint64_t u = 0;
    const std::string_view digits = s.substr(2);
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), u, 16);
    if (ec != std::errc() || p != digits.data() + digits.size()) return false;
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return false;
    out = negative ? -static_cast<std::int64_t>(u) : static_cast<std::int64_t>(u);
    return true;
  }
  if (negative) return parse_number("-" + std::string(s), out);
  return parse_number(s, out);
}

result<property_value> check_int(const property_spec& spec, std::int64_t v, std::string_view owner) {
  if (v < spec.int_min || v > spec.int_max) return out_of_range(owner, spec, std::to_string(v));
  return property_value{v};
}

result<property_value> check_double(const property_spec& spec, double v, std::string_view owner) {
  if (!std::isfinite(v) || v < spec.min || v > spec.max) return out_of_range(owner, spec, fmt_number(v));
  return property_value{v};
}

result<property_value> check_fraction(const property_spec& spec, fraction_value f, std::string_view owner) {
  const std::string shown = std::to_string(f.num) + "/" + std::to_string(f.den);
  if (f.den <= 0) return bad_value(owner, spec, "value " + shown + " has a zero or negative denominator");
  const double q = static_cast<double>(f.num) / f.den;
  if (q < spec.min || q > spec.max) return out_of_range(owner, spec, shown);
  return property_value{f};
}

bool equal_ignoring_case(std::string_view a, std::string_view b) noexcept {
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return lower(x) == lower(y); });
}

// An enum value by nick in any case (pattern=ball, pattern=BALL) or by number
// (pattern=18), as the spec's values are GStreamer's own numbers where it has them.
result<property_value> check_enum_nick(const property_spec& spec, std::string_view nick, std::string_view owner) {
  for (auto& e : spec.enum_entries)
    if (equal_ignoring_case(e.nick, nick)) return property_value{enum_value{e.value, e.nick}};
  std::int64_t n = 0;
  if (parse_number(nick, n))
    for (auto& e : spec.enum_entries)
      if (e.value == n) return property_value{enum_value{e.value, e.nick}};
  std::string allowed;
  for (auto& e : spec.enum_entries)
    allowed += (allowed.empty() ? "" : ", ") + e.nick + " (" + std::to_string(e.value) + ")";
  return bad_value(owner, spec, "has no value \"" + std::string(nick) + "\"; allowed: {" + allowed + "}");
}

result<property_value> check_string(const property_spec& spec, std::string s, std::string_view owner) {
  if (spec.validate) {
    if (auto problem = spec.validate(s); !problem.empty()) return bad_value(owner, spec, problem);
  }
  return property_value{std::move(s)};
}

}  // namespace

std::string_view to_string(property_type t) noexcept {
  switch (t) {
    case property_type::integer: return "int";
    case property_type::real: return "double";
    case property_type::boolean: return "bool";
    case property_type::string: return "string";
    case property_type::fraction: return "fraction";
    case property_type::enumeration: return "enum";
  }
  return "unknown";
}

std::string_view to_string(mutability m) noexcept {
  switch (m) {
    case mutability::construct_only: return "construct-only";
    case mutability::ready: return "ready";
    case mutability::paused: return "paused";
    case mutability::playing: return "playing";
  }
  return "unknown";
}

std::string to_string(const property_value& v) {
  struct visitor {
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return fmt_number(d); }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(fraction_value f) const { return std::to_string(f.num) + "/" + std::to_string(f.den); }
    std::string operator()(const enum_value& e) const { return e.nick; }
  };
  return std::visit(visitor{}, v);
}

std::string property_spec::range_text() const {
  switch (type) {
    case property_type::integer: return "[" + std::to_string(int_min) + ", " + std::to_string(int_max) + "]";
    case property_type::real: return "[" + fmt_number(min) + ", " + fmt_number(max) + "]";
    case property_type::fraction: return "[" + fmt_number(min) + ", " + fmt_number(max) + "] (as num/den)";
    case property_type::boolean: return "{true, false}";
    case property_type::enumeration: {
      std::string s = "{";
      for (std::size_t i = 0; i < enum_entries.size(); ++i) {
        if (i) s += ", ";
        s += enum_entries[i].nick;
      }
      return s + "}";
    }
    case property_type::string: return "";
  }
  return "";
}

property_spec int_property(std::string name, std::string blurb, std::int64_t def, std::int64_t min,
                           std::int64_t max, mutability m) {
  property_spec s{std::move(name), std::move(blurb), property_type::integer, def};
  s.int_min = min;
  s.int_max = max;
  s.mutable_in = m;
  return s;
}

property_spec double_property(std::string name, std::string blurb, double def, double min, double max,
                              mutability m) {
  property_spec s{std::move(name), std::move(blurb), property_type::real, def};
  s.min = min;
  s.max = max;
  s.mutable_in = m;
  return s;
}

property_spec bool_property(std::string name, std::string blurb, bool def, mutability m) {
  property_spec s{std::move(name), std::move(blurb), property_type::boolean, def};
  s.mutable_in = m;
  return s;
}

property_spec string_property(std::string name, std::string blurb, std::string def, mutability m) {
  property_spec s{std::move(name), std::move(blurb), property_type::string, std::move(def)};
  s.mutable_in = m;
  return s;
}

property_spec fraction_property(std::string name, std::string blurb, fraction_value def,
                                fraction_value min, fraction_value max, mutability m) {
  property_spec s{std::move(name), std::move(blurb), property_type::fraction, def};
  s.min = static_cast<double>(min.num) / min.den;
  s.max = static_cast<double>(max.num) / max.den;
  s.mutable_in = m;
  return s;
}

property_spec enum_property(std::string name, std::string blurb, std::string default_nick,
                            std::vector<enum_entry> entries, mutability m) {
  property_spec s{std::move(name), std::move(blurb), property_type::enumeration, std::int64_t{0}};
  for (auto& e : entries)
    if (e.nick == default_nick) s.default_value = enum_value{e.value, e.nick};
  s.enum_entries = std::move(entries);
  s.mutable_in = m;
  return s;
}

result<property_value> parse_property_value(const property_spec& spec, std::string_view text,
                                            std::string_view owner) {
  switch (spec.type) {
    case property_type::integer: {
      std::int64_t v = 0;
      if (!parse_integer(text, v))
        return bad_value(owner, spec, "expects an integer in " + spec.range_text() + ", got \"" + std::string(text) + "\"");
      return check_int(spec, v, owner);
    }
    case property_type::real: {
      double v = 0;
      if (!parse_number(text, v))
        return bad_value(owner, spec, "expects a number in " + spec.range_text() + ", got \"" + std::string(text) + "\"");
      return check_double(spec, v, owner);
    }
    case property_type::boolean: {
      const auto t = trim(text);
      if (t == "true" || t == "1" || t == "yes" || t == "TRUE" || t == "True") return property_value{true};
      if (t == "false" || t == "0" || t == "no" || t == "FALSE" || t == "False") return property_value{false};
      return bad_value(owner, spec, "expects true or false, got \"" + std::string(text) + "\"");
    }
    case property_type::string: return check_string(spec, std::string(text), owner);
    case property_type::fraction: {
      const auto t = trim(text);
      const auto slash = t.find('/');
      fraction_value f;
      std::int64_t num = 0, den = 1;
      const bool ok = slash == std::string_view::npos
                          ? parse_number(t, num)
                          : parse_number(t.substr(0, slash), num) && parse_number(t.substr(slash + 1), den);
      if (!ok || num > INT32_MAX || num < INT32_MIN || den > INT32_MAX || den < INT32_MIN)
        return bad_value(owner, spec, "expects a fraction like 30/1, got \"" + std::string(text) + "\"");
      f.num = static_cast<std::int32_t>(num);
      f.den = static_cast<std::int32_t>(den);
      return check_fraction(spec, f, owner);
    }
    case property_type::enumeration: return check_enum_nick(spec, trim(text), owner);
  }
  return bad_value(owner, spec, "has an unknown type");
}

result<property_value> coerce_property_value(const property_spec& spec, const property_value& v,
                                             std::string_view owner) {
  if (auto* s = std::get_if<std::string>(&v); s && spec.type != property_type::string)
    return parse_property_value(spec, *s, owner);
  const auto type_error = [&] {
    return bad_value(owner, spec, std::string("expects a value of type ") + std::string(to_string(spec.type)) +
                                      ", got " + to_string(v));
  };
  switch (spec.type) {
    case property_type::integer:
      if (auto* i = std::get_if<std::int64_t>(&v)) return check_int(spec, *i, owner);
      if (auto* d = std::get_if<double>(&v); d && std::floor(*d) == *d && std::fabs(*d) < 9e18)
        return check_int(spec, static_cast<std::int64_t>(*d), owner);
      return type_error();
    case property_type::real:
      if (auto* d = std::get_if<double>(&v)) return check_double(spec, *d, owner);
      if (auto* i = std::get_if<std::int64_t>(&v)) return check_double(spec, static_cast<double>(*i), owner);
      return type_error();
    case property_type::boolean:
      if (auto* b = std::get_if<bool>(&v)) return property_value{*b};
      return type_error();
    case property_type::string:
      if (auto* s = std::get_if<std::string>(&v)) return check_string(spec, *s, owner);
      return type_error();
    case property_type::fraction:
      if (auto* f = std::get_if<fraction_value>(&v)) return check_fraction(spec, *f, owner);
      if (auto* i = std::get_if<std::int64_t>(&v); i && *i <= INT32_MAX && *i >= INT32_MIN)
        return check_fraction(spec, {static_cast<std::int32_t>(*i), 1}, owner);
      return type_error();
    case property_type::enumeration:
      if (auto* e = std::get_if<enum_value>(&v)) return check_enum_nick(spec, e->nick, owner);
      if (auto* i = std::get_if<std::int64_t>(&v)) return check_enum_nick(spec, std::to_string(*i), owner);
      return type_error();
  }
  return type_error();
}

property_store::property_store(const std::vector<property_spec>& specs)
    : specs_(specs), slots_(new slot[specs.size()]), strings_(specs.size()) {
  for (std::size_t i = 0; i < specs.size(); ++i) set(i, specs[i].default_value);
}

double property_store::get_double(std::size_t i) const noexcept {
  return std::bit_cast<double>(slots_[i].bits.load(std::memory_order_relaxed));
}

fraction_value property_store::get_fraction(std::size_t i) const noexcept {
  return unpack_fraction(slots_[i].bits.load(std::memory_order_relaxed));
}

std::string property_store::get_string(std::size_t i) const {
  std::lock_guard lock(strings_mutex_);
  return strings_[i];
}

property_value property_store::get(std::size_t i) const {
  const auto& spec = specs_[i];
  switch (spec.type) {
    case property_type::integer: return get_int(i);
    case property_type::real: return get_double(i);
    case property_type::boolean: return get_bool(i);
    case property_type::string: return get_string(i);
    case property_type::fraction: return get_fraction(i);
    case property_type::enumeration: {
      const auto v = get_enum(i);
      for (auto& e : spec.enum_entries)
        if (e.value == v) return enum_value{v, e.nick};
      return enum_value{v, std::to_string(v)};
    }
  }
  return std::int64_t{0};
}

void property_store::set(std::size_t i, const property_value& v) {
  auto& bits = slots_[i].bits;
  if (auto* n = std::get_if<std::int64_t>(&v)) bits.store(*n, std::memory_order_relaxed);
  else if (auto* d = std::get_if<double>(&v)) bits.store(std::bit_cast<std::int64_t>(*d), std::memory_order_relaxed);
  else if (auto* b = std::get_if<bool>(&v)) bits.store(*b ? 1 : 0, std::memory_order_relaxed);
  else if (auto* f = std::get_if<fraction_value>(&v)) bits.store(pack_fraction(*f), std::memory_order_relaxed);
  else if (auto* e = std::get_if<enum_value>(&v)) bits.store(e->value, std::memory_order_relaxed);
  else if (auto* s = std::get_if<std::string>(&v)) {
    std::lock_guard lock(strings_mutex_);
    strings_[i] = *s;
  }
}

}  // namespace tessera::core
