#pragma once
/// The storage behind copy-on-write smart pointers (`cow_ptr`): one block of bytes of
/// fixed size and alignment, reference-counted by the pointers that refer to it.
///
/// Three counts live here:
///  - `sp_count`: how many smart pointers refer to this storage. It decides the GIMP
///    lifecycle state: 1 pointer is SHARABLE (or UNSHARABLE while that pointer writes),
///    2 or more is SHARED.
///  - `pin_count`: pointers that detached from this storage (write or split on SHARED)
///    while holding read uses. Their old spans still point here, so the storage stays
///    alive and is never written in place until they end those uses: the pointer left
///    alone here copies on its next write instead.
///  - `use_count`: how many read and write uses are in progress, over all pointers and
///    pins. While it is above zero the bytes stay resident at the same address, so a
///    span a pointer handed out stays valid until its use is released.
/// The storage is destroyed when no pointer and no pin refers to it.
///
/// Residency (the hook for the tile cache): a block manager may `evict()` idle storage, which
/// passes the bytes to `cow_block_manager::swap_out` and gives the block back. The next
/// read or write use brings them back through `swap_in`, into a possibly new block.

#include "core/memory/cow_block_manager.hpp"
#include "core/support/result.hpp"

#include <atomic>
#include <cstddef>
#include <mutex>

namespace tessera::core {

/// Alignment of storage when none is given: a cache line, enough for any SIMD load.
inline constexpr std::size_t cow_default_alignment = 64;
/// Largest alignment storage accepts: one page.
inline constexpr std::size_t cow_max_alignment = 4096;

/// A reference-counted block of bytes shared by `cow_ptr`s.
///
/// Ownership: created and destroyed only by `cow_ptr`; each pointer that refers to it
/// (and each pin) holds one count, and the last one to let go deletes it (and gives its
/// block back to its manager). Other code sees it through `cow_ptr::storage()`, valid while that
/// pointer refers to it.
///
/// Thread safety: all members are safe to call concurrently. Counts are atomic or
/// guarded by an internal mutex; `evict()` and the start of a use are serialized, so a
/// use never sees a half-swapped block.
class cow_storage {
 public:
  cow_storage(const cow_storage&) = delete;
  cow_storage& operator=(const cow_storage&) = delete;

  std::size_t size_bytes() const noexcept { return size_bytes_; }
  std::size_t alignment() const noexcept { return alignment_; }
  cow_block_manager& manager() const noexcept { return manager_; }

  /// Smart pointers referring to this storage (>= 1 while anyone can see it).
  std::size_t sp_count() const noexcept { return sp_count_.load(std::memory_order_acquire); }

  /// Detached pointers whose earlier read uses still refer to this storage.
  std::size_t pin_count() const noexcept { return pin_count_.load(std::memory_order_acquire); }

  /// Whether the one pointer referring to this storage may write its bytes in place:
  /// it is the only pointer and no detached reader still looks at the bytes.
  bool writable_in_place() const noexcept { return sp_count() == 1 && pin_count() == 0; }

  /// Read and write uses in progress, over all pointers and pins.
  std::size_t use_count() const noexcept;

  /// Whether the bytes are in memory (false after a successful `evict()` until the
  /// next use brings them back).
  bool resident() const noexcept;

  /// For a block manager: swap the bytes out and give the block back. Refused with
  /// errc::bad_state while a use is in progress; the manager's swap_out error is
  /// passed on (the storage then stays resident). Evicting non-resident storage is a
  /// no-op.
  result<void> evict() noexcept;

  /// Storages alive in the process right now (for leak checks in tests and stats).
  static std::size_t live_count() noexcept;

 private:
  friend class cow_ptr;

  cow_storage(std::byte* block, std::size_t size_bytes, std::size_t alignment,
              cow_block_manager& manager) noexcept;
  ~cow_storage();

  /// New zero-filled storage with one smart pointer.
  static result<cow_storage*> create(std::size_t size_bytes, std::size_t alignment,
                                     cow_block_manager& manager) noexcept;
  /// New storage with one smart pointer holding a copy of `source`'s bytes, from the
  /// same manager. Holds a use on `source` while copying (so it is resident). The copy
  /// goes through counted_copy, so it shows in the memory counters.
  static result<cow_storage*> create_copy(cow_storage& source) noexcept;

  void add_sp() noexcept;
  /// Lets go of one pointer's count; deletes the storage when nothing refers to it.
  void drop_sp() noexcept;
  /// Turns one pointer's count into a pin (the pointer detached but still reads here).
  void pin_instead_of_sp() noexcept;
  /// Lets go of a pin; deletes the storage when nothing refers to it.
  void unpin() noexcept;

  /// Starts `uses` uses: brings the bytes back if evicted, then counts them. The
  /// returned address is valid until the matching end_use.
  result<std::byte*> begin_use(std::size_t uses = 1) noexcept;
  void end_use(std::size_t uses) noexcept;
  void drop_ref() noexcept;

  const std::size_t size_bytes_;
  const std::size_t alignment_;
  cow_block_manager& manager_;  // borrowed for the storage's whole life
  std::atomic<std::size_t> refs_{1};  // pointers + pins: the storage's lifetime
  std::atomic<std::size_t> sp_count_{1};
  std::atomic<std::size_t> pin_count_{0};

  mutable std::mutex mutex_;
  std::byte* block_;      // guarded by mutex_; nullptr while swapped out
  std::size_t uses_ = 0;  // guarded by mutex_
};

}  // namespace tessera::core
