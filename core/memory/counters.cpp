#include "core/memory/counters.hpp"

#include <atomic>
#include <cstring>
#include <utility>

namespace tessera::core {
namespace {

// One cache line for the allocation side and one for the copy side, so a thread
// copying does not bounce the line of a thread allocating.
struct alignas(64) allocation_counters {
  std::atomic<std::uint64_t> allocated_bytes{0};
  std::atomic<std::uint64_t> live_bytes{0};
  std::atomic<std::uint64_t> peak_bytes{0};
  std::atomic<std::uint64_t> allocations{0};
  std::atomic<std::uint64_t> frees{0};
  std::atomic<std::uint64_t> live_memories{0};
  std::atomic<std::uint64_t> budget{0};  // 0: none
};
struct alignas(64) copy_counters {
  std::atomic<std::uint64_t> copies{0};
  std::atomic<std::uint64_t> copied_bytes{0};
};

// Constant-initialised, never destroyed: usable from any static destructor.
constinit allocation_counters alloc_counters;
constinit copy_counters copy_stats;

}  // namespace

memory_counters memory_counters_snapshot() noexcept {
  memory_counters c;
  c.allocated_bytes = alloc_counters.allocated_bytes.load(std::memory_order_relaxed);
  c.live_bytes = alloc_counters.live_bytes.load(std::memory_order_relaxed);
  c.peak_bytes = alloc_counters.peak_bytes.load(std::memory_order_relaxed);
  c.allocations = alloc_counters.allocations.load(std::memory_order_relaxed);
  c.frees = alloc_counters.frees.load(std::memory_order_relaxed);
  c.live_memories = alloc_counters.live_memories.load(std::memory_order_relaxed);
  c.copies = copy_stats.copies.load(std::memory_order_relaxed);
  c.copied_bytes = copy_stats.copied_bytes.load(std::memory_order_relaxed);
  return c;
}

void counted_copy(void* dst, const void* src, std::size_t bytes) noexcept {
  if (bytes != 0) std::memcpy(dst, src, bytes);
  copy_stats.copies.fetch_add(1, std::memory_order_relaxed);
  copy_stats.copied_bytes.fetch_add(bytes, std::memory_order_relaxed);
}

void count_allocation(std::size_t bytes) noexcept {
  alloc_counters.allocated_bytes.fetch_add(bytes, std::memory_order_relaxed);
  alloc_counters.allocations.fetch_add(1, std::memory_order_relaxed);
  const std::uint64_t live =
      alloc_counters.live_bytes.fetch_add(bytes, std::memory_order_relaxed) + bytes;
  std::uint64_t peak = alloc_counters.peak_bytes.load(std::memory_order_relaxed);
  while (live > peak &&
         !alloc_counters.peak_bytes.compare_exchange_weak(peak, live, std::memory_order_relaxed)) {
  }
}

void set_memory_budget(std::uint64_t bytes) noexcept { alloc_counters.budget.store(bytes, std::memory_order_relaxed); }

std::uint64_t memory_budget() noexcept { return alloc_counters.budget.load(std::memory_order_relaxed); }

namespace {
// What the budget saw when it last refused on this thread: the allocator's error is
// worded after it, since live_bytes may have changed by the time the message is made.
struct refusal {
  bool set = false;
  bool injected = false;  // by inject_allocation_failure, not the budget
  std::uint64_t budget = 0, live = 0, bytes = 0;
};
thread_local refusal last_refusal;

// The injected allocation failure.
struct allocation_fault {
  std::atomic<bool> armed{false};
  std::atomic<std::uint64_t> at{0};
  std::atomic<std::uint64_t> calls{0};
};
constinit allocation_fault injected_failure;

// Counts the reservation; true when it is the one to fail.
bool injected_failure_hits() noexcept {
  if (!injected_failure.armed.load(std::memory_order_relaxed)) return false;
  return injected_failure.calls.fetch_add(1, std::memory_order_relaxed) ==
         injected_failure.at.load(std::memory_order_relaxed);
}
}  // namespace

void inject_allocation_failure(std::optional<std::uint64_t> at) noexcept {
  injected_failure.armed.store(false, std::memory_order_relaxed);
  injected_failure.calls.store(0, std::memory_order_relaxed);
  if (!at) return;
  injected_failure.at.store(*at, std::memory_order_relaxed);
  injected_failure.armed.store(true, std::memory_order_seq_cst);
}

std::uint64_t allocation_fault_calls() noexcept { return injected_failure.calls.load(std::memory_order_relaxed); }

bool try_count_allocation(std::size_t bytes) noexcept {
  if (injected_failure_hits()) {
    last_refusal = {true, true, 0, 0, bytes};
    return false;
  }
  const std::uint64_t budget = alloc_counters.budget.load(std::memory_order_relaxed);
  if (budget == 0) {
    count_allocation(bytes);
    return true;
  }
  // Reserve on live_bytes itself, so two threads cannot both pass the last room.
  std::uint64_t live = alloc_counters.live_bytes.load(std::memory_order_relaxed);
  do {
    if (bytes > budget || live > budget - bytes) {
      last_refusal = {true, false, budget, live, bytes};
      return false;
    }
  } while (!alloc_counters.live_bytes.compare_exchange_weak(live, live + bytes, std::memory_order_relaxed));
  alloc_counters.allocated_bytes.fetch_add(bytes, std::memory_order_relaxed);
  alloc_counters.allocations.fetch_add(1, std::memory_order_relaxed);
  const std::uint64_t now = live + bytes;
  std::uint64_t peak = alloc_counters.peak_bytes.load(std::memory_order_relaxed);
  while (now > peak && !alloc_counters.peak_bytes.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
  return true;
}

void uncount_allocation(std::size_t bytes) noexcept {
  alloc_counters.live_bytes.fetch_sub(bytes, std::memory_order_relaxed);
  alloc_counters.allocated_bytes.fetch_sub(bytes, std::memory_order_relaxed);
  alloc_counters.allocations.fetch_sub(1, std::memory_order_relaxed);
}

std::string allocation_failure_reason(std::size_t bytes) {
  const refusal r = std::exchange(last_refusal, refusal{});
  if (r.set && r.injected && r.bytes == bytes)
    return "the system has no memory for " + std::to_string(bytes) + " bytes (an injected allocation failure)";
  if (r.set && r.bytes == bytes)
    return "the memory budget of " + std::to_string(r.budget) + " bytes would be passed (" + std::to_string(r.live) +
           " bytes in use, " + std::to_string(bytes) + " more asked)";
  return "the system has no memory for " + std::to_string(bytes) + " bytes";
}

void count_free(std::size_t bytes) noexcept {
  alloc_counters.live_bytes.fetch_sub(bytes, std::memory_order_relaxed);
  alloc_counters.frees.fetch_add(1, std::memory_order_relaxed);
}

void count_memory_created() noexcept {
  alloc_counters.live_memories.fetch_add(1, std::memory_order_relaxed);
}

void count_memory_destroyed() noexcept {
  alloc_counters.live_memories.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace tessera::core
