#pragma once
/// allocator: the interface every source of memory implements (system, pool,
/// and later OS shared memory), like GstAllocator.
///
/// An allocator hands out `memory` handles; the memory goes back to it when its
/// last reference dies, whichever thread that happens on. Allocators are objects
/// with identity: neither copyable nor movable, and they must outlive the memory
/// they hand out unless they say otherwise (pool_allocator does).

#include "core/memory/memory.hpp"
#include "core/memory/memory_flags.hpp"
#include "core/support/result.hpp"

#include <cstddef>
#include <string_view>

namespace tessera::core {

class allocator {
 public:
  allocator() = default;
  allocator(const allocator&) = delete;
  allocator& operator=(const allocator&) = delete;
  virtual ~allocator();

  virtual std::string_view name() const noexcept = 0;

  /// A new memory with `size` visible bytes after `params.prefix` bytes and
  /// followed by `params.padding` bytes; writable (unless params.flags has
  /// readonly). Errors: alignment not a power of two or sizes that overflow
  /// (errc::invalid_argument), out of memory (errc::no_memory), a limit of the
  /// allocator (errc::limit_exceeded).
  virtual result<memory> allocate(std::size_t size, const alloc_params& params = {}) = 0;
};

/// Checks what every allocator checks: `params.align` is a power of two and
/// prefix + size + padding fits in size_t. On success returns the maxsize.
/// `who` names the caller in messages ("system allocator").
result<std::size_t> check_alloc_request(std::string_view who, std::size_t size,
                                        const alloc_params& params);

/// Applies params.flags to a fresh root block's region: zero-fills the prefix
/// and padding when asked, marks readonly.
void apply_alloc_flags(detail::memory_block& block, const alloc_params& params) noexcept;

}  // namespace tessera::core
