#pragma once
/// The default memory budgets (docs/deploy.md), as fractions of the memory the process
/// may use (process_memory_limit(): the container's cgroup limit, v1 or v2, else the
/// machine's physical memory):
///   - the tile cache: a quarter, so that tiles leave room for everything else
///     (encoders, sockets, buffers in flight) and for a tee'd pipeline's second copy
///     of a frame;
///   - the global memory budget of all pipelines (`tessera serve --memory-budget`):
///     three quarters, leaving the last quarter to the process itself (code, stacks,
///     allocator slack, sockets) before the kernel's OOM killer would act.

#include <cstdint>

namespace tessera::core {

/// The tile cache budget is this fraction (1 / divisor) of the memory limit.
inline constexpr std::uint64_t cache_budget_divisor = 4;
/// The global memory budget is numerator / denominator of the memory limit.
inline constexpr std::uint64_t memory_budget_numerator = 3;
inline constexpr std::uint64_t memory_budget_denominator = 4;
/// Neither budget is ever less than this, however small the limit (bytes).
inline constexpr std::uint64_t min_cache_bytes = 16ull << 20;

/// max(min_cache_bytes, limit_bytes / cache_budget_divisor).
std::uint64_t cache_budget_for(std::uint64_t limit_bytes);

/// max(min_cache_bytes, limit_bytes * 3 / 4).
std::uint64_t memory_budget_for(std::uint64_t limit_bytes);

/// cache_budget_for() of this process's memory limit.
std::uint64_t default_cache_bytes();

}  // namespace tessera::core
