#include "core/tiles/cache_budget.hpp"

#include <gtest/gtest.h>

namespace tessera::core {
namespace cache_budget_test {

TEST(CacheBudget, IsAQuarterOfTheLimitAndNeverBelow16MiB) {
  EXPECT_EQ(cache_budget_for(8ull << 30), 2ull << 30);
  EXPECT_EQ(cache_budget_for(256ull << 20), 64ull << 20);
  EXPECT_EQ(cache_budget_for(32ull << 20), 16ull << 20);
  EXPECT_GE(default_cache_bytes(), 16ull << 20);
}

TEST(CacheBudget, MemoryBudgetIsThreeQuartersOfTheLimitWithoutOverflow) {
  EXPECT_EQ(memory_budget_for(256ull << 20), 192ull << 20);
  EXPECT_EQ(memory_budget_for(8ull << 30), 6ull << 30);
  EXPECT_EQ(memory_budget_for(16ull << 20), 16ull << 20);  // never below 16 MiB
  const std::uint64_t huge = ~std::uint64_t{0};
  EXPECT_EQ(memory_budget_for(huge), huge / 4 * 3);
}

}  // namespace cache_budget_test
}  // namespace tessera::core
