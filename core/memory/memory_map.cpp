#include "core/memory/memory_map.hpp"

#include "core/memory/memory_block.hpp"

#include <string>
#include <utility>

namespace tessera::core {

std::string_view to_string(map_access access) noexcept {
  switch (access) {
    case map_access::read: return "read";
    case map_access::write: return "write";
    case map_access::readwrite: return "readwrite";
  }
  return "invalid";
}

memory_map::memory_map(memory_map&& other) noexcept
    : block_(std::exchange(other.block_, nullptr)),
      data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      access_(other.access_) {}

memory_map& memory_map::operator=(memory_map&& other) noexcept {
  if (this != &other) {
    release();
    block_ = std::exchange(other.block_, nullptr);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    access_ = other.access_;
  }
  return *this;
}

memory_map::~memory_map() { release(); }

void memory_map::release() noexcept {
  if (!block_) return;
  detail::memory_block* block = std::exchange(block_, nullptr);
  // The bytes' pin first: the map keeps the block (and a share's root) alive until
  // unpin_map.
  if (block->owner != nullptr && block->owner->manages_residency()) {
    detail::memory_block* root = detail::root_block(block);
    root->owner->unpin_bytes(root);
  }
  detail::unpin_map(block);
  data_ = nullptr;
  size_ = 0;
}

result<void> memory_map::unmap() {
  if (!block_) return fail(errc::not_mapped, "memory_map::unmap: not mapped");
  release();
  return {};
}

result<void> memory_map::unmap(std::size_t new_size) {
  if (!block_) {
    return fail(errc::not_mapped,
                "memory_map::unmap(new_size=" + std::to_string(new_size) + "): not mapped");
  }
  if (!has_any(access_, map_access::write)) {
    return fail(errc::not_writable, "memory_map::unmap(new_size=" + std::to_string(new_size) +
                                        "): the map has read access only");
  }
  if (!detail::block_writable(block_)) {
    return fail(errc::not_writable, "memory_map::unmap(new_size=" + std::to_string(new_size) +
                                        "): " + detail::why_not_writable(block_));
  }
  const std::size_t room = block_->maxsize - block_->offset;
  if (new_size > room) {
    return fail(errc::out_of_range, "memory_map::unmap(new_size=" + std::to_string(new_size) +
                                        "): exceeds maxsize " + std::to_string(block_->maxsize) +
                                        " - offset " + std::to_string(block_->offset) + " = " +
                                        std::to_string(room));
  }
  block_->size = new_size;
  release();
  return {};
}

}  // namespace tessera::core
