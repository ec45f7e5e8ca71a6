#include "core/memory/cow_storage.hpp"

#include "core/memory/counters.hpp"

#include <cstring>
#include <new>
#include <string>

namespace tessera::core {
namespace {

std::atomic<std::size_t> live_storages{0};

}  // namespace

cow_storage::cow_storage(std::byte* block, std::size_t size_bytes, std::size_t alignment,
                         cow_block_manager& manager) noexcept
    : size_bytes_(size_bytes), alignment_(alignment), manager_(manager), block_(block) {
  live_storages.fetch_add(1, std::memory_order_relaxed);
}

cow_storage::~cow_storage() {
  // No other thread can reach a storage whose last pointer let go, so no lock.
  if (block_ != nullptr) {
    manager_.deallocate(block_, size_bytes_, alignment_);
  } else {
    manager_.discard(*this);
  }
  live_storages.fetch_sub(1, std::memory_order_relaxed);
}

std::size_t cow_storage::live_count() noexcept {
  return live_storages.load(std::memory_order_relaxed);
}

std::size_t cow_storage::use_count() const noexcept {
  std::lock_guard lock(mutex_);
  return uses_;
}

bool cow_storage::resident() const noexcept {
  std::lock_guard lock(mutex_);
  return block_ != nullptr;
}

result<cow_storage*> cow_storage::create(std::size_t size_bytes, std::size_t alignment,
                                         cow_block_manager& manager) noexcept {
  auto block = manager.allocate(size_bytes, alignment);
  if (!block) return block.error();
  // Fresh storage reads as zeros, never as whatever the allocator left behind.
  std::memset(*block, 0, size_bytes);
  auto* storage = new (std::nothrow) cow_storage(*block, size_bytes, alignment, manager);
  if (storage == nullptr) {
    manager.deallocate(*block, size_bytes, alignment);
    return fail(errc::no_memory, "allocating the bookkeeping of a " + std::to_string(size_bytes) +
                                     "-byte copy-on-write storage failed");
  }
  return storage;
}

result<cow_storage*> cow_storage::create_copy(cow_storage& source) noexcept {
  // The use keeps the source resident and at one address while its bytes are read.
  auto src = source.begin_use();
  if (!src) return src.error();
  auto block = source.manager_.allocate(source.size_bytes_, source.alignment_);
  if (!block) {
    source.end_use(1);
    return block.error();
  }
  // Counted: copies and copied_bytes in the memory counters include every COW copy.
  counted_copy(*block, *src, source.size_bytes_);
  source.end_use(1);
  auto* storage =
      new (std::nothrow) cow_storage(*block, source.size_bytes_, source.alignment_, source.manager_);
  if (storage == nullptr) {
    source.manager_.deallocate(*block, source.size_bytes_, source.alignment_);
    return fail(errc::no_memory, "allocating the bookkeeping of a " +
                                     std::to_string(source.size_bytes_) +
                                     "-byte copy-on-write copy failed");
  }
  return storage;
}

void cow_storage::add_sp() noexcept {
  refs_.fetch_add(1, std::memory_order_relaxed);
  sp_count_.fetch_add(1, std::memory_order_relaxed);
}

void cow_storage::drop_sp() noexcept {
  // Release: whatever this pointer did with the bytes (a copy out of them) happens
  // before another pointer sees the count drop to 1 and writes in place.
  sp_count_.fetch_sub(1, std::memory_order_acq_rel);
  drop_ref();
}

void cow_storage::pin_instead_of_sp() noexcept {
  // The pin is counted before the pointer count drops, so a pointer that sees itself
  // alone (acquire on sp_count_) also sees the pin and does not write in place.
  pin_count_.fetch_add(1, std::memory_order_relaxed);
  sp_count_.fetch_sub(1, std::memory_order_acq_rel);
}

void cow_storage::unpin() noexcept {
  // Release: the detached reader's last look at the bytes happens before a pointer
  // that sees no pin writes in place.
  pin_count_.fetch_sub(1, std::memory_order_acq_rel);
  drop_ref();
}

void cow_storage::drop_ref() noexcept {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

result<std::byte*> cow_storage::begin_use(std::size_t uses) noexcept {
  std::lock_guard lock(mutex_);
  if (block_ == nullptr) {
    auto block = manager_.allocate(size_bytes_, alignment_);
    if (!block) return block.error();
    if (auto in = manager_.swap_in(*this, {*block, size_bytes_}); !in) {
      manager_.deallocate(*block, size_bytes_, alignment_);
      return in.error();
    }
    block_ = *block;
  }
  uses_ += uses;
  return block_;
}

void cow_storage::end_use(std::size_t uses) noexcept {
  std::lock_guard lock(mutex_);
  uses_ -= uses;
}

result<void> cow_storage::evict() noexcept {
  std::lock_guard lock(mutex_);
  if (block_ == nullptr) return {};
  if (uses_ > 0) {
    return fail(errc::bad_state, "evict(): " + std::to_string(size_bytes_) +
                                     "-byte storage has " + std::to_string(uses_) +
                                     " read/write use(s) in progress");
  }
  if (auto out = manager_.swap_out(*this, {block_, size_bytes_}); !out) return out.error();
  manager_.deallocate(block_, size_bytes_, alignment_);
  block_ = nullptr;
  return {};
}

}  // namespace tessera::core
