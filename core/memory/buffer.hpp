#pragma once
/// buffer: what flows between elements (GstBuffer): a list of memories plus
/// timing, offsets, flags and the permissions of the reference (FFmpeg).
///
/// Ownership: a buffer is a move-only value. Pushing it downstream moves it: the
/// reference is given away (the FFmpeg rule) and moving never touches a
/// refcount. Sharing is explicit: share() makes a second buffer referring to the
/// same memories (each memory's refcount + 1), after which neither buffer is
/// writable until make_writable() copies what must be copied. deep_copy() copies
/// every byte. Copies go through counted_copy and show in the counters.
///
/// Writability is the memories': a buffer is writable when every memory is.
/// make_writable() copies only the memories that are not writable; the others
/// are kept (a memory shared with another buffer is copied, one that only this
/// buffer holds is not).
///
/// Up to memory_list::inline_capacity memories are stored inside the buffer;
/// more spill to the heap.
///
/// Thread safety: one buffer is used by one thread at a time (it is moved between
/// threads, not shared); distinct buffers sharing memories may be used from
/// different threads, as memory handles are.

#include "core/memory/allocator.hpp"
#include "core/memory/bitmask.hpp"
#include "core/memory/buffer_map.hpp"
#include "core/memory/memory.hpp"
#include "core/memory/memory_list.hpp"
#include "core/memory/perms.hpp"
#include "core/memory/system_allocator.hpp"
#include "core/support/result.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace tessera::core {

/// "No time" for pts, dts and duration (nanoseconds), like GST_CLOCK_TIME_NONE.
inline constexpr std::int64_t clock_none = -1;
/// "No offset" for offset and offset_end, like GST_BUFFER_OFFSET_NONE.
inline constexpr std::uint64_t offset_none = static_cast<std::uint64_t>(-1);

/// GstBufferFlags.
enum class buffer_flags : std::uint32_t {
  none = 0,
  live = 1 << 0,        ///< produced by a live source
  discont = 1 << 1,     ///< first buffer after a discontinuity
  delta_unit = 1 << 2,  ///< cannot be decoded on its own
  gap = 1 << 3,         ///< no meaningful data (silence, repeated frame)
  droppable = 1 << 4,   ///< may be dropped without harm
  header = 1 << 5,      ///< stream header data
  corrupted = 1 << 6,   ///< data known to be damaged
  marker = 1 << 7,      ///< media-specific marker (end of frame, RTP marker)
};

template <>
struct is_bitmask<buffer_flags> : std::true_type {};

class buffer {
 public:
  /// Most memories one buffer may hold.
  static constexpr std::size_t max_memories = std::size_t{1} << 20;

  /// An empty buffer: no memory, size 0, all permissions.
  buffer() noexcept = default;
  buffer(buffer&&) noexcept = default;
  buffer& operator=(buffer&&) noexcept = default;
  buffer(const buffer&) = delete;
  buffer& operator=(const buffer&) = delete;
  ~buffer() = default;

  /// A buffer with one memory of `size` bytes from `a` (none for size 0, like
  /// gst_buffer_new_allocate), all permissions. The allocator's errors pass through.
  static result<buffer> allocate(std::size_t size, allocator& a = system_allocator(),
                                 const alloc_params& p = {});
  /// A buffer holding `m` (which must not be empty), all permissions.
  static result<buffer> wrap(memory m);

  /// Shallow copy: a new buffer with the same memories (refcount + 1 each), the
  /// same metadata and the same permissions. No bytes are copied.
  buffer share() const;
  /// Like share(), then resize(offset, size): the new buffer sees only that range,
  /// through shares of the memories (no copy). Metadata and permissions are kept.
  result<buffer> share_region(std::size_t offset, std::size_t size = memory::npos) const;
  /// Deep copy: every memory copied (counted), same metadata, all permissions.
  result<buffer> deep_copy() const;

  std::int64_t pts = clock_none;       ///< presentation time, nanoseconds
  std::int64_t dts = clock_none;       ///< decoding time, nanoseconds
  std::int64_t duration = clock_none;  ///< nanoseconds
  std::uint64_t offset = offset_none;      ///< media-specific (frame number, byte offset)
  std::uint64_t offset_end = offset_none;  ///< media-specific end offset
  buffer_flags flags = buffer_flags::none;

  perm perms() const noexcept { return perms_; }
  void set_perms(perm p) noexcept { perms_ = p; }

  std::size_t n_memory() const noexcept { return memories_.size(); }
  /// The i-th memory; an empty handle when i >= n_memory() (misuse, not UB).
  const memory& peek_memory(std::size_t i) const noexcept;
  std::span<const memory> memories() const noexcept { return {memories_.begin(), memories_.size()}; }

  /// Adds a memory at the end / before position i / in place of position i;
  /// removes position i. Errors: empty memory (errc::invalid_argument), index out of
  /// range (errc::out_of_range), more than max_memories (errc::limit_exceeded).
  result<void> append_memory(memory m);
  result<void> insert_memory(std::size_t i, memory m);
  result<void> replace_memory(std::size_t i, memory m);
  result<void> remove_memory(std::size_t i);
  /// Removes every memory (metadata stays).
  void clear_memories() noexcept { memories_.clear(); }

  /// Sum of the memories' visible sizes, bytes.
  std::size_t size() const noexcept;
  /// Every memory writable (true for a buffer without memory).
  bool is_writable() const noexcept;
  /// Replaces each memory that is not writable by a copy (counted) and keeps the
  /// others; then the buffer has WRITE permission. On error (out of memory) the
  /// memories copied so far stay replaced and the rest are untouched.
  result<void> make_writable();

  /// Maps the whole buffer as one contiguous range:
  ///  - no memory: an empty map (data nullptr, size 0);
  ///  - one memory: that memory is mapped directly;
  ///  - several memories that are adjacent shares of one parent: one share
  ///    spanning them is mapped, no copy;
  ///  - otherwise: the memories are merged into one new memory with one counted
  ///    copy each.
  /// With write access the merged or spanned memory replaces the list (like
  /// gst_buffer_map), and a memory that is still not writable is replaced by a
  /// counted copy first, so write access always succeeds on a buffer you own;
  /// check is_writable() first to know whether it will copy.
  result<buffer_map> map(map_access access);

  /// Keeps `size` bytes (npos: to the end) from `offset` of the buffer's current
  /// data, trimming across memories: memories outside the range are removed,
  /// writable ones at the edges are resized in place, shared ones are replaced by
  /// shares of the needed part (no copy). offset + size > size() is
  /// errc::out_of_range.
  result<void> resize(std::size_t offset, std::size_t size = memory::npos);

 /// Takes pts, dts, duration, offset, offset_end and flags from `other` (what an
  /// element producing a new buffer for an input one carries over).
  void copy_metadata_from(const buffer& other) noexcept;

 private:

  perm perms_ = perm_all;
  memory_list memories_;
};

}  // namespace tessera::core
