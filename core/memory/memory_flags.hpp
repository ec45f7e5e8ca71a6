#pragma once
/// Flags and allocation parameters of memory objects (GstMemoryFlags,
/// GstAllocationParams). Reached through allocator.hpp and memory.hpp.

#include "core/memory/bitmask.hpp"

#include <cstddef>
#include <cstdint>

namespace tessera::core {

enum class memory_flags : std::uint32_t {
  none = 0,
  readonly = 1,       ///< never writable, whatever the refcount
  zero_prefixed = 2,  ///< the bytes before offset (the prefix) are zero
  zero_padded = 4,    ///< the bytes after offset + size (the padding) are zero
};

template <>
struct is_bitmask<memory_flags> : std::true_type {};

/// What an allocation asks for besides its size. The memory's region is
/// prefix + size + padding bytes (maxsize); its visible part starts at `prefix`.
struct alloc_params {
  std::size_t align = 16;    ///< bytes; a power of two; applies to the start of the region
  std::size_t prefix = 0;    ///< bytes reserved before the visible data
  std::size_t padding = 0;   ///< bytes reserved after the visible data
  memory_flags flags = memory_flags::none;  ///< zero_prefixed / zero_padded fill; readonly marks it
};

}  // namespace tessera::core
