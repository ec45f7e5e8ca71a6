#include "core/tiles/shm_allocator.hpp"

#include "core/memory/counters.hpp"

#include <new>

namespace tessera::core {

result<memory> shm_allocator::allocate(std::size_t size, const alloc_params& params) {
  auto maxsize = check_alloc_request("shm allocator", size, params);
  if (!maxsize) return maxsize.error();
  if (!try_count_allocation(*maxsize))
    return fail(errc::no_memory, "shm allocator: cannot allocate " + std::to_string(*maxsize) + " bytes: " +
                                     allocation_failure_reason(*maxsize));
  auto region = shm_.allocate(*maxsize == 0 ? 1 : *maxsize, params.align);
  if (!region) {
    uncount_allocation(*maxsize);
    return region.error();
  }
  auto* block = new (std::nothrow) detail::memory_block;
  if (block == nullptr) {
    uncount_allocation(*maxsize);
    return fail(errc::no_memory, "shm allocator: no memory for a memory header");
  }
  block->owner = this;
  block->data = region->data();
  block->maxsize = *maxsize;
  block->offset = params.prefix;
  block->size = size;
  block->align = params.align;
  apply_alloc_flags(*block, params);
  try {
    std::lock_guard lock(mutex_);
    regions_.emplace(block, std::move(*region));
  } catch (const std::bad_alloc&) {
    delete block;
    uncount_allocation(*maxsize);
    return fail(errc::no_memory, "shm allocator: no memory to record a region");
  }
  return detail::adopt_block(block);
}

bool shm_allocator::owns(const memory& m) const noexcept {
  // A share names its root's owner (memory_block.hpp), so shares count too.
  return m && m.allocator_name() == owner_name() && shm_.locate(m.data()).has_value();
}

void shm_allocator::release_block(detail::memory_block* block) noexcept {
  shm_ptr region;  // gives the bytes back to the segment when it goes out of scope
  {
    std::lock_guard lock(mutex_);
    auto it = regions_.find(block);
    if (it != regions_.end()) {
      region = std::move(it->second);
      regions_.erase(it);
    }
  }
  count_free(block->maxsize);
  delete block;
}

}  // namespace tessera::core
