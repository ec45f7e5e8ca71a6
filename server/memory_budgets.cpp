#include "server/memory_budgets.hpp"

#include "core/tiles/cache_budget.hpp"

#include <algorithm>

namespace tessera::server {

result<memory_budgets> resolve_memory_budgets(std::optional<std::uint64_t> memory_budget_flag,
                                              std::optional<std::uint64_t> cache_size_flag,
                                              const core::memory_limit& limit) {
  memory_budgets b;
  b.memory_limit_bytes = limit.bytes;
  b.memory_limit_source = limit.source;
  b.memory_budget_given = memory_budget_flag.has_value();
  b.memory_budget_bytes = memory_budget_flag.value_or(core::memory_budget_for(limit.bytes));
  b.tile_cache_budget_given = cache_size_flag.has_value();
  b.tile_cache_budget_bytes =
      cache_size_flag.value_or(std::min(core::cache_budget_for(limit.bytes), b.memory_budget_bytes));
  if (b.tile_cache_budget_bytes > b.memory_budget_bytes) {
    const std::string budget_from = b.memory_budget_given
                                        ? std::string("--memory-budget")
                                        : "3/4 of the memory limit " + std::to_string(limit.bytes) + " bytes, " +
                                              limit.source;
    return fail(errc::invalid_argument,
                "--cache-size " + std::to_string(b.tile_cache_budget_bytes) + " bytes exceeds the memory budget " +
                    std::to_string(b.memory_budget_bytes) + " bytes (" + budget_from +
                    "), which the tile cache is part of: lower --cache-size or raise --memory-budget");
  }
  return b;
}

boost::json::object to_json(const memory_budgets& b) {
  return {{"memory_limit_bytes", b.memory_limit_bytes},
          {"memory_limit_source", b.memory_limit_source},
          {"memory_budget_bytes", b.memory_budget_bytes},
          {"tile_cache_budget_bytes", b.tile_cache_budget_bytes}};
}

}  // namespace tessera::server
