#pragma once
/// shm_allocator: the allocator of memory in POSIX shared memory (core/README.md,
/// "allocators ... OS shared memory ... behind one interface"). Each memory is one
/// region (shm_ptr) of a segment of its shm_mgr, so a buffer's bytes can be handed
/// to another process by name: locate() gives the segment name and offset, and
/// shm_segment::open() there maps the same bytes.
///
/// Ownership: the allocator owns its shm_mgr and must outlive the memory it hands out
/// (each region is given back to its segment when its memory's last reference dies).
/// Thread safety: allocate and the release of memory may run on any thread.

#include "core/memory/allocator.hpp"
#include "core/memory/memory_block.hpp"
#include "core/tiles/shm_segment.hpp"

#include <mutex>
#include <optional>
#include <unordered_map>

namespace tessera::core {

class shm_allocator final : public allocator, public detail::block_owner {
 public:
  /// Segments of `segment_bytes`, at most `max_segments` (0: no limit), named or not
  /// (see shm_mgr).
  explicit shm_allocator(std::size_t segment_bytes = std::size_t{16} << 20, std::size_t max_segments = 0,
                         bool keep_names = true)
      : shm_(segment_bytes, max_segments, keep_names) {}
  ~shm_allocator() override = default;

  std::string_view name() const noexcept override { return "shm"; }
  std::string_view owner_name() const noexcept override { return "shm"; }
  result<memory> allocate(std::size_t size, const alloc_params& params = {}) override;
  void release_block(detail::memory_block* block) noexcept override;

  /// Where the visible bytes of `m` lie (segment name, offset), if it is shared memory
  /// of this allocator.
  std::optional<shm_location> locate(const memory& m) const { return shm_.locate(m.data()); }
  /// Whether `m` is memory this allocator handed out (or a share of it).
  bool owns(const memory& m) const noexcept;
  const shm_mgr& segments() const noexcept { return shm_; }
  std::size_t segment_bytes() const noexcept { return shm_.segment_bytes(); }

 private:
  shm_mgr shm_;
  std::mutex mutex_;
  std::unordered_map<detail::memory_block*, shm_ptr> regions_;  // guarded by mutex_
};

}  // namespace tessera::core
