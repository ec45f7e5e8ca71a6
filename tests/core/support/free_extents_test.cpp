// free_extents: the free-space map shared by shm_segment and swap_file.
#include "core/support/free_extents.hpp"

#include <gtest/gtest.h>

namespace tessera {
namespace free_extents_test {

TEST(FreeExtents, TakesFirstFitAndSplitsTheRest) {
  free_extents f;
  f.give(0, 100);
  EXPECT_EQ(f.take(30), 0u);
  EXPECT_EQ(f.take(30), 30u);
  EXPECT_EQ(f.total(), 40u);
  EXPECT_EQ(f.take(41), std::nullopt);
  EXPECT_EQ(f.take(40), 60u);
  EXPECT_EQ(f.total(), 0u);
}

TEST(FreeExtents, AlignmentLeavesTheGapFree) {
  free_extents f;
  f.give(3, 100);
  EXPECT_EQ(f.take(16, 16), 16u);  // 3..16 stays free
  EXPECT_EQ(f.total(), 100u - 16u);
  EXPECT_EQ(f.take(13), 3u);
  EXPECT_EQ(f.take(80, 64), std::nullopt);  // 64 + 80 > 103
}

TEST(FreeExtents, GivenPiecesMergeWithBothNeighbours) {
  free_extents f;
  f.give(0, 10);
  f.give(20, 10);
  const auto merged = f.give(10, 10);
  EXPECT_EQ(merged.offset, 0u);
  EXPECT_EQ(merged.length, 30u);
  EXPECT_EQ(f.take(30), 0u);  // one piece again, not three
}

TEST(FreeExtents, TakeTailRemovesOnlyThePieceEndingThere) {
  free_extents f;
  f.give(0, 10);
  f.give(50, 10);
  EXPECT_EQ(f.take_tail(70), std::nullopt);
  const auto tail = f.take_tail(60);
  ASSERT_TRUE(tail);
  EXPECT_EQ(tail->offset, 50u);
  EXPECT_EQ(f.total(), 10u);
}

}  // namespace free_extents_test
}  // namespace tessera
