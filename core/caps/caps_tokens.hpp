#pragma once
/// Lexical rules of the caps text syntax (grammar in caps.hpp), shared by the
/// parser and the printers so that whatever is printed parses back: which
/// characters need no quotes, how an unquoted token reads (number, fraction,
/// boolean or string), how casts convert a token, and which names are valid.

#include "core/caps/value.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace tessera::core::detail {

/// Characters of names and unquoted strings: letters, digits and `_-+/:.`.
bool is_simple_char(char c) noexcept;
bool is_space(char c) noexcept;

/// True when `s`, written without quotes, parses back as this same string (not
/// as a number, fraction or boolean, and with only simple characters).
bool bare_string_reads_back(std::string_view s);

/// Why `name` cannot be a media type name, or "" if it can.
std::string media_type_name_problem(std::string_view name);
/// Why `name` cannot be a field name, or "" if it can.
std::string field_name_problem(std::string_view name);

/// A type cast in front of a value: "(int)", "(string)", ...; none if absent.
enum class cast_type { none, integer, real, boolean, string, fraction };
/// GStreamer's cast names and aliases; empty for an unknown name.
std::optional<cast_type> cast_from_name(std::string_view name);

/// The outcome of reading a token: a value, or the reason it is malformed
/// ("bad fraction '1/0': zero denominator").
struct reading {
  std::optional<value> v;
  std::string problem;
};
/// Reads one token (the text between quotes if `quoted`) as `cast` says; without
/// a cast, unquoted tokens that look like numbers, fractions or booleans are
/// those, anything else is a string.
reading read_as(cast_type cast, std::string_view token, bool quoted);

/// 'text', for messages.
std::string quote(std::string_view text);

}  // namespace tessera::core::detail
