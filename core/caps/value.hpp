#pragma once
/// Field values of caps structures: GStreamer's GValue types used in caps.
///
/// A value is either fixed (int, double, bool, string, fraction) or a set of
/// possibilities (int range with optional step, double range, fraction range,
/// list). Sets are kept normalised so that equal sets compare equal and a set is
/// never secretly a single value:
///   - a range whose bounds are equal is that fixed value ([5,5] is 5);
///   - lists are flat (a list inside a list is spliced in), free of duplicates and
///     never empty; a list of one element is that element ({RGBA} is RGBA);
///   - an int range [min,max,step] holds the multiples of step between min and
///     max (GStreamer's rule), so min and max must be multiples of step.
/// List order is a preference (fixation picks the first element) but not part of
/// equality: {RGB,RGBA} == {RGBA,RGB}, as gst_value_compare treats lists.
///
/// Set algebra (intersect, subset, fixate) is in value_algebra.hpp.

#include "core/caps/fraction.hpp"
#include "core/support/result.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tessera::core {

/// What a value holds. Names (kind_name) are the caps cast names.
enum class value_kind : std::uint8_t {
  integer,         ///< int64                       (cast "(int)")
  real,            ///< double                      (cast "(double)")
  boolean,         ///< bool                        (cast "(boolean)")
  string,          ///< std::string                 (cast "(string)")
  fraction,        ///< core::fraction              (cast "(fraction)")
  int_range,       ///< [min,max] or [min,max,step]
  double_range,    ///< [min,max], doubles
  fraction_range,  ///< [min,max], fractions
  list,            ///< {a,b,...}, any of the above but lists
};

/// "int", "double", "boolean", "string", "fraction", "int range", "double range",
/// "fraction range", "list".
std::string_view kind_name(value_kind k) noexcept;

/// Inclusive; min < max; step > 0; min and max are multiples of step.
struct int_range {
  std::int64_t min = 0;
  std::int64_t max = 0;
  std::int64_t step = 1;
  friend bool operator==(const int_range&, const int_range&) = default;
};

/// Inclusive; min < max; neither is NaN (infinite bounds are allowed).
struct double_range {
  double min = 0;
  double max = 0;
  friend bool operator==(const double_range&, const double_range&) = default;
};

/// Inclusive; min < max.
struct fraction_range {
  fraction min;
  fraction max;
  friend bool operator==(const fraction_range&, const fraction_range&) = default;
};

/// One field value (see the file overview for the normal form).
///
/// A regular value type: copies are deep (lists are small vectors). Scalars
/// convert implicitly so that `s.set("width", 640)` reads naturally; sets are
/// built with the make_* factories, which validate and normalise. Const access
/// from several threads is safe; mutation needs external synchronisation.
class value {
 public:
  /// The int 0.
  value() noexcept : v_(std::int64_t{0}) {}
  value(int v) noexcept : v_(static_cast<std::int64_t>(v)) {}
  value(long v) noexcept : v_(static_cast<std::int64_t>(v)) {}
  value(long long v) noexcept : v_(static_cast<std::int64_t>(v)) {}
  value(double v) noexcept : v_(v) {}
  value(bool v) noexcept : v_(v) {}
  value(std::string v) noexcept : v_(std::move(v)) {}
  value(std::string_view v) : v_(std::string(v)) {}
  value(const char* v) : v_(std::string(v)) {}
  value(fraction v) noexcept : v_(v) {}

  /// [min,max,step]; the fixed int if min == max. Fails for min > max, step <= 0,
  /// or bounds that are not multiples of step.
  static result<value> make_int_range(std::int64_t min, std::int64_t max,
                                      std::int64_t step = 1);
  /// [min,max]; the fixed double if min == max. Fails for NaN bounds or min > max.
  static result<value> make_double_range(double min, double max);
  /// [min,max]; the fixed fraction if min == max. Fails for min > max.
  static result<value> make_fraction_range(fraction min, fraction max);
  /// {items...}, normalised (flattened, deduplicated, first occurrence kept; one
  /// element gives that element). Fails for an empty list.
  static result<value> make_list(std::vector<value> items);

  /// Parses one value in caps syntax, e.g. "30/1", "(int)[1,8192]", "{RGBA,RGB}",
  /// "\"a b\"". Errors name the offset like caps::parse.
  static result<value> parse(std::string_view text);

  value_kind kind() const noexcept { return static_cast<value_kind>(v_.index()); }
  /// True for int, double, bool, string and fraction; false for ranges and lists.
  bool is_fixed() const noexcept { return kind() <= value_kind::fraction; }

  std::optional<std::int64_t> as_int() const noexcept;
  std::optional<double> as_double() const noexcept;
  std::optional<bool> as_bool() const noexcept;
  /// Borrows this value's storage: valid while the value lives and is not assigned.
  std::optional<std::string_view> as_string() const noexcept;
  std::optional<fraction> as_fraction() const noexcept;
  std::optional<core::int_range> as_int_range() const noexcept;
  std::optional<core::double_range> as_double_range() const noexcept;
  std::optional<core::fraction_range> as_fraction_range() const noexcept;
  /// The elements of a list in preference order; empty for any other kind.
  std::span<const value> list_items() const noexcept;

  /// Caps syntax that parses back to an equal value of the same kind: `640`,
  /// `2.5`, `2.0`, `true`, `RGBA`, `"needs quotes"`, `30/1`, `[1,8192]`,
  /// `[0,100,2]`, `[1/1,60/1]`, `{RGBA,RGB}`, `(double)inf`.
  std::string to_string() const;
  void append_to(std::string& out) const;

  /// Same kind and same set; doubles compare with ==, except that NaN equals NaN;
  /// lists compare as sets.
  friend bool operator==(const value& a, const value& b) noexcept;

 private:
  using list_type = std::vector<value>;
  // Alternative order matches value_kind.
  std::variant<std::int64_t, double, bool, std::string, fraction, core::int_range,
               core::double_range, core::fraction_range, list_type>
      v_;

  struct list_tag {};
  value(list_tag, list_type items) noexcept : v_(std::move(items)) {}
};

}  // namespace tessera::core
