#include "core/tiles/frame_tile_allocator.hpp"

#include "core/memory/counters.hpp"
#include "core/memory/memory.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <new>
#include <string>

namespace tessera::core {
namespace detail {

/// A tile memory's header, its page-aligned region and its residency. `where` and
/// `pins` are guarded by `mutex`, which is also what an eviction claims.
struct frame_tile_block final : memory_block, cache_entry {
  enum class place { resident, swapped, dropped };

  frame_tile_allocator* owner_allocator = nullptr;
  std::size_t region_bytes = 0;  // the mapping, a whole number of pages
  std::mutex mutex;
  place where = place::resident;
  std::size_t pins = 0;  // maps and bytes pins of this tile or its shares
  bool free = false;     // on the allocator's free list: the bytes mean nothing
  bool fresh = false;    // allocated and never pinned since: the bytes are unset
  bool clean_copy = false;  // resident, and the swap file still holds these very bytes

  bool try_claim() noexcept override { return mutex.try_lock(); }
  result<void> evict_claimed() noexcept override;
};

namespace {

std::size_t page_bytes() noexcept {
  static const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return page;
}

// Gives the region's pages back to the kernel; the mapping stays and reads zeros.
void drop_pages(frame_tile_block& b) noexcept { ::madvise(b.data, b.region_bytes, MADV_DONTNEED); }

}  // namespace

result<void> frame_tile_block::evict_claimed() noexcept {
  std::lock_guard lock(mutex, std::adopt_lock);
  if (where != place::resident || pins > 0) return fail(errc::bad_state, "tile in use or not resident");
  tile_cache& mgr = owner_allocator->manager();
  if (free || fresh) {
    where = place::dropped;  // a free or unwritten tile's bytes are not worth a write
  } else if (clean_copy) {
    mgr.evicted_clean(this);  // read back only to be read: the swap copy is current
    clean_copy = false;
    where = place::swapped;
  } else {
    if (auto r = mgr.store(this, {data, maxsize}); !r) return r.error();
    where = place::swapped;
  }
  drop_pages(*this);
  mgr.count_resident(-static_cast<std::int64_t>(region_bytes), -1);
  return {};
}

}  // namespace detail

using detail::frame_tile_block;
using detail::page_bytes;

frame_tile_allocator::frame_tile_allocator(tile_cache& manager) : block_owner(true), mgr_(manager) {}

frame_tile_allocator::~frame_tile_allocator() {
  // Every memory handed out is back (the allocator must outlive them): free the rest.
  std::lock_guard lock(free_mutex_);
  for (auto& [bytes, list] : free_) {
    for (frame_tile_block* b : list) {
      {
        std::lock_guard tile_lock(b->mutex);  // waits for an eviction in progress
        mgr_.untrack(*b);
        if (b->where == frame_tile_block::place::resident) mgr_.count_resident(-static_cast<std::int64_t>(bytes), -1);
      }
      ::munmap(b->data, b->region_bytes);
      count_free(b->region_bytes);
      delete b;
    }
  }
}

frame_tile_block* frame_tile_allocator::take_free(std::size_t region_bytes) noexcept {
  std::lock_guard lock(free_mutex_);
  auto it = free_.find(region_bytes);
  if (it == free_.end() || it->second.empty()) return nullptr;
  frame_tile_block* b = it->second.back();
  it->second.pop_back();
  ++outstanding_;
  return b;
}

result<memory> frame_tile_allocator::allocate(std::size_t size, const alloc_params& params) {
  auto checked = check_alloc_request("tile cache allocator", size, params);
  if (!checked) return checked.error();
  const std::size_t page = page_bytes();
  if (params.align > page) {
    return fail(errc::invalid_argument, "tile cache allocator: alignment " + std::to_string(params.align) +
                                            " exceeds the page size " + std::to_string(page));
  }
  const std::size_t maxsize = *checked;
  const std::size_t region = (std::max<std::size_t>(maxsize, 1) + page - 1) / page * page;
  // Room first, outside every lock of ours (a free tile of this size may be dropped
  // and then reused: it only costs its pages).
  (void)mgr_.enforce_budget(nullptr, region);

  frame_tile_block* b = take_free(region);
  if (b != nullptr) {
    std::lock_guard tile_lock(b->mutex);
    if (b->where != frame_tile_block::place::resident) mgr_.count_resident(static_cast<std::int64_t>(region), 1);
    b->where = frame_tile_block::place::resident;
    b->free = false;
    b->fresh = true;
    b->maxsize = maxsize;
  } else {
    // Counted by region (what a reused block keeps), whatever maxsize it is given.
    if (!try_count_allocation(region))
      return fail(errc::no_memory, "tile cache allocator: cannot map a " + std::to_string(region) +
                                       "-byte tile: " + allocation_failure_reason(region));
    void* p = ::mmap(nullptr, region, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      uncount_allocation(region);
      return fail(errc::no_memory, "tile cache allocator: cannot map a " + std::to_string(region) + "-byte tile");
    }
    b = new (std::nothrow) frame_tile_block;
    if (b == nullptr) {
      ::munmap(p, region);
      uncount_allocation(region);
      return fail(errc::no_memory, "tile cache allocator: cannot allocate a tile header");
    }
    b->owner = this;
    b->owner_allocator = this;
    b->data = static_cast<std::byte*>(p);
    b->region_bytes = region;
    b->maxsize = maxsize;
    b->fresh = true;
    b->align = page;
    mgr_.count_resident(static_cast<std::int64_t>(region), 1);
    {
      std::lock_guard lock(free_mutex_);
      ++outstanding_;
    }
    mgr_.track(*b);
  }
  b->state.store(detail::ref_one, std::memory_order_relaxed);
  b->parent = nullptr;
  b->offset = params.prefix;
  b->size = size;
  apply_alloc_flags(*b, params);
  mgr_.refresh(*b);
  return detail::adopt_block(b);
}

void frame_tile_allocator::release_block(detail::memory_block* block) noexcept {
  auto* b = static_cast<frame_tile_block*>(block);
  {
    std::lock_guard tile_lock(b->mutex);
    if (b->where == frame_tile_block::place::swapped) {
      mgr_.drop(b);
      b->where = frame_tile_block::place::dropped;
    } else if (b->clean_copy) {
      mgr_.drop(b, false);
    }
    b->clean_copy = false;
    b->free = true;
    b->pins = 0;
  }
  // Coldest first: the budget takes free tiles' pages before any live tile's.
  mgr_.make_coldest(*b);
  std::lock_guard lock(free_mutex_);
  --outstanding_;
  free_[b->region_bytes].push_back(b);
}

result<void> frame_tile_allocator::pin_bytes(detail::memory_block* root, bool for_write) noexcept {
  auto* b = static_cast<frame_tile_block*>(root);
  bool was_resident = true;
  {
    std::unique_lock tile_lock(b->mutex);
    if (b->where != frame_tile_block::place::resident) {
      // Make room for the tile without holding its lock (an eviction try_locks it).
      tile_lock.unlock();
      (void)mgr_.enforce_budget(b, b->region_bytes);
      tile_lock.lock();
    }
    if (b->where == frame_tile_block::place::swapped) {
      // Read back for reading, the swap copy stays valid: evicting the tile again
      // costs no write unless it is written meanwhile.
      if (auto r = mgr_.load(b, {b->data, b->maxsize}, !for_write); !r) return r.error();
      b->where = frame_tile_block::place::resident;
      b->clean_copy = !for_write;
      mgr_.count_resident(static_cast<std::int64_t>(b->region_bytes), 1);
      was_resident = false;
    } else if (for_write && b->clean_copy) {
      mgr_.drop(b, false);
      b->clean_copy = false;
    } else if (b->where == frame_tile_block::place::dropped) {
      b->where = frame_tile_block::place::resident;  // never written since freed: zeros
      mgr_.count_resident(static_cast<std::int64_t>(b->region_bytes), 1);
    }
    ++b->pins;
    b->fresh = false;
  }
  mgr_.touch(*b, was_resident);
  return {};
}

void frame_tile_allocator::unpin_bytes(detail::memory_block* root) noexcept {
  auto* b = static_cast<frame_tile_block*>(root);
  std::lock_guard tile_lock(b->mutex);
  if (b->pins > 0) --b->pins;
}

namespace {

frame_tile_block* tile_block_of(const memory& m) noexcept {
  detail::memory_block* block = m.block_for_allocators();
  if (block == nullptr) return nullptr;
  detail::memory_block* root = detail::root_block(block);
  if (root->owner == nullptr || !root->owner->manages_residency()) return nullptr;
  return dynamic_cast<frame_tile_allocator*>(root->owner) != nullptr ? static_cast<frame_tile_block*>(root) : nullptr;
}

}  // namespace

frame_tile_allocator* frame_tile_allocator::of(const memory& m) noexcept {
  frame_tile_block* b = tile_block_of(m);
  return b != nullptr ? b->owner_allocator : nullptr;
}

bool frame_tile_allocator::is_resident(const memory& m) noexcept {
  frame_tile_block* b = tile_block_of(m);
  if (b == nullptr) return true;
  std::lock_guard tile_lock(b->mutex);
  return b->where != frame_tile_block::place::swapped;
}

result<bool> frame_tile_allocator::swap_in(const memory& m) noexcept {
  frame_tile_block* b = tile_block_of(m);
  if (b == nullptr) return false;
  bool was_out = false;
  {
    std::lock_guard tile_lock(b->mutex);
    was_out = b->where == frame_tile_block::place::swapped;
  }
  if (!was_out) return false;
  auto pin = m.bytes_pinned();
  if (!pin) return pin.error();
  return true;
}

}  // namespace tessera::core
