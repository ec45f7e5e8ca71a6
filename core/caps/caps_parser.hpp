#pragma once
/// The caps text syntax (grammar in caps.hpp): the recursive-descent parser
/// behind caps::parse, structure::parse and value::parse. Token rules are in
/// caps_tokens.hpp.

#include "core/support/result.hpp"

#include <cstddef>
#include <string_view>

namespace tessera::core {
class caps;
class structure;
class value;
}  // namespace tessera::core

namespace tessera::core::detail {

result<value> parse_value_text(std::string_view text);
result<structure> parse_structure_text(std::string_view text);
result<caps> parse_caps_text(std::string_view text, std::size_t* error_offset);

}  // namespace tessera::core::detail
