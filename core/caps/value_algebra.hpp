#pragma once
/// Set algebra on caps field values (gst_value_intersect, gst_value_is_subset,
/// gst_value_fixate and the nearest-value rules of gst_structure_fixate_field_*).
///
/// Values of different kinds never intersect, except a fixed value with a range
/// or list of its kind (an int never meets a double or a fraction, as in
/// GStreamer). Rules:
///   int ∩ int range      the int if inside and a multiple of the step
///   range ∩ range        [max(mins), min(maxs)]; int steps combine by their
///                        least common multiple; a single point becomes fixed
///   list ∩ x             each element ∩ x, in list order, normalised
///   fixed ∩ fixed        equal or nothing

#include "core/caps/value.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace tessera::core {

/// What both values allow, or nullopt if nothing.
std::optional<value> intersect(const value& a, const value& b);
bool can_intersect(const value& a, const value& b);
/// Everything `sub` allows, `super` allows. A range against a list is checked
/// against each element alone, so [1,5] is not seen as inside {[1,3],[4,5]}.
bool is_subset(const value& sub, const value& super) noexcept;
/// gst_value_fixate: ranges give their min, lists their first element (fixated);
/// fixed values are returned unchanged.
value fixate(const value& v);

/// The fixed value nearest to target that `v` allows, for the nearest-fixation
/// helpers (see structure::fixate_field_nearest_int): nullopt if `v` is fixed or
/// allows nothing of that kind.
std::optional<value> nearest_int(const value& v, std::int64_t target);
std::optional<value> nearest_double(const value& v, double target);
std::optional<value> nearest_fraction(const value& v, fraction target);
std::optional<value> preferred_string(const value& v, std::string_view target);
std::optional<value> preferred_bool(const value& v, bool target);

}  // namespace tessera::core
