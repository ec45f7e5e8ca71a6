#include "core/memory/buffer_map.hpp"

#include <utility>

namespace tessera::core {

buffer_map::buffer_map(buffer_map&& other) noexcept
    : merged_(std::move(other.merged_)),
      map_(std::move(other.map_)),
      access_(other.access_),
      mapped_(std::exchange(other.mapped_, false)) {}

buffer_map& buffer_map::operator=(buffer_map&& other) noexcept {
  if (this != &other) {
    map_ = std::move(other.map_);
    merged_ = std::move(other.merged_);
    access_ = other.access_;
    mapped_ = std::exchange(other.mapped_, false);
  }
  return *this;
}

result<void> buffer_map::unmap() {
  if (!mapped_) return fail(errc::not_mapped, "buffer_map::unmap: not mapped");
  mapped_ = false;
  if (map_.is_mapped()) (void)map_.unmap();
  merged_.reset();
  return {};
}

}  // namespace tessera::core
