#pragma once
/// buffer_map: an RAII mapping of a whole buffer as one contiguous range,
/// returned by buffer::map().
///
/// It maps either a memory of the buffer (one memory, a span, or the merged
/// memory that replaced the list for write access) or a temporary merged copy it
/// owns (read access to memories that are not adjacent). The destructor unmaps;
/// unmap() does it early, and a second unmap() is errc::not_mapped. Valid while
/// it lives, even if the buffer is dropped: the map pins what it maps.
/// Used by one thread at a time.

#include "core/memory/memory.hpp"
#include "core/memory/memory_map.hpp"
#include "core/support/result.hpp"

#include <cstddef>
#include <span>

namespace tessera::core {

class buffer_map {
 public:
  buffer_map() noexcept = default;
  buffer_map(buffer_map&& other) noexcept;
  buffer_map& operator=(buffer_map&& other) noexcept;
  buffer_map(const buffer_map&) = delete;
  buffer_map& operator=(const buffer_map&) = delete;
  ~buffer_map() = default;  // map_ unmaps, then merged_ drops its reference

  /// Start of the mapped bytes (nullptr for an empty buffer or once unmapped).
  std::byte* data() const noexcept { return map_.data(); }
  std::size_t size() const noexcept { return map_.size(); }
  std::span<std::byte> bytes() const noexcept { return map_.bytes(); }
  map_access access() const noexcept { return access_; }
  bool is_mapped() const noexcept { return mapped_; }
  explicit operator bool() const noexcept { return mapped_; }

  /// Ends the mapping; errc::not_mapped when not mapped.
  result<void> unmap();

 private:
  friend class buffer;
  buffer_map(memory merged, memory_map map, map_access access) noexcept
      : merged_(std::move(merged)), map_(std::move(map)), access_(access), mapped_(true) {}

  memory merged_;   ///< a temporary merged copy this map owns (read access), else empty
  memory_map map_;  ///< declared after merged_: destroyed (unmapped) first
  map_access access_ = map_access::read;
  bool mapped_ = false;
};

}  // namespace tessera::core
