#pragma once
/// The memory budgets `tessera serve` runs with (docs/deploy.md, "Memory"): the limit
/// they derive from (the container's cgroup limit, else physical memory), the global
/// memory budget of all pipelines (--memory-budget) and the tile cache budget
/// (--cache-size). Computed and checked once at start, then reported by /metrics and
/// /api/v1/stats. Enforced by the allocators (core/memory/counters.hpp), installed by
/// the runtime serve makes with it.

#include "core/support/memory_limit.hpp"
#include "core/support/result.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace tessera::server {

/// A plain value.
struct memory_budgets {
  std::uint64_t memory_limit_bytes = 0;
  std::string memory_limit_source;          ///< core::memory_limit::source
  std::uint64_t memory_budget_bytes = 0;    ///< global budget of all pipelines
  bool memory_budget_given = false;         ///< from --memory-budget, not the default
  std::uint64_t tile_cache_budget_bytes = 0;
  bool tile_cache_budget_given = false;     ///< from --cache-size, not the default
};

/// The budgets from the flags (empty: the defaults) and the process's memory limit:
///   memory budget = --memory-budget, else 3/4 of the limit (at least 16 MiB);
///   tile cache    = --cache-size, else min(1/4 of the limit (at least 16 MiB), memory budget).
/// A --cache-size above the memory budget is an error naming both numbers (the tiles
/// are part of what the budget covers).
result<memory_budgets> resolve_memory_budgets(std::optional<std::uint64_t> memory_budget_flag,
                                              std::optional<std::uint64_t> cache_size_flag,
                                              const core::memory_limit& limit);

/// {"memory_limit_bytes", "memory_limit_source", "memory_budget_bytes", "tile_cache_budget_bytes"}
boost::json::object to_json(const memory_budgets& b);

}  // namespace tessera::server
