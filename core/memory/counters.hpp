#pragma once
/// Process-wide memory counters: what `tessera launch --stats`, `/metrics` and the
/// tests read.
///
/// The counters exist at all times (no enabling step) and are updated with relaxed
/// atomics, so reading them from any thread is safe; a snapshot is a set of
/// individually consistent values, not one atomic picture of all of them.
///
/// Two kinds of hooks feed them:
///  - `counted_copy` is THE one place through which every byte copy the memory
///    core makes goes (memory::copy, buffer::make_writable, merges in map);
///  - `count_allocation` / `count_free` are called by every allocator when it
///    obtains or gives back storage (a pool hit is not an allocation: the block
///    stays live inside the pool), and `count_memory_created` /
///    `count_memory_destroyed` track memory objects (roots and shares) that are
///    referenced, so tests can detect leaks.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace tessera::core {

/// A snapshot of the counters. Byte counts are of memory regions (maxsize), not
/// of allocator bookkeeping (headers, alignment slack).
struct memory_counters {
  std::uint64_t allocated_bytes = 0;  ///< bytes obtained by allocators since start (cumulative)
  std::uint64_t live_bytes = 0;       ///< bytes currently held by allocators (incl. pooled blocks)
  std::uint64_t peak_bytes = 0;       ///< highest live_bytes seen
  std::uint64_t copies = 0;           ///< counted_copy calls
  std::uint64_t copied_bytes = 0;     ///< bytes copied by counted_copy
  std::uint64_t allocations = 0;      ///< storage blocks obtained since start
  std::uint64_t frees = 0;            ///< storage blocks given back since start
  std::uint64_t live_memories = 0;    ///< memory objects (roots and shares) currently referenced
};

/// Reads the counters.
memory_counters memory_counters_snapshot() noexcept;

/// Copies `bytes` from `src` to `dst` (non-overlapping) and counts it: copies += 1,
/// copied_bytes += bytes. A copy of 0 bytes is counted as a copy of 0 bytes.
void counted_copy(void* dst, const void* src, std::size_t bytes) noexcept;

/// Allocator hooks: storage of `bytes` obtained / given back.
void count_allocation(std::size_t bytes) noexcept;
void count_free(std::size_t bytes) noexcept;

/// The memory budget of the process: allocators refuse storage that would take
/// live_bytes past it (0: no budget, the default). Process-wide like the counters it
/// is checked against; `core::runtime` installs the one its owner was given
/// (`tessera serve --memory-budget`). Storage is refused, not taken and given back:
/// the element that asked fails with an error naming the budget (a bus error), which
/// is what the budget is for instead of the kernel's OOM killer.
void set_memory_budget(std::uint64_t bytes) noexcept;
std::uint64_t memory_budget() noexcept;
/// count_allocation when the budget allows `bytes` more, else false and nothing
/// counted. Allocators call it before obtaining storage, and
/// uncount_allocation(bytes) when obtaining it then failed.
bool try_count_allocation(std::size_t bytes) noexcept;
void uncount_allocation(std::size_t bytes) noexcept;
/// Why an allocation of `bytes` failed, for the allocator's error: the budget with
/// the bytes live when the budget refused it (on this thread, as try_count_allocation
/// saw them), else that the system had no memory.
std::string allocation_failure_reason(std::size_t bytes);

/// Fault injection for tests (a system out of memory cannot be made on demand): the
/// `at`-th try_count_allocation after the call (0: the next one), counted over every
/// allocator and thread of the process, is refused as if the system had no memory
/// (allocation_failure_reason says it was injected); the ones before and after it
/// are not. `std::nullopt` turns it off. Inert until armed: one relaxed atomic load
/// per reservation otherwise.
void inject_allocation_failure(std::optional<std::uint64_t> at) noexcept;
/// Reservations since inject_allocation_failure (a failure `at` past every one counts
/// them: how many a sweep has to go through).
std::uint64_t allocation_fault_calls() noexcept;

/// Memory object hooks: a root or share header starts / stops being referenced.
void count_memory_created() noexcept;
void count_memory_destroyed() noexcept;

}  // namespace tessera::core
