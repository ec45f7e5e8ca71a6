#include "core/tiles/cache_budget.hpp"

#include <gtest/gtest.h>

namespace tessera::core {
namespace {

TEST(CacheBudget, ReadsTheCgroupLimitOrNothingForMax) {
  EXPECT_EQ(parse_cgroup_memory_max("1073741824\n"), std::optional<std::uint64_t>(1073741824ull));
  EXPECT_EQ(parse_cgroup_memory_max("max\n"), std::nullopt);
  EXPECT_EQ(parse_cgroup_memory_max(""), std::nullopt);
  EXPECT_EQ(parse_cgroup_memory_max("12abc"), std::nullopt);
}

TEST(CacheBudget, IsAQuarterOfTheSmallerLimitWithAFloor) {
  EXPECT_EQ(cache_budget_for(std::nullopt, 8ull << 30), 2ull << 30);   // no cgroup: physical / 4
  EXPECT_EQ(cache_budget_for(1ull << 30, 8ull << 30), 256ull << 20);  // the cgroup limit / 4
  EXPECT_EQ(cache_budget_for(16ull << 30, 8ull << 30), 2ull << 30);   // a limit above RAM: RAM
  EXPECT_EQ(cache_budget_for(32ull << 20, 8ull << 30), 16ull << 20);  // never below 16 MiB
  EXPECT_GE(default_cache_bytes(), 16ull << 20);
}

}  // namespace
}  // namespace tessera::core
