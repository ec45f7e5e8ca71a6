#pragma once
/// Reference permissions, after FFmpeg's filter design (AV_PERM_*).
///
/// A buffer carries the permissions of the reference its owner holds; different
/// references to the same memory may carry different permissions. Pads declare
/// the permissions they need (min) and refuse (rejected); an element removes
/// permissions from a reference before giving it away when it must (e.g. it
/// keeps a reference, so the receiver loses WRITE). The memory core's own
/// writability rules (refcount, parent, READONLY) are independent of these.

#include "core/memory/bitmask.hpp"
#include "core/support/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace tessera::core {

enum class perm : std::uint8_t {
  none = 0,
  read = 1,       ///< the owner can read the data (always true, for self-documentation)
  write = 2,      ///< the owner can modify the data
  preserve = 4,   ///< the owner can rely on earlier elements not modifying the data
  reuse = 8,      ///< the owner can output the buffer several times, unmodified in between
  reuse2 = 16,    ///< the owner can output it several times and modify it in between
  align = 32,     ///< the owner can use fast operations that need aligned data
};

template <>
struct is_bitmask<perm> : std::true_type {};

inline constexpr perm perm_all =
    perm::read | perm::write | perm::preserve | perm::reuse | perm::reuse2 | perm::align;

/// "read|write", "none" for no permission; bits outside perm_all appear as "0x40".
std::string to_string(perm p);

/// Parses what to_string produces ("read|write", "none", "all"); whitespace around
/// names is ignored. Unknown names are an errc::parse_error naming the word.
result<perm> parse_perms(std::string_view text);

}  // namespace tessera::core
