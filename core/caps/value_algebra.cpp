#include "core/caps/value_algebra.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

namespace tessera::core {
namespace {

__extension__ typedef __int128 i128;

bool contains(const int_range& r, std::int64_t v) noexcept {
  return v >= r.min && v <= r.max && v % r.step == 0;
}
bool contains(const double_range& r, double v) noexcept { return v >= r.min && v <= r.max; }
bool contains(const fraction_range& r, fraction v) noexcept { return v >= r.min && v <= r.max; }

i128 floor_div(i128 a, i128 b) noexcept {  // b > 0
  i128 q = a / b;
  if (a % b != 0 && a < 0) --q;
  return q;
}

// A list built from non-empty intersections cannot fail to construct.
value list_of(std::vector<value> items) { return value::make_list(std::move(items)).value(); }

std::optional<value> intersect_ranges(const int_range& a, const int_range& b) {
  std::int64_t lo = std::max(a.min, b.min);
  std::int64_t hi = std::min(a.max, b.max);
  if (lo > hi) return std::nullopt;
  // Both ranges hold multiples of their steps, so the common values are the
  // multiples of lcm(steps) in [lo, hi].
  i128 lcm = static_cast<i128>(a.step / std::gcd(a.step, b.step)) * b.step;
  if (lcm > std::numeric_limits<std::int64_t>::max()) {
    // No int64 but 0 is a multiple of such a step.
    if (lo <= 0 && hi >= 0) return value(std::int64_t{0});
    return std::nullopt;
  }
  i128 first = -floor_div(-static_cast<i128>(lo), lcm) * lcm;  // ceil to a multiple
  i128 last = floor_div(hi, lcm) * lcm;
  if (first > last) return std::nullopt;
  if (first == last) return value(static_cast<std::int64_t>(first));
  return value::make_int_range(static_cast<std::int64_t>(first), static_cast<std::int64_t>(last),
                               static_cast<std::int64_t>(lcm))
      .value();
}

// Neither a nor b is a list.
std::optional<value> intersect_single(const value& a, const value& b) {
  const auto ka = a.kind(), kb = b.kind();
  if (a.is_fixed() && b.is_fixed()) {
    if (a == b) return a;
    return std::nullopt;
  }
  // Put the fixed one (if any) first to halve the cases.
  if (!a.is_fixed() && b.is_fixed()) return intersect_single(b, a);

  if (ka == value_kind::integer && kb == value_kind::int_range) {
    if (contains(*b.as_int_range(), *a.as_int())) return a;
    return std::nullopt;
  }
  if (ka == value_kind::real && kb == value_kind::double_range) {
    if (contains(*b.as_double_range(), *a.as_double())) return a;
    return std::nullopt;
  }
  if (ka == value_kind::fraction && kb == value_kind::fraction_range) {
    if (contains(*b.as_fraction_range(), *a.as_fraction())) return a;
    return std::nullopt;
  }
  if (ka == value_kind::int_range && kb == value_kind::int_range) {
    return intersect_ranges(*a.as_int_range(), *b.as_int_range());
  }
  if (ka == value_kind::double_range && kb == value_kind::double_range) {
    auto x = *a.as_double_range(), y = *b.as_double_range();
    double lo = std::max(x.min, y.min), hi = std::min(x.max, y.max);
    if (lo > hi) return std::nullopt;
    return value::make_double_range(lo, hi).value();
  }
  if (ka == value_kind::fraction_range && kb == value_kind::fraction_range) {
    auto x = *a.as_fraction_range(), y = *b.as_fraction_range();
    fraction lo = std::max(x.min, y.min), hi = std::min(x.max, y.max);
    if (lo > hi) return std::nullopt;
    return value::make_fraction_range(lo, hi).value();
  }
  return std::nullopt;
}

bool is_subset_single(const value& sub, const value& super) noexcept {
  if (sub.is_fixed() && super.is_fixed()) return sub == super;
  switch (super.kind()) {
    case value_kind::int_range: {
      auto r = *super.as_int_range();
      if (auto v = sub.as_int()) return contains(r, *v);
      if (auto s = sub.as_int_range()) {
        // s holds s.min and s.min + s.step, so all of s are multiples of r.step
        // exactly when s.step is.
        return s->min >= r.min && s->max <= r.max && s->step % r.step == 0;
      }
      return false;
    }
    case value_kind::double_range: {
      auto r = *super.as_double_range();
      if (auto v = sub.as_double()) return contains(r, *v);
      if (auto s = sub.as_double_range()) return s->min >= r.min && s->max <= r.max;
      return false;
    }
    case value_kind::fraction_range: {
      auto r = *super.as_fraction_range();
      if (auto v = sub.as_fraction()) return contains(r, *v);
      if (auto s = sub.as_fraction_range()) return s->min >= r.min && s->max <= r.max;
      return false;
    }
    default:
      return false;
  }
}

std::int64_t nearest_in(const int_range& r, std::int64_t target) noexcept {
  std::int64_t c = std::clamp(target, r.min, r.max);
  i128 q = floor_div(c, r.step) * r.step;
  i128 rem = c - q;
  // gst_structure_fixate_field_nearest_int: past half a step rounds up, a tie down.
  if (rem * 2 > r.step) q += r.step;
  return static_cast<std::int64_t>(q);
}

double nearest_in(const double_range& r, double target) noexcept {
  if (std::isnan(target)) return r.min;
  return std::clamp(target, r.min, r.max);
}

fraction nearest_in(const fraction_range& r, fraction target) noexcept {
  return std::clamp(target, r.min, r.max);
}

// |a - b| as an exact fraction (num >= 0, den > 0) in 128 bits.
struct distance {
  i128 num;
  i128 den;
  bool operator<(const distance& o) const noexcept { return num * o.den < o.num * den; }
};
distance distance_between(fraction a, fraction b) noexcept {
  i128 num = static_cast<i128>(a.num()) * b.den() - static_cast<i128>(b.num()) * a.den();
  return {num < 0 ? -num : num, static_cast<i128>(a.den()) * b.den()};
}

// Picks, among candidates from each list element (or the value itself), the one
// whose distance is strictly smallest; earlier candidates win ties.
template <class T, class Candidate, class Distance>
std::optional<value> nearest_among(const value& v, Candidate candidate, Distance dist) {
  std::optional<T> best;
  auto consider = [&](const value& item) {
    std::optional<T> c = candidate(item);
    if (c && (!best || dist(*c) < dist(*best))) best = c;
  };
  if (v.kind() == value_kind::list) {
    for (const auto& item : v.list_items()) consider(item);
  } else {
    consider(v);
  }
  if (!best) return std::nullopt;
  return value(*best);
}

template <class Match>
std::optional<value> preferred(const value& v, Match matches_kind, const value& target) {
  if (v.kind() != value_kind::list) return std::nullopt;
  const value* best = nullptr;
  for (const auto& item : v.list_items()) {
    if (!matches_kind(item)) continue;
    if (!best || item == target) best = &item;
    if (item == target) break;
  }
  if (!best) return std::nullopt;
  return *best;
}

}  // namespace

std::optional<value> intersect(const value& a, const value& b) {
  if (a.kind() == value_kind::list || b.kind() == value_kind::list) {
    bool a_list = a.kind() == value_kind::list;
    std::vector<value> out;
    for (const auto& item : (a_list ? a : b).list_items()) {
      if (auto r = a_list ? intersect(item, b) : intersect(a, item)) out.push_back(std::move(*r));
    }
    if (out.empty()) return std::nullopt;
    return list_of(std::move(out));
  }
  return intersect_single(a, b);
}

bool can_intersect(const value& a, const value& b) {
  if (a.kind() == value_kind::list) {
    return std::any_of(a.list_items().begin(), a.list_items().end(),
                       [&b](const value& item) { return can_intersect(item, b); });
  }
  if (b.kind() == value_kind::list) {
    return std::any_of(b.list_items().begin(), b.list_items().end(),
                       [&a](const value& item) { return can_intersect(a, item); });
  }
  // Single values: no allocation beyond the result itself, which is small.
  return intersect_single(a, b).has_value();
}

bool is_subset(const value& sub, const value& super) noexcept {
  if (sub.kind() == value_kind::list) {
    return std::all_of(sub.list_items().begin(), sub.list_items().end(),
                       [&super](const value& item) { return is_subset(item, super); });
  }
  if (super.kind() == value_kind::list) {
    return std::any_of(super.list_items().begin(), super.list_items().end(),
                       [&sub](const value& item) { return is_subset_single(sub, item); });
  }
  return is_subset_single(sub, super);
}

value fixate(const value& v) {
  switch (v.kind()) {
    case value_kind::int_range: return value(v.as_int_range()->min);
    case value_kind::double_range: return value(v.as_double_range()->min);
    case value_kind::fraction_range: return value(v.as_fraction_range()->min);
    case value_kind::list: return fixate(v.list_items().front());
    default: return v;
  }
}

std::optional<value> nearest_int(const value& v, std::int64_t target) {
  if (v.is_fixed()) return std::nullopt;
  return nearest_among<std::int64_t>(
      v,
      [target](const value& item) -> std::optional<std::int64_t> {
        if (auto i = item.as_int()) return *i;
        if (auto r = item.as_int_range()) return nearest_in(*r, target);
        return std::nullopt;
      },
      [target](std::int64_t c) {
        i128 d = static_cast<i128>(target) - c;
        return d < 0 ? -d : d;
      });
}

std::optional<value> nearest_double(const value& v, double target) {
  if (v.is_fixed()) return std::nullopt;
  return nearest_among<double>(
      v,
      [target](const value& item) -> std::optional<double> {
        if (auto d = item.as_double()) return *d;
        if (auto r = item.as_double_range()) return nearest_in(*r, target);
        return std::nullopt;
      },
      [target](double c) {
        double d = std::fabs(target - c);
        return std::isnan(d) ? std::numeric_limits<double>::infinity() : d;
      });
}

std::optional<value> nearest_fraction(const value& v, fraction target) {
  if (v.is_fixed()) return std::nullopt;
  return nearest_among<fraction>(
      v,
      [target](const value& item) -> std::optional<fraction> {
        if (auto f = item.as_fraction()) return *f;
        if (auto r = item.as_fraction_range()) return nearest_in(*r, target);
        return std::nullopt;
      },
      [target](fraction c) { return distance_between(c, target); });
}

std::optional<value> preferred_string(const value& v, std::string_view target) {
  return preferred(
      v, [](const value& item) { return item.kind() == value_kind::string; }, value(target));
}

std::optional<value> preferred_bool(const value& v, bool target) {
  return preferred(
      v, [](const value& item) { return item.kind() == value_kind::boolean; }, value(target));
}

}  // namespace tessera::core
