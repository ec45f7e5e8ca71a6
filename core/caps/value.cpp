#include "core/caps/value.hpp"

#include "core/caps/caps_parser.hpp"
#include "core/caps/caps_tokens.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace tessera::core {

std::string_view kind_name(value_kind k) noexcept {
  switch (k) {
    case value_kind::integer: return "int";
    case value_kind::real: return "double";
    case value_kind::boolean: return "boolean";
    case value_kind::string: return "string";
    case value_kind::fraction: return "fraction";
    case value_kind::int_range: return "int range";
    case value_kind::double_range: return "double range";
    case value_kind::fraction_range: return "fraction range";
    case value_kind::list: return "list";
  }
  return "unknown";
}

result<value> value::make_int_range(std::int64_t min, std::int64_t max, std::int64_t step) {
  auto text = [&] {
    std::string t(1, '[');
    t += std::to_string(min);
    t += ',';
    t += std::to_string(max);
    if (step != 1) {
      t += ',';
      t += std::to_string(step);
    }
    t += ']';
    return t;
  };
  if (step <= 0) {
    return fail(errc::invalid_argument, "int range " + text() + " needs a step > 0");
  }
  if (min > max) {
    return fail(errc::invalid_argument, "int range " + text() + " has min greater than max");
  }
  if (min % step != 0 || max % step != 0) {
    return fail(errc::invalid_argument, "int range " + text() + " has bounds that are not multiples of step " +
                                            std::to_string(step));
  }
  if (min == max) return value(min);
  value v;
  v.v_ = core::int_range{min, max, step};
  return v;
}

result<value> value::make_double_range(double min, double max) {
  if (std::isnan(min) || std::isnan(max)) {
    return fail(errc::invalid_argument, "double range bounds must not be NaN");
  }
  if (min > max) {
    value lo(min), hi(max);
    return fail(errc::invalid_argument, "double range [" + lo.to_string() + "," + hi.to_string() +
                                            "] has min greater than max");
  }
  if (min == max) return value(min);
  value v;
  v.v_ = core::double_range{min, max};
  return v;
}

result<value> value::make_fraction_range(fraction min, fraction max) {
  if (min > max) {
    return fail(errc::invalid_argument, "fraction range [" + min.to_string() + "," +
                                            max.to_string() + "] has min greater than max");
  }
  if (min == max) return value(min);
  value v;
  v.v_ = core::fraction_range{min, max};
  return v;
}

result<value> value::make_list(std::vector<value> items) {
  list_type flat;
  flat.reserve(items.size());
  auto add = [&flat](value&& item) {
    if (std::find(flat.begin(), flat.end(), item) == flat.end()) flat.push_back(std::move(item));
  };
  for (auto& item : items) {
    if (item.kind() == value_kind::list) {
      // Members of an existing list are already flat and normalised.
      for (auto& inner : std::get<list_type>(item.v_)) add(std::move(inner));
    } else {
      add(std::move(item));
    }
  }
  if (flat.empty()) return fail(errc::invalid_argument, "a list needs at least one value");
  if (flat.size() == 1) return std::move(flat.front());
  return value(list_tag{}, std::move(flat));
}

result<value> value::parse(std::string_view text) { return detail::parse_value_text(text); }

std::optional<std::int64_t> value::as_int() const noexcept {
  if (auto* p = std::get_if<std::int64_t>(&v_)) return *p;
  return std::nullopt;
}
std::optional<double> value::as_double() const noexcept {
  if (auto* p = std::get_if<double>(&v_)) return *p;
  return std::nullopt;
}
std::optional<bool> value::as_bool() const noexcept {
  if (auto* p = std::get_if<bool>(&v_)) return *p;
  return std::nullopt;
}
std::optional<std::string_view> value::as_string() const noexcept {
  if (auto* p = std::get_if<std::string>(&v_)) return std::string_view(*p);
  return std::nullopt;
}
std::optional<fraction> value::as_fraction() const noexcept {
  if (auto* p = std::get_if<fraction>(&v_)) return *p;
  return std::nullopt;
}
std::optional<core::int_range> value::as_int_range() const noexcept {
  if (auto* p = std::get_if<core::int_range>(&v_)) return *p;
  return std::nullopt;
}
std::optional<core::double_range> value::as_double_range() const noexcept {
  if (auto* p = std::get_if<core::double_range>(&v_)) return *p;
  return std::nullopt;
}
std::optional<core::fraction_range> value::as_fraction_range() const noexcept {
  if (auto* p = std::get_if<core::fraction_range>(&v_)) return *p;
  return std::nullopt;
}
std::span<const value> value::list_items() const noexcept {
  if (auto* p = std::get_if<list_type>(&v_)) return *p;
  return {};
}

namespace {

// Shortest text that reads back to the same double, marked as a double: an
// integral result gets ".0" so that it does not read back as an int.
void append_double(std::string& out, double d) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string_view text(buf, ec == std::errc() ? static_cast<std::size_t>(end - buf) : 0);
  out += text;
  if (std::isfinite(d) && text.find_first_not_of("-0123456789") == std::string_view::npos) {
    out += ".0";
  }
}

void append_string(std::string& out, std::string_view s) {
  if (detail::bare_string_reads_back(s)) {
    out += s;
    return;
  }
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

}  // namespace

void value::append_to(std::string& out) const {
  switch (kind()) {
    case value_kind::integer:
      out += std::to_string(std::get<std::int64_t>(v_));
      return;
    case value_kind::real: {
      double d = std::get<double>(v_);
      if (!std::isfinite(d)) out += "(double)";
      append_double(out, d);
      return;
    }
    case value_kind::boolean:
      out += std::get<bool>(v_) ? "true" : "false";
      return;
    case value_kind::string:
      append_string(out, std::get<std::string>(v_));
      return;
    case value_kind::fraction:
      out += std::get<fraction>(v_).to_string();
      return;
    case value_kind::int_range: {
      const auto& r = std::get<core::int_range>(v_);
      out += '[' + std::to_string(r.min) + ',' + std::to_string(r.max);
      if (r.step != 1) out += ',' + std::to_string(r.step);
      out += ']';
      return;
    }
    case value_kind::double_range: {
      const auto& r = std::get<core::double_range>(v_);
      // An infinite bound is not a bare number: the cast makes the range read back.
      if (!std::isfinite(r.min) || !std::isfinite(r.max)) out += "(double)";
      out += '[';
      append_double(out, r.min);
      out += ',';
      append_double(out, r.max);
      out += ']';
      return;
    }
    case value_kind::fraction_range: {
      const auto& r = std::get<core::fraction_range>(v_);
      out += '[' + r.min.to_string() + ',' + r.max.to_string() + ']';
      return;
    }
    case value_kind::list: {
      out += '{';
      bool first = true;
      for (const auto& item : std::get<list_type>(v_)) {
        if (!first) out += ',';
        first = false;
        item.append_to(out);
      }
      out += '}';
      return;
    }
  }
}

std::string value::to_string() const {
  std::string out;
  append_to(out);
  return out;
}

bool operator==(const value& a, const value& b) noexcept {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case value_kind::real: {
      double x = std::get<double>(a.v_), y = std::get<double>(b.v_);
      return x == y || (std::isnan(x) && std::isnan(y));
    }
    case value_kind::list: {
      const auto& x = std::get<value::list_type>(a.v_);
      const auto& y = std::get<value::list_type>(b.v_);
      if (x.size() != y.size()) return false;
      // Both are duplicate-free, so equal sizes plus inclusion is set equality.
      return std::all_of(x.begin(), x.end(), [&y](const value& item) {
        return std::find(y.begin(), y.end(), item) != y.end();
      });
    }
    default:
      return a.v_ == b.v_;
  }
}

}  // namespace tessera::core
