// The process-wide counters: a copy counts exactly its bytes; allocations and
// frees move allocated/live/peak; shares are objects, not allocations.
#include "core/memory/counters.hpp"

#include "core/memory/memory.hpp"
#include "core/memory/system_allocator.hpp"
#include "tests/core/memory/leak_check.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace tessera::core {
namespace counters_test {

using test::counters_since;

class Counters : public test::leak_checked {};

TEST_F(Counters, CountedCopyCountsExactlyItsBytes) {
  std::vector<unsigned char> src(1234), dst(1234);
  for (std::size_t i = 0; i < src.size(); ++i) src[i] = static_cast<unsigned char>(i * 7);
  const auto before = memory_counters_snapshot();
  counted_copy(dst.data(), src.data(), 1234);
  const auto d = counters_since(before);
  EXPECT_EQ(d.copies, 1u);
  EXPECT_EQ(d.copied_bytes, 1234u);
  EXPECT_EQ(dst, src);
  counted_copy(dst.data(), src.data(), 0);
  EXPECT_EQ(counters_since(before).copies, 2u);
  EXPECT_EQ(counters_since(before).copied_bytes, 1234u);
}

TEST_F(Counters, AllocationAndFreeMoveAllocatedLiveAndPeak) {
  const auto before = memory_counters_snapshot();
  alloc_params p;
  p.prefix = 100;
  p.padding = 24;
  {
    memory m = system_allocator().allocate(1 << 20, p).value();
    const std::size_t region = (1 << 20) + 124;
    const auto d = counters_since(before);
    EXPECT_EQ(d.allocated_bytes, region);
    EXPECT_EQ(d.live_bytes, region);
    EXPECT_EQ(d.allocations, 1u);
    EXPECT_EQ(d.frees, 0u);
    EXPECT_EQ(d.live_memories, 1u);
    const auto now = memory_counters_snapshot();
    EXPECT_EQ(now.peak_bytes, std::max(before.peak_bytes, before.live_bytes + region));
  }
  const auto d = counters_since(before);
  EXPECT_EQ(d.live_bytes, 0u);
  EXPECT_EQ(d.frees, 1u);
  EXPECT_EQ(d.allocated_bytes, (1u << 20) + 124u) << "allocated is cumulative";
  EXPECT_EQ(d.live_memories, 0u);
}

TEST_F(Counters, PeakIsTheHighestLiveAndStaysAfterFrees) {
  const auto before = memory_counters_snapshot();
  // Far above anything earlier tests held, so this test sets the peak.
  const std::size_t big = 64u << 20;
  {
    memory a = system_allocator().allocate(big).value();
    memory b = system_allocator().allocate(big).value();
  }
  const auto after = memory_counters_snapshot();
  EXPECT_EQ(after.peak_bytes, std::max(before.peak_bytes, before.live_bytes + 2 * big));
  EXPECT_EQ(after.live_bytes, before.live_bytes);
}

TEST_F(Counters, SharesAreObjectsNotAllocations) {
  memory m = system_allocator().allocate(256).value();
  const auto before = memory_counters_snapshot();
  {
    memory s = m.share(0, 128).value();
    memory s2 = m.share(128).value();
    memory span = s.span(s2).value();
    const auto d = counters_since(before);
    EXPECT_EQ(d.allocated_bytes, 0u);
    EXPECT_EQ(d.allocations, 0u);
    EXPECT_EQ(d.copies, 0u);
    EXPECT_EQ(d.live_memories, 3u);
  }
  EXPECT_EQ(counters_since(before).live_memories, 0u);
}

TEST_F(Counters, MemoryCopyGoesThroughCountedCopy) {
  memory m = system_allocator().allocate(1000).value();
  const auto before = memory_counters_snapshot();
  memory c = m.copy(100, 300).value();
  const auto d = counters_since(before);
  EXPECT_EQ(d.copies, 1u);
  EXPECT_EQ(d.copied_bytes, 300u);
  EXPECT_EQ(d.allocated_bytes, 300u);
}

}  // namespace counters_test
}  // namespace tessera::core
