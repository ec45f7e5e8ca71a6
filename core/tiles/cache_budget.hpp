#pragma once
/// The default tile cache budget (core/README.md): a quarter of the memory the process
/// may use, so that tiles leave room for everything else (encoders, sockets, buffers in
/// flight) and for a tee'd pipeline's second copy of a frame.
///
/// "The memory the process may use" is the cgroup v2 limit of the container
/// (/sys/fs/cgroup/memory.max) when one is set, else the machine's physical memory.

#include <cstdint>
#include <optional>
#include <string>

namespace tessera::core {

/// The budget is this fraction (1 / divisor) of the memory limit.
inline constexpr std::uint64_t cache_budget_divisor = 4;
/// Never less than this, however small the limit (bytes).
inline constexpr std::uint64_t min_cache_bytes = 16ull << 20;

/// The cgroup memory limit in `memory_max_text` (the contents of memory.max): a
/// number of bytes, or nothing for "max", empty or malformed text.
std::optional<std::uint64_t> parse_cgroup_memory_max(const std::string& memory_max_text);

/// max(min_cache_bytes, limit / cache_budget_divisor), with `limit` the cgroup limit
/// if given, else `physical_bytes`.
std::uint64_t cache_budget_for(std::optional<std::uint64_t> cgroup_limit, std::uint64_t physical_bytes);

/// cache_budget_for() of this process (reads /sys/fs/cgroup/memory.max and sysconf).
std::uint64_t default_cache_bytes();

}  // namespace tessera::core
