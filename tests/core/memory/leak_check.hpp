#pragma once
/// Test support for the memory core: a fixture that fails any test leaving
/// memory objects or allocator bytes alive.

#include "core/memory/counters.hpp"
#include "tests/core/support/test_helpers.hpp"  // counters_since

#include <gtest/gtest.h>

#include <cstdint>

namespace tessera::core::test {

/// Base fixture: every memory object and every allocated byte a test creates
/// must be gone when it ends (the counted-objects check of cppcoro's tests).
class leak_checked : public ::testing::Test {
 protected:
  void SetUp() override { start_ = memory_counters_snapshot(); }
  void TearDown() override {
    const memory_counters end = memory_counters_snapshot();
    EXPECT_EQ(end.live_memories, start_.live_memories) << "memory objects leaked";
    EXPECT_EQ(end.live_bytes, start_.live_bytes) << "allocated bytes leaked";
    EXPECT_EQ(end.allocations - start_.allocations, end.frees - start_.frees)
        << "allocations without a matching free";
  }
  memory_counters start_;
};

}  // namespace tessera::core::test
