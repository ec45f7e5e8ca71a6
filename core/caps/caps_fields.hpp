#pragma once
/// Reading fixed fields out of caps with errors that name the media type and the
/// field; shared by video_info and audio_info.

#include "core/caps/caps.hpp"
#include "core/caps/structure.hpp"
#include "core/support/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace tessera::core::detail {

/// The single structure of fixed-format caps, checked to be `media_type`.
/// Errors: "expected fixed video/x-raw caps, got ANY".
result<const structure*> single_structure(const caps& c, std::string_view media_type);
/// Checks the structure's name. Errors: "expected video/x-raw caps, got audio/x-raw".
result<void> check_media_type(const structure& s, std::string_view media_type);

/// A fixed int field in [min, max]. Errors: "video/x-raw caps lack a fixed width",
/// "... lack a fixed width (width=[1,8192])", "...: width must be an int, got ...",
/// "...: width 0 is out of range [1, 2147483647]".
result<std::int64_t> fixed_int(const structure& s, std::string_view name, std::int64_t min,
                               std::int64_t max);
/// A fixed string field.
result<std::string> fixed_string(const structure& s, std::string_view name);
/// A fixed fraction field.
result<fraction> fixed_fraction(const structure& s, std::string_view name);

}  // namespace tessera::core::detail
