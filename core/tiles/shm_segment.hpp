#pragma once
/// ShmMgr (GIMP's design, "MemMgr and ShmMgr"): POSIX shared-memory segments, each
/// with regions (ShmPtr) carved out of it, so image data can be handed to another
/// process by the segment's name and the region's offset.
///
///  - shm_segment: one segment (shm_open + mmap), RAII. A segment this process
///    created is unlinked when its object dies; one opened by name, or adopted from a
///    descriptor another process passed over a unix socket (shmsrc), is only unmapped.
///    The segment keeps its descriptor open so it can be passed on (SCM_RIGHTS).
///  - shm_ptr: one region of a segment (GIMP's ShmPtr); gives its bytes back to the
///    segment's free list when it dies.
///  - shm_mgr: carves regions from segments of `segment_bytes`, creating a segment
///    when none has room, and says where a byte lies (segment name, offset) so a
///    buffer's memory can be named to another process.
///
/// Thread safety: all members may be called from any thread (a segment's free list
/// has a mutex; a shm_ptr is one owner's, like unique_ptr).

#include "core/support/free_extents.hpp"
#include "core/support/result.hpp"
#include "core/support/unique_fd.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tessera::core {

class shm_segment {
 public:
  /// A new segment of `bytes` (> 0) named "/tessera-<pid>-<n>", mode 0600, zero-filled.
  /// Without `keep_name` the name is removed at once: the segment then reaches other
  /// processes only as a descriptor (shmsink), and nothing is left in /dev/shm even
  /// when this process is killed.
  static result<std::shared_ptr<shm_segment>> create(std::size_t bytes, bool keep_name = true);
  /// Maps the existing segment `name` (as another process would). errc::not_found
  /// when it does not exist.
  static result<std::shared_ptr<shm_segment>> open(const std::string& name);
  /// Maps the segment behind `fd` (received from another process), read-only when
  /// `read_only`. `name` is for messages. errc::invalid_argument when it has no size.
  static result<std::shared_ptr<shm_segment>> adopt(unique_fd fd, const std::string& name, bool read_only);
  ~shm_segment();
  shm_segment(const shm_segment&) = delete;
  shm_segment& operator=(const shm_segment&) = delete;

  const std::string& name() const noexcept { return name_; }
  std::byte* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  /// The segment's descriptor, to pass to another process.
  int fd() const noexcept { return fd_.get(); }
  bool contains(const std::byte* p) const noexcept { return p >= data_ && p < data_ + size_; }

  /// Reserves `bytes` (> 0) at an offset aligned to `align` (a power of two): the
  /// first free extent that fits. errc::no_memory when none does.
  result<std::size_t> carve(std::size_t bytes, std::size_t align);
  /// Gives back an extent from carve(); neighbours merge.
  void give_back(std::size_t offset, std::size_t bytes) noexcept;
  /// Bytes not carved out.
  std::size_t free_bytes() const;

 private:
  shm_segment(std::string name, unique_fd fd, std::byte* data, std::size_t size, bool owner);

  const std::string name_;
  const unique_fd fd_;
  std::byte* const data_;
  const std::size_t size_;
  const bool owner_;  // created here: unlinked on destruction
  mutable std::mutex mutex_;
  free_extents free_;  // guarded by mutex_
};

/// One region of a segment. Move-only; gives the region back when it dies.
class shm_ptr {
 public:
  shm_ptr() = default;
  shm_ptr(std::shared_ptr<shm_segment> segment, std::size_t offset, std::size_t bytes) noexcept
      : segment_(std::move(segment)), offset_(offset), bytes_(bytes) {}
  shm_ptr(shm_ptr&& other) noexcept { swap(other); }
  shm_ptr& operator=(shm_ptr&& other) noexcept {
    shm_ptr(std::move(other)).swap(*this);
    return *this;
  }
  ~shm_ptr() {
    if (segment_) segment_->give_back(offset_, bytes_);
  }
  void swap(shm_ptr& other) noexcept {
    std::swap(segment_, other.segment_);
    std::swap(offset_, other.offset_);
    std::swap(bytes_, other.bytes_);
  }

  explicit operator bool() const noexcept { return segment_ != nullptr; }
  std::byte* data() const noexcept { return segment_ ? segment_->data() + offset_ : nullptr; }
  std::size_t size() const noexcept { return bytes_; }
  std::size_t offset() const noexcept { return offset_; }
  const shm_segment& segment() const noexcept { return *segment_; }

 private:
  std::shared_ptr<shm_segment> segment_;
  std::size_t offset_ = 0;
  std::size_t bytes_ = 0;
};

/// Where a byte of shared memory lies, for another process.
struct shm_location {
  std::string segment_name;
  std::size_t offset = 0;  ///< bytes from the start of the segment
};

class shm_mgr {
 public:
  /// Segments are at least `segment_bytes` (> 0) big; at most `max_segments` of them
  /// (0: no limit), after which allocate() fails with errc::no_memory until regions
  /// come back (shmsink: one segment of shm-size bytes).
  /// `keep_names`: see shm_segment::create.
  explicit shm_mgr(std::size_t segment_bytes = std::size_t{16} << 20, std::size_t max_segments = 0,
                   bool keep_names = true)
      : segment_bytes_(segment_bytes), max_segments_(max_segments), keep_names_(keep_names) {}
  shm_mgr(const shm_mgr&) = delete;
  shm_mgr& operator=(const shm_mgr&) = delete;

  /// A region of `bytes` aligned to `align`, from a segment with room or a new one.
  result<shm_ptr> allocate(std::size_t bytes, std::size_t align = 64);
  /// The segment and offset of `p`, if it lies in one of this manager's segments.
  std::optional<shm_location> locate(const std::byte* p) const;
  std::size_t segment_count() const;
  std::size_t segment_bytes() const noexcept { return segment_bytes_; }
  /// The segments made so far (to pass to another process).
  std::vector<std::shared_ptr<shm_segment>> segments() const;
  /// Bytes not carved out of the segments made so far.
  std::size_t free_bytes() const;

 private:
  const std::size_t segment_bytes_;
  const std::size_t max_segments_;
  const bool keep_names_;
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<shm_segment>> segments_;  // guarded by mutex_
};

}  // namespace tessera::core
