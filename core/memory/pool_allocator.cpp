// The pool's state lives in pool_core, which is the block_owner of every block
// the pool made. The pool_allocator object only points at it, so the core can
// outlive the object: closing the pool frees the free list, and the core deletes
// itself when the last block that was out comes back.

#include "core/memory/pool_allocator.hpp"

#include "core/memory/counters.hpp"
#include "core/memory/memory_block.hpp"

#include <limits>
#include <mutex>
#include <new>
#include <utility>

namespace tessera::core {
namespace detail {

class pool_core final : public block_owner {
 public:
  explicit pool_core(pool_config config)
      : config_(std::move(config)),
        label_("pool '" + config_.name + "'"),
        maxsize_(config_.params.prefix + config_.block_size + config_.params.padding) {}

  std::string_view owner_name() const noexcept override { return config_.name; }
  const pool_config& config() const noexcept { return config_; }
  /// "pool 'name'", for messages.
  const std::string& label() const noexcept { return label_; }
  std::size_t maxsize() const noexcept { return maxsize_; }

  // Adds a fresh block to the free list (pre-allocation).
  bool preallocate() noexcept {
    memory_block* b = allocate_root_block(this, maxsize_, config_.params.align);
    if (!b) return false;
    std::lock_guard lock(mutex_);
    push_free(b);
    return true;
  }

  // A block ready to hand out, or nullptr with `limit_hit` telling why.
  memory_block* take(bool& limit_hit) noexcept {
    {
      std::lock_guard lock(mutex_);
      if (free_) {
        memory_block* b = free_;
        free_ = b->parent;
        b->parent = nullptr;
        --free_count_;
        ++outstanding_;
        ++hits_;
        return b;
      }
      if (config_.max_blocks != 0 && outstanding_ + free_count_ >= config_.max_blocks) {
        limit_hit = true;
        return nullptr;
      }
      // Reserve the slot, then allocate without holding the lock.
      ++outstanding_;
      ++misses_;
    }
    memory_block* b = allocate_root_block(this, maxsize_, config_.params.align);
    if (!b) {
      std::lock_guard lock(mutex_);
      --outstanding_;
    }
    return b;
  }

  void release_block(memory_block* block) noexcept override {
    bool last = false;
    {
      std::lock_guard lock(mutex_);
      --outstanding_;
      if (!closed_) {
        push_free(block);
        return;
      }
      last = outstanding_ == 0;
    }
    free_root_block(block);
    if (last) delete this;
  }

  // The pool_allocator is gone: free what is free; the rest is freed as it returns.
  void close() noexcept {
    memory_block* list = nullptr;
    bool last = false;
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
      list = std::exchange(free_, nullptr);
      free_count_ = 0;
      last = outstanding_ == 0;
    }
    while (list) {
      memory_block* next = list->parent;
      free_root_block(list);
      list = next;
    }
    if (last) delete this;
  }

  pool_stats stats() const noexcept {
    std::lock_guard lock(mutex_);
    pool_stats s;
    s.hits = hits_;
    s.misses = misses_;
    s.outstanding = outstanding_;
    s.free_blocks = free_count_;
    s.total_blocks = outstanding_ + free_count_;
    return s;
  }

 private:
  void push_free(memory_block* b) noexcept {
    b->parent = free_;  // the free list is linked through the unused parent field
    free_ = b;
    ++free_count_;
  }

  const pool_config config_;
  const std::string label_;
  const std::size_t maxsize_;  ///< bytes of each block's region
  mutable std::mutex mutex_;
  memory_block* free_ = nullptr;
  std::size_t free_count_ = 0;
  std::size_t outstanding_ = 0;
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
  bool closed_ = false;
};

}  // namespace detail

result<std::unique_ptr<pool_allocator>> pool_allocator::create(pool_config config) {
  const std::string who = "pool '" + config.name + "'";
  if (config.block_size == 0) return fail(errc::invalid_argument, who + ": block_size is 0");
  if (config.max_blocks != 0 && config.min_blocks > config.max_blocks) {
    return fail(errc::invalid_argument, who + ": min_blocks " + std::to_string(config.min_blocks) +
                                            " exceeds max_blocks " +
                                            std::to_string(config.max_blocks));
  }
  auto checked = check_alloc_request(who, config.block_size, config.params);
  if (!checked) return checked.error();
  constexpr std::size_t max = std::numeric_limits<std::size_t>::max();
  if (*checked > max - detail::root_header_bytes - config.params.align) {
    return fail(errc::invalid_argument,
                who + ": block region of " + std::to_string(*checked) + " bytes is too large");
  }
  config.params.flags = memory_flags::none;
  auto* core = new (std::nothrow) detail::pool_core(std::move(config));
  if (!core) return fail(errc::no_memory, who + ": cannot allocate the pool");
  std::unique_ptr<pool_allocator> pool(new (std::nothrow) pool_allocator(core));
  if (!pool) {
    core->close();
    return fail(errc::no_memory, who + ": cannot allocate the pool");
  }
  for (std::size_t i = 0; i < core->config().min_blocks; ++i) {
    if (!core->preallocate()) {
      return fail(errc::no_memory, who + ": cannot pre-allocate block " + std::to_string(i + 1) +
                                       " of " + std::to_string(core->config().min_blocks) +
                                       " (" + std::to_string(core->maxsize()) + " bytes each): " +
                                       allocation_failure_reason(core->maxsize()));
    }
  }
  return pool;
}

pool_allocator::~pool_allocator() { core_->close(); }

std::string_view pool_allocator::name() const noexcept { return core_->config().name; }
std::size_t pool_allocator::block_size() const noexcept { return core_->config().block_size; }
std::size_t pool_allocator::min_blocks() const noexcept { return core_->config().min_blocks; }
std::size_t pool_allocator::max_blocks() const noexcept { return core_->config().max_blocks; }
pool_stats pool_allocator::stats() const noexcept { return core_->stats(); }

result<memory> pool_allocator::acquire() {
  alloc_params p = core_->config().params;
  return allocate(core_->config().block_size, p);
}

result<memory> pool_allocator::allocate(std::size_t size, const alloc_params& params) {
  const pool_config& cfg = core_->config();
  const std::string& who = core_->label();
  auto fits = check_alloc_request(who, size, params);
  if (!fits) return fits.error();
  if (params.align > cfg.params.align) {
    return fail(errc::invalid_argument, who + ": alignment " +
                                            std::to_string(params.align) +
                                            " exceeds the pool's alignment " +
                                            std::to_string(cfg.params.align));
  }
  if (*fits > core_->maxsize()) {
    return fail(errc::invalid_argument,
                who + ": prefix " + std::to_string(params.prefix) + " + size " +
                    std::to_string(size) + " + padding " + std::to_string(params.padding) + " = " +
                    std::to_string(*fits) + " bytes exceeds the block region of " +
                    std::to_string(core_->maxsize()) + " bytes (block_size " +
                    std::to_string(cfg.block_size) + ")");
  }
  bool limit_hit = false;
  detail::memory_block* block = core_->take(limit_hit);
  if (!block) {
    if (limit_hit) {
      return fail(errc::limit_exceeded, who + ": all " +
                                            std::to_string(cfg.max_blocks) +
                                            " blocks are in use (max_blocks)");
    }
    return fail(errc::no_memory, who + ": cannot allocate a block of " + std::to_string(core_->maxsize()) +
                                     " bytes: " + allocation_failure_reason(core_->maxsize()));
  }
  // A recycled block: reset everything a previous user may have changed.
  block->state.store(detail::ref_one, std::memory_order_relaxed);
  block->parent = nullptr;
  block->offset = params.prefix;
  block->size = size;
  apply_alloc_flags(*block, params);
  return detail::adopt_block(block);
}

}  // namespace tessera::core
