#pragma once
/// Statistics counters that one thread writes (an element's streaming thread) and any
/// thread reads (a describe from the control API).

#include <atomic>
#include <cstdint>

namespace tessera {

/// Adds one to `counter`. There is one writer, so a relaxed load and store do, not a
/// locked read-modify-write on every buffer.
inline void bump(std::atomic<std::uint64_t>& counter) noexcept {
  counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

}  // namespace tessera
