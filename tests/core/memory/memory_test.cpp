// Every rule of gst-memory.txt on the memory handle: lifecycle and refcounts,
// writability (refcount, parent chain, READONLY), share/copy/span/is_span,
// resize within maxsize, map/unmap (including the new size on unmap), and the
// misuse cases, each a clear error naming its numbers.
// The map/unmap rules are in memory_map_test.cpp.
#include "core/memory/memory.hpp"

#include "core/memory/counters.hpp"
#include "tests/core/memory/memory_test_support.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string>

namespace tessera::core {
namespace memory_test {

using test::alloc;
using test::contains;
using test::counters_since;
using test::fill;
using test::holds;
using Memory = test::Memory;

// --- lifecycle ---------------------------------------------------------------

TEST_F(Memory, FreshAllocationHasOneReferenceAndIsWritable) {
  memory m = alloc(100);
  EXPECT_TRUE(m);
  EXPECT_EQ(m.use_count(), 1);
  EXPECT_TRUE(m.is_writable());
  EXPECT_FALSE(m.is_readonly());
  EXPECT_EQ(m.size(), 100u);
  EXPECT_EQ(m.offset(), 0u);
  EXPECT_EQ(m.maxsize(), 100u);
  EXPECT_EQ(m.allocator_name(), "system");
  EXPECT_FALSE(m.parent());
}

TEST_F(Memory, EmptyHandleHasNothing) {
  memory m;
  EXPECT_FALSE(m);
  EXPECT_EQ(m.use_count(), 0);
  EXPECT_EQ(m.size(), 0u);
  EXPECT_EQ(m.data(), nullptr);
  EXPECT_FALSE(m.is_writable());
}

TEST_F(Memory, CopyingAHandleAddsAReferenceAndTakesAwayWritability) {
  memory m = alloc(8);
  {
    memory other = m;
    EXPECT_EQ(m.use_count(), 2);
    EXPECT_EQ(other.use_count(), 2);
    EXPECT_TRUE(other == m);
    EXPECT_FALSE(m.is_writable());
    EXPECT_FALSE(other.is_writable());
  }
  EXPECT_EQ(m.use_count(), 1);
  EXPECT_TRUE(m.is_writable());
}

TEST_F(Memory, MovingAHandleLeavesTheRefcountAlone) {
  memory m = alloc(8);
  const std::byte* data = m.data();
  memory moved = std::move(m);
  EXPECT_FALSE(m);  // NOLINT(bugprone-use-after-move): documented to be empty
  EXPECT_EQ(moved.use_count(), 1);
  EXPECT_TRUE(moved.is_writable());
  EXPECT_EQ(moved.data(), data);
  memory assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.use_count(), 1);
}

TEST_F(Memory, LastReferenceGivesTheRegionBack) {
  const auto before = memory_counters_snapshot();
  {
    memory m = alloc(4096);
    memory again = m;
    EXPECT_EQ(counters_since(before).live_bytes, 4096u);
    EXPECT_EQ(counters_since(before).live_memories, 1u);
  }
  EXPECT_EQ(counters_since(before).live_bytes, 0u);
  EXPECT_EQ(counters_since(before).frees, 1u);
}

// --- writability -------------------------------------------------------------

TEST_F(Memory, ReadonlyMemoryIsNeverWritable) {
  alloc_params p;
  p.flags = memory_flags::readonly;
  memory m = alloc(26, p);
  EXPECT_EQ(m.use_count(), 1);
  EXPECT_TRUE(m.is_readonly());
  EXPECT_FALSE(m.is_writable());
  auto w = m.map(map_access::write);
  ASSERT_FALSE(w);
  EXPECT_TRUE(w.error() == errc::not_writable);
  EXPECT_TRUE(contains(w.error().message, "READONLY")) << w.error().message;
  // Reading is always allowed, and does not change the answer.
  EXPECT_TRUE(m.map(map_access::read));
  EXPECT_FALSE(m.map(map_access::write));
  // A copy is a new, writable memory.
  memory c = m.copy().value();
  EXPECT_FALSE(c.is_readonly());
  EXPECT_TRUE(c.is_writable());
  EXPECT_TRUE(c.map(map_access::write));
}

TEST_F(Memory, SetReadonlyIsOneWay) {
  memory m = alloc(8);
  m.set_readonly();
  EXPECT_TRUE(m.is_readonly());
  EXPECT_FALSE(m.is_writable());
  EXPECT_TRUE(m.resize(0, 4).error() == errc::not_writable);
}

TEST_F(Memory, ShareMakesParentAndShareNonWritableWhileBothLive) {
  memory parent = alloc(16);
  memory share = parent.share(4, 8).value();
  EXPECT_EQ(parent.use_count(), 2);  // the handle and the share
  EXPECT_EQ(share.use_count(), 1);
  EXPECT_FALSE(parent.is_writable());
  EXPECT_FALSE(share.is_writable()) << "its parent is shared";
  auto w = share.map(map_access::write);
  ASSERT_FALSE(w);
  EXPECT_TRUE(w.error() == errc::not_writable);
  EXPECT_TRUE(contains(w.error().message, "parent is shared (use_count 2)")) << w.error().message;

  parent.reset();
  // Only the share refers to the parent now: refcount 1, parent writable.
  EXPECT_TRUE(share.is_writable());
  EXPECT_TRUE(share.map(map_access::write));
}

TEST_F(Memory, WritabilityFollowsTheParentChain) {
  memory root = alloc(32);
  memory s1 = root.share(4, 16).value();
  memory s2 = s1.share(2, 4).value();
  // A share of a share views the same root.
  EXPECT_TRUE(s2.parent() == root);
  EXPECT_TRUE(s1.parent() == root);
  EXPECT_EQ(s2.offset(), 6u);
  EXPECT_EQ(s2.data(), root.data() + 6);
  EXPECT_EQ(root.use_count(), 3);

  root.reset();
  EXPECT_FALSE(s1.is_writable()) << "parent still held by s2";
  EXPECT_FALSE(s2.is_writable()) << "parent still held by s1";
  s1.reset();
  EXPECT_TRUE(s2.is_writable());

  // A READONLY parent makes its only share non-writable.
  memory parent = s2.parent();
  parent.set_readonly();
  parent.reset();
  EXPECT_FALSE(s2.is_readonly()) << "the share itself was made before";
  EXPECT_FALSE(s2.is_writable());
  auto w = s2.map(map_access::write);
  ASSERT_FALSE(w);
  EXPECT_TRUE(contains(w.error().message, "parent is READONLY")) << w.error().message;
}

TEST_F(Memory, SharesInheritReadonly) {
  alloc_params p;
  p.flags = memory_flags::readonly;
  memory m = alloc(26, p);
  memory sub = m.share(0, 8).value();
  EXPECT_TRUE(sub.is_readonly());
  EXPECT_FALSE(m.map(map_access::write));
  EXPECT_FALSE(sub.map(map_access::write));
  m.reset();
  EXPECT_FALSE(sub.is_writable());
}

// --- share / copy ------------------------------------------------------------

TEST_F(Memory, ShareViewsThePartWithoutCopying) {
  memory m = alloc(16);
  fill(m, 0);
  const auto before = memory_counters_snapshot();
  memory sub = m.share(4, 8).value();
  EXPECT_EQ(sub.size(), 8u);
  EXPECT_EQ(sub.offset(), 4u);
  EXPECT_EQ(sub.maxsize(), 16u);
  EXPECT_EQ(sub.data(), m.data() + 4);
  EXPECT_TRUE(holds(sub, 4));
  const auto d = counters_since(before);
  EXPECT_EQ(d.copies, 0u);
  EXPECT_EQ(d.allocated_bytes, 0u);
  EXPECT_EQ(d.live_memories, 1u);

  memory rest = m.share(10).value();
  EXPECT_EQ(rest.size(), 6u);
  memory none = m.share(3, 0).value();
  EXPECT_EQ(none.size(), 0u);
  memory end = m.share(16).value();
  EXPECT_EQ(end.size(), 0u);
}

TEST_F(Memory, ShareOfAPrefixedMemoryCountsFromTheVisibleStart) {
  alloc_params p;
  p.prefix = 8;
  p.padding = 8;
  memory m = alloc(16, p);
  EXPECT_EQ(m.offset(), 8u);
  EXPECT_EQ(m.maxsize(), 32u);
  memory sub = m.share(2, 4).value();
  EXPECT_EQ(sub.offset(), 10u);
  EXPECT_EQ(sub.data(), m.data() + 2);
}

TEST_F(Memory, ShareBeyondTheSizeIsAnErrorNamingTheNumbers) {
  memory m = alloc(32);
  auto r = m.share(8, 64);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error() == errc::out_of_range);
  EXPECT_EQ(r.error().message, "memory::share(offset=8, size=64): exceeds memory size 32");
  auto past = m.share(33);
  ASSERT_FALSE(past);
  EXPECT_TRUE(contains(past.error().message, "offset=33")) << past.error().message;
  // Sizes that would wrap around are caught too.
  EXPECT_FALSE(m.share(8, memory::npos - 4));
  EXPECT_EQ(m.use_count(), 1) << "a failed share holds nothing";
}

TEST_F(Memory, CopyCopiesOnlyTheVisibleRangeAndCountsIt) {
  alloc_params p;
  p.prefix = 8;
  p.padding = 8;
  memory m = alloc(48, p);
  fill(m, 1);
  const auto before = memory_counters_snapshot();
  memory c = m.copy(4, 16).value();
  const auto d = counters_since(before);
  EXPECT_EQ(d.copies, 1u);
  EXPECT_EQ(d.copied_bytes, 16u);
  EXPECT_EQ(d.allocated_bytes, 16u) << "only the copied range is allocated";
  EXPECT_EQ(c.size(), 16u);
  EXPECT_EQ(c.offset(), 0u);
  EXPECT_EQ(c.maxsize(), 16u);
  EXPECT_NE(c.data(), m.data() + 4);
  EXPECT_TRUE(holds(c, 5));
  EXPECT_EQ(m.use_count(), 1);
  EXPECT_EQ(c.use_count(), 1);
  EXPECT_TRUE(c.is_writable());
  EXPECT_FALSE(c.parent());

  memory whole = m.copy().value();
  EXPECT_EQ(whole.size(), 48u);
  EXPECT_TRUE(holds(whole, 1));

  auto bad = m.copy(40, 9);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "memory::copy(offset=40, size=9): exceeds memory size 48");
}

TEST_F(Memory, CopyOfAnEmptyRegionWorks) {
  memory m = alloc(0);
  auto map = m.map(map_access::read).value();
  EXPECT_EQ(map.size(), 0u);
  memory c = m.copy().value();
  EXPECT_EQ(c.size(), 0u);
}

TEST_F(Memory, CopyOfAShareIsIndependent) {
  memory m = alloc(8);
  fill(m, 0);
  memory sub = m.share(2, 4).value();
  memory c = sub.copy().value();
  {
    auto w = c.map(map_access::write).value();
    w.data()[0] = std::byte{0xff};
  }
  EXPECT_EQ(m.data()[2], std::byte{2});
  EXPECT_EQ(c.data()[0], std::byte{0xff});
}

// --- span --------------------------------------------------------------------

TEST_F(Memory, IsSpanHoldsForAdjacentSharesOfOneParentOnly) {
  memory m = alloc(4);
  memory sub1 = m.share(0, 2).value();
  memory sub2 = m.share(2, 2).value();
  std::size_t offset = 99;
  EXPECT_FALSE(m.is_span(sub2)) << "a parent memory can't be span";
  EXPECT_FALSE(sub1.is_span(m)) << "a parent memory can't be span";
  EXPECT_TRUE(sub1.is_span(sub2, &offset));
  EXPECT_EQ(offset, 0u);
  EXPECT_FALSE(sub2.is_span(sub1)) << "order matters";

  memory sub3 = m.share(3, 1).value();
  EXPECT_FALSE(sub1.is_span(sub3)) << "a gap of one byte";

  memory other = alloc(4);
  memory foreign = other.share(2, 2).value();
  EXPECT_FALSE(sub1.is_span(foreign)) << "different parents";

  memory mid = m.share(1, 1).value();
  EXPECT_TRUE(mid.is_span(sub2, &offset));
  EXPECT_EQ(offset, 1u);
  EXPECT_FALSE(memory().is_span(sub2));
}

TEST_F(Memory, SpanMergesAdjacentSharesWithoutCopying) {
  memory m = alloc(4);
  {
    auto w = m.map(map_access::write).value();
    std::memcpy(w.data(), "data", 4);
  }
  memory sub1 = m.share(0, 2).value();
  memory sub2 = m.share(2, 2).value();
  const auto before = memory_counters_snapshot();
  memory span = sub1.span(sub2).value();
  EXPECT_EQ(counters_since(before).copies, 0u);
  EXPECT_EQ(counters_since(before).allocated_bytes, 0u);
  EXPECT_EQ(span.size(), 4u);
  EXPECT_EQ(span.data(), m.data());
  EXPECT_TRUE(span.parent() == m);
  EXPECT_EQ(std::memcmp(span.data(), "data", 4), 0);
  EXPECT_EQ(m.use_count(), 4);  // handle + sub1 + sub2 + span
  EXPECT_EQ(sub1.use_count(), 1);

  auto wrong = sub2.span(sub1);
  ASSERT_FALSE(wrong);
  EXPECT_TRUE(wrong.error() == errc::invalid_argument);
  EXPECT_TRUE(contains(wrong.error().message, "not adjacent")) << wrong.error().message;
}

// --- resize ------------------------------------------------------------------

TEST_F(Memory, ResizeMovesTheVisiblePartWithinMaxsize) {
  memory m = alloc(100);
  ASSERT_EQ(m.maxsize(), 100u);
  EXPECT_TRUE(m.resize(0, 100));
  EXPECT_EQ(m.size(), 100u);
  ASSERT_TRUE(m.resize(0, 50));
  EXPECT_EQ(m.size(), 50u);
  EXPECT_EQ(m.offset(), 0u);
  ASSERT_TRUE(m.resize(0, 100));  // grows back within maxsize
  EXPECT_EQ(m.size(), 100u);
  ASSERT_TRUE(m.resize(1, 99));
  EXPECT_EQ(m.offset(), 1u);
  EXPECT_EQ(m.size(), 99u);
  ASSERT_TRUE(m.resize(50, 40));
  EXPECT_EQ(m.offset(), 50u);
  EXPECT_EQ(m.size(), 40u);
  EXPECT_EQ(m.maxsize(), 100u);
  ASSERT_TRUE(m.resize(0, 0));
  EXPECT_EQ(m.size(), 0u);
  ASSERT_TRUE(m.resize(0, 100));
  EXPECT_EQ(m.size(), 100u);
}

TEST_F(Memory, ResizePastMaxsizeIsAnErrorNamingTheNumbers) {
  memory m = alloc(100);
  for (auto [offset, size] : std::array<std::pair<std::size_t, std::size_t>, 4>{
           {{200, 50}, {0, 150}, {1, 100}, {100, 1}}}) {
    auto r = m.resize(offset, size);
    ASSERT_FALSE(r) << offset << "," << size;
    EXPECT_TRUE(r.error() == errc::out_of_range);
    EXPECT_EQ(r.error().message, "memory::resize(offset=" + std::to_string(offset) +
                                     ", size=" + std::to_string(size) + "): exceeds maxsize 100");
  }
  EXPECT_FALSE(m.resize(50, memory::npos)) << "no wrap-around";
  EXPECT_EQ(m.size(), 100u);
  EXPECT_EQ(m.offset(), 0u);
}

TEST_F(Memory, ResizeOfASharedMemoryIsRefused) {
  memory m = alloc(100);
  memory other = m;
  auto r = m.resize(0, 10);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error() == errc::not_writable);
  EXPECT_TRUE(contains(r.error().message, "use_count 2")) << r.error().message;
  EXPECT_EQ(other.size(), 100u);
}

TEST_F(Memory, ResizeClearsZeroFlagsItCannotKeep) {
  alloc_params p;
  p.prefix = 10;
  p.padding = 10;
  p.flags = memory_flags::zero_prefixed | memory_flags::zero_padded;
  memory m = alloc(100, p);
  EXPECT_EQ(m.flags(), memory_flags::zero_prefixed | memory_flags::zero_padded);
  ASSERT_TRUE(m.resize(5, 110));  // both zero areas shrink: still zero
  EXPECT_EQ(m.flags(), memory_flags::zero_prefixed | memory_flags::zero_padded);
  ASSERT_TRUE(m.resize(6, 109));  // the prefix now holds a byte that was visible
  EXPECT_EQ(m.flags(), memory_flags::zero_padded);
  ASSERT_TRUE(m.resize(6, 100));  // the padding too
  EXPECT_EQ(m.flags(), memory_flags::none);
}

TEST_F(Memory, AllocParamsPrefixAndPaddingAreZeroFilledOnRequest) {
  alloc_params p;
  p.prefix = 10;
  p.padding = 10;
  p.flags = memory_flags::zero_prefixed | memory_flags::zero_padded;
  memory m = alloc(100, p);
  EXPECT_EQ(m.size(), 100u);
  EXPECT_EQ(m.offset(), 10u);
  EXPECT_EQ(m.maxsize(), 120u);
  const std::array<std::byte, 10> zero{};
  EXPECT_EQ(std::memcmp(m.data() - 10, zero.data(), 10), 0);
  EXPECT_EQ(std::memcmp(m.data() + 100, zero.data(), 10), 0);
}

}  // namespace memory_test
}  // namespace tessera::core
