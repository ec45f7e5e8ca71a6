#pragma once
/// Element properties (GParamSpec): a typed, ranged, documented knob.
///
/// A `property_spec` lives in an element's factory (one per class); the values live
/// in each element's `property_store`. Numeric values (int, double, bool, enum,
/// fraction) are kept in relaxed atomics so the streaming thread reads them with a
/// plain load while the control API writes them; strings sit behind a mutex and are
/// read off the hot path. Values arrive either typed (from JSON) or as text (from a
/// pipeline description) and are checked against the spec's type and range; the
/// errors name the element, the property and what is allowed.

#include "core/graph/state.hpp"
#include "core/support/result.hpp"

#include <atomic>
#include <cstdint>
#include <limits>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tessera::core {

enum class property_type { integer, real, boolean, string, fraction, enumeration };

std::string_view to_string(property_type t) noexcept;

struct fraction_value {
  std::int32_t num = 0;
  std::int32_t den = 1;
  bool operator==(const fraction_value&) const = default;
};

/// An enum property's value as its nick ("ball") with its number.
struct enum_value {
  std::int64_t value = 0;
  std::string nick;
  bool operator==(const enum_value&) const = default;
};

using property_value = std::variant<std::int64_t, double, bool, std::string, fraction_value, enum_value>;

std::string to_string(const property_value& v);

struct enum_entry {
  std::int64_t value;
  std::string nick;
  std::string description;
};

/// When a property may change (GST_PARAM_MUTABLE_*): the highest state in which a
/// write is accepted.
enum class mutability { construct_only, ready, paused, playing };

std::string_view to_string(mutability m) noexcept;

/// The largest value of an int property that GStreamer declares as gint (G_MAXINT):
/// dimensions, coordinates, counts.
inline constexpr std::int64_t int_property_max = std::numeric_limits<std::int32_t>::max();

struct property_spec {
  std::string name;
  std::string blurb;
  property_type type = property_type::integer;
  property_value default_value = std::int64_t{0};
  double min = 0;  ///< real/fraction range (fractions compare as num/den)
  double max = 0;
  std::int64_t int_min = 0;  ///< integer range, exact
  std::int64_t int_max = 0;
  std::vector<enum_entry> enum_entries;
  mutability mutable_in = mutability::playing;
  bool writable = true;
  /// Extra check for string values (caps syntax, a path inside media-root...):
  /// return an error message, or an empty string when the value is fine.
  std::function<std::string(std::string_view)> validate;

  std::string range_text() const;  ///< "[0, 100]", "{ball, smpte}" or "" for strings
};

/// Builders for factory tables, so an element's properties read as a list.
property_spec int_property(std::string name, std::string blurb, std::int64_t def, std::int64_t min,
                           std::int64_t max, mutability m = mutability::playing);
property_spec double_property(std::string name, std::string blurb, double def, double min,
                              double max, mutability m = mutability::playing);
property_spec bool_property(std::string name, std::string blurb, bool def,
                            mutability m = mutability::playing);
property_spec string_property(std::string name, std::string blurb, std::string def,
                              mutability m = mutability::playing);
property_spec fraction_property(std::string name, std::string blurb, fraction_value def,
                                fraction_value min, fraction_value max,
                                mutability m = mutability::playing);
property_spec enum_property(std::string name, std::string blurb, std::string default_nick,
                            std::vector<enum_entry> entries, mutability m = mutability::playing);

/// Text to a typed value, checked against the spec. `owner` names the element in errors.
result<property_value> parse_property_value(const property_spec& spec, std::string_view text,
                                            std::string_view owner);
/// A typed value (e.g. from JSON) checked and converted to the spec's type.
result<property_value> coerce_property_value(const property_spec& spec, const property_value& v,
                                             std::string_view owner);

/// The values of one element's properties, indexed like its factory's spec list.
class property_store {
 public:
  explicit property_store(const std::vector<property_spec>& specs);
  property_store(const property_store&) = delete;
  property_store& operator=(const property_store&) = delete;

  // Hot-path reads: a relaxed load each.
  std::int64_t get_int(std::size_t i) const noexcept { return slots_[i].bits.load(std::memory_order_relaxed); }
  double get_double(std::size_t i) const noexcept;
  bool get_bool(std::size_t i) const noexcept { return get_int(i) != 0; }
  std::int64_t get_enum(std::size_t i) const noexcept { return get_int(i); }
  fraction_value get_fraction(std::size_t i) const noexcept;
  std::string get_string(std::size_t i) const;

  property_value get(std::size_t i) const;
  /// Stores an already-checked value (see parse/coerce_property_value).
  void set(std::size_t i, const property_value& v);

 private:
  struct slot {
    std::atomic<std::int64_t> bits{0};
  };
  const std::vector<property_spec>& specs_;
  std::unique_ptr<slot[]> slots_;
  mutable std::mutex strings_mutex_;
  std::vector<std::string> strings_;
};

}  // namespace tessera::core
