#include "core/memory/memory_block.hpp"

#include "core/memory/counters.hpp"
#include "core/memory/memory.hpp"

#include <cstdint>
#include <limits>
#include <new>

namespace tessera::core::detail {

result<void> block_owner::pin_bytes(memory_block*, bool) noexcept { return {}; }
void block_owner::unpin_bytes(memory_block*) noexcept {}
bool block_owner::foreign_writable(const memory_block*) const noexcept { return true; }

memory_block* allocate_root_block(block_owner* owner, std::size_t maxsize,
                                  std::size_t align) noexcept {
  constexpr std::size_t new_align = __STDCPP_DEFAULT_NEW_ALIGNMENT__;
  // operator new gives new_align; the region starts at the first `align`
  // boundary after the header, so up to align - new_align bytes may be skipped.
  const std::size_t slack = align > new_align ? align - new_align : 0;
  constexpr std::size_t max = std::numeric_limits<std::size_t>::max();
  if (maxsize > max - root_header_bytes - slack) return nullptr;
  if (!try_count_allocation(maxsize)) return nullptr;  // the memory budget
  void* raw = ::operator new(root_header_bytes + slack + maxsize, std::nothrow);
  if (!raw) {
    uncount_allocation(maxsize);
    return nullptr;
  }
  auto* block = new (raw) memory_block;
  const auto first = reinterpret_cast<std::uintptr_t>(raw) + root_header_bytes;
  const auto aligned = (first + align - 1) & ~static_cast<std::uintptr_t>(align - 1);
  block->owner = owner;
  block->data = static_cast<std::byte*>(raw) + (aligned - reinterpret_cast<std::uintptr_t>(raw));
  block->maxsize = maxsize;
  block->offset = 0;
  block->size = maxsize;
  block->align = align;
  return block;
}

void free_root_block(memory_block* block) noexcept {
  count_free(block->maxsize);
  block->~memory_block();
  ::operator delete(static_cast<void*>(block));
}

memory adopt_block(memory_block* block) noexcept {
  count_memory_created();
  return memory(block);
}

void destroy_block(memory_block* block) noexcept {
  count_memory_destroyed();
  if (memory_block* root = block->parent) {
    // A share: its header is its own allocation; its reference on the root goes.
    delete block;
    release_block_ref(root);
    return;
  }
  block->owner->release_block(block);
}

bool block_writable(const memory_block* b) noexcept {
  constexpr auto readonly = static_cast<std::uint32_t>(memory_flags::readonly);
  for (; b; b = b->parent) {
    if (block_use_count(b) != 1) return false;
    if (b->flags.load(std::memory_order_relaxed) & readonly) return false;
    if (b->parent == nullptr && b->owner != nullptr && b->owner->has_foreign_refs() &&
        !b->owner->foreign_writable(b))
      return false;
  }
  return true;
}

bool try_pin_map(memory_block* block, std::uint32_t access, std::uint64_t* seen) noexcept {
  const std::uint64_t want = access;
  std::uint64_t s = block->state.load(std::memory_order_relaxed);
  while (true) {
    const std::uint64_t maps = (s & map_count_mask) >> map_shift;
    const std::uint64_t mode = s >> mode_shift;
    std::uint64_t next;
    if (maps == 0) {
      next = (s & ref_mask) | map_one | (want << mode_shift);
    } else if ((want & ~mode) == 0 && maps < (map_count_mask >> map_shift)) {
      next = s + map_one;
    } else {
      if (seen) *seen = s;
      return false;
    }
    if (block->state.compare_exchange_weak(s, next, std::memory_order_acquire,
                                           std::memory_order_relaxed)) {
      return true;
    }
  }
}

void unpin_map(memory_block* block) noexcept {
  std::uint64_t s = block->state.load(std::memory_order_relaxed);
  while (true) {
    std::uint64_t next = s - map_one;
    if ((next & map_count_mask) == 0) next &= ~mode_mask;  // last map: no access mode any more
    if (block->state.compare_exchange_weak(s, next, std::memory_order_acq_rel,
                                           std::memory_order_relaxed)) {
      if (next == 0) destroy_block(block);
      return;
    }
  }
}

}  // namespace tessera::core::detail
