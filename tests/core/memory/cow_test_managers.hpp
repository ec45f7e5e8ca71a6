#pragma once
/// Block managers for tests of the cow_block_manager customization point: one that
/// counts (and can be told to fail), and one that really swaps bytes out to a side
/// table and back, as the tile cache does with a swap file. Both are thread-safe.

#include "core/memory/cow_block_manager.hpp"
#include "core/memory/cow_storage.hpp"

#include <cstddef>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace tessera::core::testing_support {

/// Counts blocks and bytes; allocations after `fail_after` succeeded ones fail.
class counting_block_manager : public cow_block_manager {
 public:
  result<std::byte*> allocate(std::size_t size_bytes, std::size_t alignment) noexcept override {
    std::lock_guard lock(mutex_);
    if (allocations_ >= fail_after_) {
      return fail(errc::no_memory, "test manager refuses allocation #" +
                                       std::to_string(allocations_ + 1) + " of " +
                                       std::to_string(size_bytes) + " bytes");
    }
    auto block = system_block_manager().allocate(size_bytes, alignment);
    if (!block) return block;
    ++allocations_;
    ++live_blocks_;
    live_bytes_ += size_bytes;
    last_size_ = size_bytes;
    last_alignment_ = alignment;
    return block;
  }

  void deallocate(std::byte* block, std::size_t size_bytes, std::size_t alignment) noexcept override {
    std::lock_guard lock(mutex_);
    --live_blocks_;
    live_bytes_ -= size_bytes;
    system_block_manager().deallocate(block, size_bytes, alignment);
  }

  void fail_after(std::size_t successful_allocations) {
    std::lock_guard lock(mutex_);
    fail_after_ = successful_allocations;
  }
  std::size_t allocations() const { std::lock_guard lock(mutex_); return allocations_; }
  std::size_t live_blocks() const { std::lock_guard lock(mutex_); return live_blocks_; }
  std::size_t live_bytes() const { std::lock_guard lock(mutex_); return live_bytes_; }
  std::size_t last_size() const { std::lock_guard lock(mutex_); return last_size_; }
  std::size_t last_alignment() const { std::lock_guard lock(mutex_); return last_alignment_; }

 private:
  mutable std::mutex mutex_;
  std::size_t fail_after_ = static_cast<std::size_t>(-1);
  std::size_t allocations_ = 0;
  std::size_t live_blocks_ = 0;
  std::size_t live_bytes_ = 0;
  std::size_t last_size_ = 0;
  std::size_t last_alignment_ = 0;
};

/// Swaps evicted bytes into a table keyed by storage, and back on the next use.
class swapping_block_manager final : public counting_block_manager {
 public:
  result<void> swap_out(const cow_storage& storage, std::span<const std::byte> bytes) noexcept override {
    std::lock_guard lock(swap_mutex_);
    swapped_[&storage].assign(bytes.begin(), bytes.end());
    ++swap_outs_;
    return {};
  }

  result<void> swap_in(const cow_storage& storage, std::span<std::byte> into) noexcept override {
    std::lock_guard lock(swap_mutex_);
    if (fail_swap_in_) return fail(errc::io_error, "test manager: swap-in read failed");
    auto it = swapped_.find(&storage);
    if (it == swapped_.end() || it->second.size() != into.size()) {
      return fail(errc::io_error, "test manager: no swapped bytes for this storage");
    }
    std::copy(it->second.begin(), it->second.end(), into.begin());
    swapped_.erase(it);
    ++swap_ins_;
    return {};
  }

  void discard(const cow_storage& storage) noexcept override {
    std::lock_guard lock(swap_mutex_);
    discards_ += swapped_.erase(&storage);
  }

  void fail_swap_in(bool fail) { std::lock_guard lock(swap_mutex_); fail_swap_in_ = fail; }
  std::size_t swap_outs() const { std::lock_guard lock(swap_mutex_); return swap_outs_; }
  std::size_t swap_ins() const { std::lock_guard lock(swap_mutex_); return swap_ins_; }
  std::size_t discards() const { std::lock_guard lock(swap_mutex_); return discards_; }
  std::size_t swapped_storages() const { std::lock_guard lock(swap_mutex_); return swapped_.size(); }

 private:
  mutable std::mutex swap_mutex_;
  std::map<const cow_storage*, std::vector<std::byte>> swapped_;
  bool fail_swap_in_ = false;
  std::size_t swap_outs_ = 0;
  std::size_t swap_ins_ = 0;
  std::size_t discards_ = 0;
};

}  // namespace tessera::core::testing_support
