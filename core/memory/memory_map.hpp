#pragma once
/// memory_map: an RAII mapping of one memory object (GstMapInfo with its unmap).
///
/// memory::map() returns one. While it lives, the memory's region stays allocated
/// even if every handle to the memory is dropped (the map pins the block without
/// counting as a reference, so mapping does not change writability). The
/// destructor unmaps; unmap() does it early and reports misuse: unmapping twice
/// or unmapping an empty map is errc::not_mapped. unmap(new_size) sets the
/// memory's visible size, as the design says ("the call will update the new
/// memory size"); that needs write access.
///
/// Access rules while maps are active (GStreamer's): further maps must ask for a
/// subset of the access of the first (read after readwrite is fine, write after
/// read is not); a memory mapped with write access cannot be shared or copied.
///
/// Thread safety: a memory_map is used by one thread at a time; maps of the same
/// memory from different threads are safe with respect to each other, the bytes
/// they point at are the caller's to synchronise.

#include "core/memory/bitmask.hpp"
#include "core/support/result.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace tessera::core {

namespace detail {
struct memory_block;
}

enum class map_access : std::uint8_t {
  read = 1,
  write = 2,
  readwrite = 3,
};

template <>
struct is_bitmask<map_access> : std::true_type {};

/// "read", "write", "readwrite" (or "invalid(N)").
std::string_view to_string(map_access access) noexcept;

class memory_map {
 public:
  memory_map() noexcept = default;
  memory_map(memory_map&& other) noexcept;
  memory_map& operator=(memory_map&& other) noexcept;
  memory_map(const memory_map&) = delete;
  memory_map& operator=(const memory_map&) = delete;
  ~memory_map();

  /// Start of the visible bytes as they were when mapped; write through it only
  /// with write access. nullptr once unmapped.
  std::byte* data() const noexcept { return data_; }
  /// Visible bytes when mapped.
  std::size_t size() const noexcept { return size_; }
  std::span<std::byte> bytes() const noexcept { return {data_, size_}; }
  map_access access() const noexcept { return access_; }
  bool is_mapped() const noexcept { return block_ != nullptr; }
  explicit operator bool() const noexcept { return is_mapped(); }

  /// Ends the mapping. errc::not_mapped when not mapped.
  result<void> unmap();
  /// Ends the mapping and sets the memory's visible size to `new_size` bytes.
  /// Needs write access (errc::not_writable) and offset + new_size <= maxsize
  /// (errc::out_of_range, the memory stays mapped in both cases).
  result<void> unmap(std::size_t new_size);

 private:
  friend class memory;
  memory_map(detail::memory_block* block, map_access access, std::byte* data,
             std::size_t size) noexcept
      : block_(block), data_(data), size_(size), access_(access) {}
  void release() noexcept;

  detail::memory_block* block_ = nullptr;  ///< pinned while mapped
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  map_access access_ = map_access::read;
};

}  // namespace tessera::core
