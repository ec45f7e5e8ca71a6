#pragma once
/// A caps structure: a media type name plus ordered, uniquely named fields
/// (GStreamer's GstStructure as used in caps).

#include "core/caps/value.hpp"
#include "core/support/result.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::core {

/// One named field of a structure.
struct field {
  std::string name;
  core::value value;
  friend bool operator==(const field&, const field&) = default;
};

/// A media type name ("video/x-raw") and its fields in insertion order.
///
/// Names are validated: a media type name starts with a letter and, like a field
/// name, is made of letters, digits and `_-+/:.` (the characters that need no
/// quoting in caps text); "ANY", "EMPTY" and "NONE" are reserved for caps.
/// A missing field means "unrestricted" in intersect and is_subset.
///
/// A regular value type (copies are deep; caps shares them). Const access from
/// several threads is safe; mutation needs external synchronisation.
class structure {
 public:
  /// A structure without fields. Fails for an invalid media type name.
  static result<structure> make(std::string_view media_type);
  /// One structure in caps syntax: "video/x-raw,width=640,format={RGBA,RGB}".
  static result<structure> parse(std::string_view text);

  const std::string& name() const noexcept { return name_; }
  bool has_name(std::string_view media_type) const noexcept { return name_ == media_type; }

  std::span<const field> fields() const noexcept { return fields_; }
  std::size_t field_count() const noexcept { return fields_.size(); }
  bool has_field(std::string_view name) const noexcept { return get(name) != nullptr; }
  bool has_field_of_kind(std::string_view name, value_kind kind) const noexcept;
  /// The field's value, or nullptr. Valid until this structure is modified.
  const value* get(std::string_view name) const noexcept;

  /// Typed accessors: empty when the field is missing or holds another kind
  /// (a range or list is not an int: use get() or fixate first).
  std::optional<std::int64_t> get_int(std::string_view name) const noexcept;
  std::optional<double> get_double(std::string_view name) const noexcept;
  std::optional<bool> get_bool(std::string_view name) const noexcept;
  std::optional<std::string> get_string(std::string_view name) const;
  std::optional<fraction> get_fraction(std::string_view name) const noexcept;

  /// Sets (replacing in place, or appending) a field. Fails for an invalid name.
  result<void> set(std::string_view name, value v);
  /// Removes a field; false if it was not there.
  bool remove_field(std::string_view name) noexcept;

  /// Every field holds a fixed value.
  bool is_fixed() const noexcept;

  /// The structure allowing exactly what both allow: same media type, fields of
  /// this structure first (intersected with the other's where both have them),
  /// then the other's remaining fields. Empty if the names differ or any common
  /// field has an empty intersection.
  std::optional<structure> intersect(const structure& other) const;
  bool can_intersect(const structure& other) const;
  /// Everything this allows, `superset` allows: same name, and every field of
  /// `superset` is present here with a subset value.
  bool is_subset(const structure& superset) const noexcept;

  /// gst_structure_fixate: every field to its fixed value (range -> min, list ->
  /// its first element fixated).
  void fixate();
  /// gst_structure_fixate_field: one field; false if it is missing or already fixed.
  bool fixate_field(std::string_view name);

  /// The gst_structure_fixate_field_* helpers. Each returns true when it changed
  /// the field to a fixed value, false when the field is missing, already fixed
  /// (even if different from target: GStreamer's rule) or holds nothing of the
  /// requested kind.
  ///  - nearest_int: int range -> target clamped to [min,max], rounded to the
  ///    nearest multiple of step (a tie rounds down); list -> the element nearest
  ///    to target (ints, and ranges by their nearest point); a tie keeps the first.
  ///  - nearest_double, nearest_fraction: likewise, without steps; fraction
  ///    distances are exact.
  ///  - string, bool: list -> target if present, else the first element of the kind.
  bool fixate_field_nearest_int(std::string_view name, std::int64_t target);
  bool fixate_field_nearest_double(std::string_view name, double target);
  bool fixate_field_nearest_fraction(std::string_view name, fraction target);
  bool fixate_field_string(std::string_view name, std::string_view target);
  bool fixate_field_bool(std::string_view name, bool target);

  /// "video/x-raw,format=GRAY8,width=640,height=480,framerate=30/1".
  std::string to_string() const;
  void append_to(std::string& out) const;

  /// Same name and the same fields with equal values, in any order.
  friend bool operator==(const structure& a, const structure& b) noexcept;

 private:
  explicit structure(std::string name) : name_(std::move(name)) {}
  value* find(std::string_view name) noexcept;

  std::string name_;
  std::vector<field> fields_;
};

}  // namespace tessera::core
