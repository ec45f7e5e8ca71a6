#pragma once
/// The vocabulary of the copy-on-write smart pointer (`cow_ptr`): its lifecycle states
/// (GIMP's design, "Lifecycle States") and the two kinds of use.

#include <string_view>

namespace tessera::core {

/// Lifecycle state of one smart pointer.
enum class cow_state {
  uninit,      ///< not constructed as a smart pointer yet (or destroyed by uninit)
  unalloc,     ///< initialized, refers to no storage
  sharable,    ///< refers to storage, alone, and lets other pointers join it
  unsharable,  ///< refers to storage, alone, writing: others joining get a copy
  shared,      ///< refers to storage that other pointers also refer to
};

/// The kind of a use: read() starts a read use, write() a write use, release() ends one.
enum class cow_access { read, write };

/// "UNINIT", "UNALLOC", "SHARABLE", "UNSHARABLE", "SHARED": the design's names.
constexpr std::string_view to_string(cow_state s) noexcept {
  switch (s) {
    case cow_state::uninit: return "UNINIT";
    case cow_state::unalloc: return "UNALLOC";
    case cow_state::sharable: return "SHARABLE";
    case cow_state::unsharable: return "UNSHARABLE";
    case cow_state::shared: return "SHARED";
  }
  return "?";
}

constexpr std::string_view to_string(cow_access a) noexcept {
  return a == cow_access::read ? "read" : "write";
}

}  // namespace tessera::core
