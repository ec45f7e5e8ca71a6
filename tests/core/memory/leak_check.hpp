#pragma once
/// Test support for the memory core: a fixture that fails any test leaving
/// memory objects or allocator bytes alive, and counter deltas.

#include "core/memory/counters.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace tessera::core::test {

/// Counters moved since `before`.
inline memory_counters counters_since(const memory_counters& before) {
  const memory_counters now = memory_counters_snapshot();
  memory_counters d;
  d.allocated_bytes = now.allocated_bytes - before.allocated_bytes;
  d.live_bytes = now.live_bytes - before.live_bytes;  // wraps if fewer: compare as signed if needed
  d.peak_bytes = now.peak_bytes - before.peak_bytes;
  d.copies = now.copies - before.copies;
  d.copied_bytes = now.copied_bytes - before.copied_bytes;
  d.allocations = now.allocations - before.allocations;
  d.frees = now.frees - before.frees;
  d.live_memories = now.live_memories - before.live_memories;
  return d;
}

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
