#pragma once
/// The system allocator: aligned heap memory, header and region in one
/// allocation (GStreamer's system memory).
///
/// Alignment is chosen per request (alloc_params::align, a power of two; the
/// start of the region is aligned, so with a prefix that is a multiple of the
/// alignment the visible bytes are too). A process-wide object that lives until
/// exit and is never destroyed, so memory may outlive static destructors.
/// Thread safe.

#include "core/memory/allocator.hpp"

namespace tessera::core {

allocator& system_allocator() noexcept;

}  // namespace tessera::core
