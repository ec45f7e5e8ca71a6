// The process's memory budget: every allocator refuses storage that would take the
// live bytes past it, with an error that names the budget, and the room comes back
// when the storage does. With no budget nothing is refused.
#include "core/memory/counters.hpp"

#include "core/memory/buffer.hpp"
#include "core/memory/cow_block_manager.hpp"
#include "core/memory/pool_allocator.hpp"
#include "core/memory/system_allocator.hpp"
#include "core/graph/runtime.hpp"
#include "tests/core/memory/leak_check.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace tessera::core {
namespace memory_budget_test {

/// Sets a budget `room` bytes above what is live now, and takes it away at the end.
class MemoryBudget : public test::leak_checked {
 protected:
  void budget_room(std::uint64_t room) { set_memory_budget(memory_counters_snapshot().live_bytes + room); }
  void TearDown() override {
    set_memory_budget(0);
    test::leak_checked::TearDown();
  }
};

TEST_F(MemoryBudget, TheSystemAllocatorRefusesPastTheBudgetAndNamesIt) {
  budget_room(64 * 1024);
  std::optional<result<memory>> a = system_allocator().allocate(40 * 1024, {});
  ASSERT_TRUE(*a);
  auto b = system_allocator().allocate(40 * 1024, {});
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, errc::no_memory);
  EXPECT_NE(b.error().message.find("the memory budget of " + std::to_string(memory_budget()) + " bytes would be passed"),
            std::string::npos)
      << b.error().message;
  EXPECT_NE(b.error().message.find("40960 more asked"), std::string::npos) << b.error().message;
  // The refused allocation counted nothing: the room of the first comes back whole.
  a.reset();
  EXPECT_TRUE(system_allocator().allocate(60 * 1024, {}));
}

TEST_F(MemoryBudget, BuffersPoolsAndCowBlocksAreHeldToTheSameBudget) {
  budget_room(100 * 1024);
  std::optional<result<buffer>> big = buffer::allocate(90 * 1024);
  ASSERT_TRUE(*big);
  auto refused = buffer::allocate(20 * 1024);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("memory budget"), std::string::npos) << refused.error().message;

  pool_config cfg;
  cfg.name = "budget test pool";
  cfg.block_size = 20 * 1024;
  cfg.min_blocks = 1;
  auto pool = pool_allocator::create(cfg);
  ASSERT_FALSE(pool) << "a pool whose first block does not fit was made";
  EXPECT_NE(pool.error().message.find("memory budget"), std::string::npos) << pool.error().message;

  auto block = system_block_manager().allocate(20 * 1024, 64);
  ASSERT_FALSE(block);
  EXPECT_NE(block.error().message.find("memory budget"), std::string::npos) << block.error().message;

  big.reset();  // the room comes back
  pool = pool_allocator::create(cfg);
  ASSERT_TRUE(pool) << pool.error().message;
  auto from_pool = (*pool)->acquire();
  EXPECT_TRUE(from_pool);
}

TEST_F(MemoryBudget, NoBudgetRefusesNothingAndTheRuntimeInstallsAndRestoresIts) {
  set_memory_budget(0);
  EXPECT_TRUE(buffer::allocate(4 * 1024 * 1024));
  {
    runtime_config cfg;
    cfg.cache_bytes = 16u << 20;
    cfg.memory_budget_bytes = memory_counters_snapshot().live_bytes + 1024 * 1024;
    auto rt = runtime::create(cfg);
    ASSERT_TRUE(rt) << rt.error().message;
    EXPECT_EQ(memory_budget(), *cfg.memory_budget_bytes);
    EXPECT_FALSE(buffer::allocate(2 * 1024 * 1024));
  }
  EXPECT_EQ(memory_budget(), 0u) << "the runtime's budget outlived it";
  EXPECT_TRUE(buffer::allocate(2 * 1024 * 1024));
}

}  // namespace memory_budget_test
}  // namespace tessera::core
