#pragma once
/// Copy-on-write shared memory: GIMP's smart pointer lifecycle
/// (the design of GIMP's copy-on-write memory manager, "Copy On Write Shared Memory").
///
/// A `cow_ptr` is a small object that user code keeps instead of a data pointer. It
/// refers to a `cow_storage` (a byte block) that other pointers may refer to as well,
/// and it walks this state machine:
///
///             init             alloc                write
///   UNINIT ----------> UNALLOC --------> SHARABLE ----------> UNSHARABLE
///          <----------         <--------  |    ^  <----------
///           uninit [1]          unalloc   |    |   last release [3]
///                                   join  |    |  the other pointers leave,
///               (another pointer joins)   v    |  or write/split detach us [2][5]
///                                        SHARED
///
/// Uses: read() and write() each start a use and hand out the bytes; release() ends
/// one. A pointer with write uses is "readwrite" (UNSHARABLE) until its last use ends;
/// one with only read uses is "readonly". The storage counts the pointers that refer to
/// it: one pointer is SHARABLE/UNSHARABLE, two or more are SHARED.
///
/// Every transition line of the design, as implemented:
///   SHARABLE:   read/release/split -> SHARABLE; write -> UNSHARABLE; join -> SHARED
///   UNSHARABLE: read/write/split -> UNSHARABLE; release -> UNSHARABLE, or SHARABLE at
///               the last use [3]; join gives the joiner a new SHARABLE copy [4]
///   SHARED:     read/release/join -> SHARED; write copies and detaches this pointer
///               (new copy UNSHARABLE) [2]; split copies and detaches this pointer (new
///               copy SHARABLE) [5]; the old storage stays SHARED with 2+ pointers left
///               and becomes SHARABLE with 1 left.
///
/// Where tessera is stricter than the design (so that misuse is an error, never UB):
///  - [1] uninit() works from any state and nothing bad happens: the pointer's uses
///    are ended, its storage reference dropped (the storage dies if it was the last),
///    and guards still holding those uses become inert. Spans handed out before are
///    invalid afterwards, like iterators of a destroyed container.
///  - An operation the design does not list for a state returns errc::bad_state naming
///    the operation and the state (e.g. alloc() when SHARABLE, read() when UNALLOC,
///    unalloc() when SHARED or UNSHARABLE). Nothing changes on any error.
///  - unalloc() needs a pointer with no uses (the spans would dangle).
///  - join() is called on an UNALLOC pointer with the pointer to join as argument.
///
/// A readonly pointer may detach from SHARED storage (write [2], split [5], as the
/// design's "(new) -> SHARABLE: d_split made a copy of an unused/readonly SP" says).
/// Its earlier read spans point into the storage it left, so it keeps a *pin* there
/// until all its read uses end: the old storage stays alive and resident, and the
/// pointer left alone on it copies on its next write instead of writing in place
/// (its state is SHARABLE all the same). Spans from read() after the detach point at
/// the new copy.
///
/// A pointer never moves once it exists: not copyable, not movable.

#include "core/memory/cow_block_manager.hpp"
#include "core/memory/cow_guard.hpp"
#include "core/memory/cow_state.hpp"
#include "core/memory/cow_storage.hpp"
#include "core/support/result.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace tessera::core {

/// A copy-on-write smart pointer to shared bytes, following GIMP's lifecycle.
///
/// Ownership: holds one count on its `cow_storage` while it refers to it; the storage
/// dies with its last pointer. A span from read() or write() is valid until that use is
/// released (or the pointer is uninit()): while a use is held the bytes neither move
/// nor get swapped out. Destruction is uninit().
///
/// Thread safety: one pointer object is used by one thread at a time, except that its
/// const members (state(), size_bytes(), the source side of join()) may run
/// concurrently with each other — the std::shared_ptr rule. Distinct pointers referring
/// to the same storage may be used from different threads without locks: the counts
/// are atomic, a copy finishes before its pointer detaches, and a pointer writes in
/// place only when it is the storage's only pointer. Not safe: join() onto a pointer
/// whose owner concurrently calls a non-const member on it, or writes through a span
/// from its write() (that join copies those bytes).
class cow_ptr {
 public:
  /// A pointer in state UNINIT.
  cow_ptr() noexcept = default;
  /// uninit().
  ~cow_ptr();

  cow_ptr(const cow_ptr&) = delete;
  cow_ptr& operator=(const cow_ptr&) = delete;
  cow_ptr(cow_ptr&&) = delete;
  cow_ptr& operator=(cow_ptr&&) = delete;

  /// Current state. SHARED may turn into SHARABLE at any moment if a pointer on
  /// another thread detaches from the same storage.
  cow_state state() const noexcept;

  /// UNINIT -> UNALLOC.
  result<void> init() noexcept;
  /// Any state -> UNINIT [1]: ends this pointer's uses and lets go of its storage.
  void uninit() noexcept;

  /// UNALLOC -> SHARABLE: new zero-filled storage of `size_bytes` (> 0) aligned to
  /// `alignment` (a power of two, at most cow_max_alignment), from `manager`, which
  /// must outlive the storage and every copy of it.
  result<void> alloc(std::size_t size_bytes, std::size_t alignment = cow_default_alignment,
                     cow_block_manager& manager = system_block_manager()) noexcept;
  /// SHARABLE (no uses) -> UNALLOC: the storage is destroyed.
  result<void> unalloc() noexcept;

  /// Starts a read use; state unchanged. The span is valid until release(read).
  result<std::span<const std::byte>> read() noexcept;
  /// Starts a write use: SHARABLE/UNSHARABLE -> UNSHARABLE in place (a copy if a
  /// detached reader still pins the storage); SHARED -> this pointer gets its own
  /// UNSHARABLE copy [2]. The span is valid until release(write).
  result<std::span<std::byte>> write() noexcept;
  /// Ends one use of kind `access`; the last use of an UNSHARABLE pointer leaves it
  /// SHARABLE [3].
  result<void> release(cow_access access) noexcept;

  /// This UNALLOC pointer joins `source`: SHARABLE/SHARED source -> both SHARED on one
  /// storage; UNSHARABLE source -> this pointer gets a new SHARABLE copy, the source is
  /// left alone [4].
  result<void> join(const cow_ptr& source) noexcept;
  /// SHARED -> this pointer gets its own SHARABLE copy [5]; SHARABLE and UNSHARABLE
  /// are left as they are.
  result<void> split() noexcept;

  /// read() / write() whose use the returned guard releases.
  result<cow_read_guard> read_guard() noexcept;
  result<cow_write_guard> write_guard() noexcept;

  /// Uses this pointer holds.
  std::size_t read_uses() const noexcept { return read_uses_; }
  std::size_t write_uses() const noexcept { return write_uses_; }
  /// Size of the storage, 0 without storage.
  std::size_t size_bytes() const noexcept;
  /// The storage this pointer refers to, nullptr in UNINIT and UNALLOC. Valid while
  /// the pointer refers to it; its public members are thread-safe.
  cow_storage* storage() const noexcept { return storage_; }
  /// Whether both pointers refer to the same storage.
  bool shares_storage_with(const cow_ptr& other) const noexcept;

 private:
  friend void cow_end_guarded_use(cow_ptr&, cow_access, std::uint64_t) noexcept;

  /// A storage this pointer detached from while reading, with the uses it still holds
  /// there.
  struct pin {
    cow_storage* storage;
    std::size_t uses;
  };

  /// Replaces this pointer's reference to shared storage with a new copy of its own,
  /// pinning the old storage if read uses are held.
  result<void> detach_to_copy() noexcept;
  void release_pins() noexcept;
  void end_guarded_use(cow_access access, std::uint64_t epoch) noexcept;

  bool initialized_ = false;
  cow_storage* storage_ = nullptr;  // one count held while non-null
  bool exclusive_ = false;          // UNSHARABLE: a write happened, uses not all ended
  std::size_t read_uses_ = 0;
  std::size_t write_uses_ = 0;
  std::uint64_t epoch_ = 0;  // bumped by uninit(); tells guards their use is gone
  std::vector<pin> pins_;    // non-empty only while read_uses_ > 0
};

}  // namespace tessera::core
