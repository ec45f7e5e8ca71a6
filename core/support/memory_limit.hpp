#pragma once
/// How much memory this process may use: the memory limit of its cgroup (the
/// container's `--memory`, a Kubernetes `resources.limits.memory`) when there is one,
/// else the machine's physical memory. The tile cache's default budget and the global
/// memory budget of `tessera serve` are fractions of it (docs/deploy.md).
///
/// Both cgroup versions are read, through /proc/self/cgroup (which cgroup the process
/// is in) and /proc/self/mountinfo (where that hierarchy is mounted, and which of its
/// directories the mount shows: inside a container the mount's root is the
/// container's own cgroup):
///   - v1: the `memory` controller's `memory.limit_in_bytes` (a huge number such as
///     9223372036854771712 means no limit);
///   - v2: the unified hierarchy's `memory.max` ("max" means no limit).
/// The limit is the smallest one set on the process's cgroup or any ancestor visible
/// in the mount, since each ancestor's limit also applies. A v1 `memory` controller
/// wins over v2 (on a hybrid system v2 has no memory controller). Missing files mean
/// "no limit there"; without mountinfo the usual mount points are assumed
/// (/sys/fs/cgroup/memory for v1, /sys/fs/cgroup for v2).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::core {

/// A limit and where it came from.
struct memory_limit {
  std::uint64_t bytes = 0;
  /// "cgroup v1 /sys/fs/cgroup/memory/memory.limit_in_bytes", "cgroup v2 /sys/fs/cgroup/memory.max"
  /// or "physical memory": for logs, /api/v1/stats and the operator reading them.
  std::string source;
};

/// A cgroup limit file's value: a number of bytes; nothing for "max" (v2), for a v1
/// "unlimited" value (2^62 bytes or more) and for empty or malformed text.
std::optional<std::uint64_t> parse_cgroup_limit(std::string_view text);

/// The cgroup memory limit of the process, reading `<root>/proc/self/...` and the
/// cgroup files under `<root>`; `root` is "/" except in tests, which pass a fake tree.
/// Nothing when no limit is set (or no cgroup file can be read).
std::optional<memory_limit> cgroup_memory_limit(const std::filesystem::path& root = "/");

/// The machine's physical memory in bytes (sysconf); 4 GiB if the system cannot say.
std::uint64_t physical_memory_bytes();

/// The smaller of the cgroup limit under `root` and `physical_bytes` (a limit above
/// the machine's memory does not give it more).
memory_limit process_memory_limit(std::uint64_t physical_bytes, const std::filesystem::path& root = "/");

/// process_memory_limit() of this process on this machine.
memory_limit process_memory_limit();

}  // namespace tessera::core
