// map/unmap rules of gst-memory.txt on the memory handle: the visible bytes, nested
// maps, write maps of shared memory, and unmap with a new size, each misuse a clear error.
#include "core/memory/memory.hpp"

#include "core/memory/counters.hpp"
#include "tests/core/memory/memory_test_support.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string>

namespace tessera::core {
namespace memory_map_test {

using test::alloc;
using test::contains;
using test::counters_since;
using test::fill;
using test::holds;
using Memory = test::Memory;

// --- map / unmap -------------------------------------------------------------

TEST_F(Memory, MapGivesTheVisibleBytes) {
  alloc_params p;
  p.prefix = 4;
  memory m = alloc(100, p);
  auto map = m.map(map_access::read).value();
  EXPECT_TRUE(map);
  EXPECT_EQ(map.data(), m.data());
  EXPECT_EQ(map.size(), 100u);
  EXPECT_EQ(map.access(), map_access::read);
  EXPECT_TRUE(m.is_mapped());
  EXPECT_EQ(m.use_count(), 1) << "a map is not a reference";
  EXPECT_TRUE(m.is_writable()) << "mapping does not change writability";
  ASSERT_TRUE(map.unmap());
  EXPECT_FALSE(m.is_mapped());
  EXPECT_EQ(map.data(), nullptr);
}

TEST_F(Memory, NestedMapsMustAskForASubsetOfTheFirstAccess) {
  memory m = alloc(100);
  {
    auto a = m.map(map_access::read).value();
    auto b = m.map(map_access::read).value();
    EXPECT_EQ(a.data(), b.data());
  }
  {
    auto a = m.map(map_access::read).value();
    auto w = m.map(map_access::write);
    ASSERT_FALSE(w);
    EXPECT_TRUE(w.error() == errc::bad_state);
    EXPECT_EQ(w.error().message, "memory::map(write): already mapped for read (1 active maps)");
    EXPECT_FALSE(m.map(map_access::readwrite));
    EXPECT_TRUE(m.map(map_access::read));
  }
  {
    auto a = m.map(map_access::write).value();
    EXPECT_FALSE(m.map(map_access::read));
    EXPECT_FALSE(m.map(map_access::readwrite));
    EXPECT_TRUE(m.map(map_access::write));
  }
  {
    auto a = m.map(map_access::readwrite).value();
    EXPECT_TRUE(m.map(map_access::read));
    EXPECT_TRUE(m.map(map_access::write));
  }
  EXPECT_FALSE(m.is_mapped());
  EXPECT_TRUE(m.map(map_access::write)) << "mode forgotten once the last map is gone";
}

TEST_F(Memory, WriteMapOfSharedMemoryIsRefused) {
  memory m = alloc(64);
  memory other = m;
  auto w = m.map(map_access::write);
  ASSERT_FALSE(w);
  EXPECT_TRUE(w.error() == errc::not_writable);
  EXPECT_EQ(w.error().message, "memory::map(write): memory is shared (use_count 2)");
  EXPECT_FALSE(m.map(map_access::readwrite));
  EXPECT_TRUE(m.map(map_access::read));
}

TEST_F(Memory, InvalidAccessIsRefused) {
  memory m = alloc(4);
  auto r = m.map(static_cast<map_access>(0));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error() == errc::invalid_argument);
  EXPECT_FALSE(m.map(static_cast<map_access>(4)));
}

TEST_F(Memory, UnmapWithANewSizeUpdatesTheMemorySize) {
  alloc_params p;
  p.padding = 28;
  memory m = alloc(100, p);
  auto map = m.map(map_access::write).value();
  std::memset(map.data(), 7, 120);  // writes into the padding, then declares it
  ASSERT_TRUE(map.unmap(120));
  EXPECT_EQ(m.size(), 120u);
  EXPECT_EQ(m.offset(), 0u);
  auto again = m.map(map_access::read).value();
  EXPECT_EQ(again.size(), 120u);
  EXPECT_EQ(again.data()[119], std::byte{7});
  ASSERT_TRUE(again.unmap());

  auto shrink = m.map(map_access::readwrite).value();
  ASSERT_TRUE(shrink.unmap(10));
  EXPECT_EQ(m.size(), 10u);
}

TEST_F(Memory, UnmapWithASizeBeyondMaxsizeIsRefusedAndStaysMapped) {
  alloc_params p;
  p.prefix = 10;
  memory m = alloc(100, p);
  auto map = m.map(map_access::write).value();
  auto r = map.unmap(101);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error() == errc::out_of_range);
  EXPECT_EQ(r.error().message,
            "memory_map::unmap(new_size=101): exceeds maxsize 110 - offset 10 = 100");
  EXPECT_TRUE(map.is_mapped());
  EXPECT_TRUE(map.unmap(100));
}

TEST_F(Memory, UnmapWithANewSizeNeedsWriteAccess) {
  memory m = alloc(100);
  auto map = m.map(map_access::read).value();
  auto r = map.unmap(50);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error() == errc::not_writable);
  EXPECT_EQ(m.size(), 100u);
  EXPECT_TRUE(map.unmap());
}

TEST_F(Memory, UnmapTwiceOrWithoutMapIsNotMapped) {
  memory m = alloc(10);
  auto map = m.map(map_access::read).value();
  ASSERT_TRUE(map.unmap());
  auto twice = map.unmap();
  ASSERT_FALSE(twice);
  EXPECT_TRUE(twice.error() == errc::not_mapped);
  EXPECT_EQ(twice.error().message, "memory_map::unmap: not mapped");

  memory_map never;
  EXPECT_TRUE(never.unmap().error() == errc::not_mapped);
  auto sized = never.unmap(4);
  ASSERT_FALSE(sized);
  EXPECT_EQ(sized.error().message, "memory_map::unmap(new_size=4): not mapped");

  // A moved-from map is not mapped either; the moved-to one unmaps once.
  auto a = m.map(map_access::read).value();
  memory_map b = std::move(a);
  EXPECT_TRUE(a.unmap().error() == errc::not_mapped);  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(b.unmap());
}

TEST_F(Memory, MapKeepsTheRegionAliveAfterTheLastHandleGoes) {
  const auto before = memory_counters_snapshot();
  memory m = alloc(64);
  fill(m, 3);
  auto map = m.map(map_access::read).value();
  m.reset();
  EXPECT_EQ(counters_since(before).live_memories, 1u);
  EXPECT_EQ(counters_since(before).live_bytes, 64u);
  EXPECT_EQ(map.data()[10], std::byte{13});  // ASan would flag a freed region
  ASSERT_TRUE(map.unmap());
  EXPECT_EQ(counters_since(before).live_memories, 0u);
  EXPECT_EQ(counters_since(before).live_bytes, 0u);
}

TEST_F(Memory, ShareAndCopyAreRefusedWhileMappedForWrite) {
  memory m = alloc(4);
  auto w = m.map(map_access::write).value();
  auto s = m.share(0, 4);
  ASSERT_FALSE(s);
  EXPECT_TRUE(s.error() == errc::bad_state);
  EXPECT_EQ(s.error().message, "memory::share(offset=0, size=4): memory is mapped for write");
  auto c = m.copy();
  ASSERT_FALSE(c);
  EXPECT_TRUE(c.error() == errc::bad_state);
  ASSERT_TRUE(w.unmap());
  EXPECT_TRUE(m.share(0, 4));
  // readwrite: the mapper itself may copy what it reads.
  auto rw = m.map(map_access::readwrite).value();
  EXPECT_TRUE(m.copy());
}

TEST_F(Memory, ResizeWhileMappedKeepsTheMapAsItWas) {
  memory m = alloc(100);
  auto map = m.map(map_access::read).value();
  ASSERT_TRUE(m.resize(1, 99));
  EXPECT_EQ(map.size(), 100u);
  ASSERT_TRUE(map.unmap());
  EXPECT_EQ(m.size(), 99u);
  EXPECT_EQ(m.offset(), 1u);
  auto again = m.map(map_access::read).value();
  EXPECT_EQ(again.size(), 99u);
}

// --- wrapped memory and misuse -------------------------------------------------

TEST_F(Memory, WrappedMemoryCallsItsReleaseWhenTheLastReferenceGoes) {
  static const char text[] = "abcdefghijklmnopqrstuvwxyz";
  int released = 0;
  {
    memory m = memory::wrap(reinterpret_cast<std::byte*>(const_cast<char*>(text)), 26, 0, 26,
                            memory_flags::readonly, [&] { ++released; })
                   .value();
    EXPECT_EQ(m.allocator_name(), "wrapped");
    EXPECT_TRUE(m.is_readonly());
    EXPECT_FALSE(m.map(map_access::write));
    memory sub = m.share(2, 3).value();
    m.reset();
    EXPECT_EQ(released, 0);
    EXPECT_EQ(std::memcmp(sub.data(), "cde", 3), 0);
  }
  EXPECT_EQ(released, 1);
  auto bad = memory::wrap(reinterpret_cast<std::byte*>(const_cast<char*>(text)), 26, 20, 10,
                          memory_flags::none);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "memory::wrap(offset=20, size=10): exceeds maxsize 26");
}

TEST_F(Memory, OperationsOnAnEmptyHandleAreErrors) {
  memory m;
  EXPECT_TRUE(m.map(map_access::read).error() == errc::bad_state);
  EXPECT_TRUE(m.share(0).error() == errc::bad_state);
  EXPECT_TRUE(m.copy().error() == errc::bad_state);
  EXPECT_TRUE(m.resize(0, 0).error() == errc::bad_state);
  EXPECT_TRUE(m.span(m).error() == errc::invalid_argument);
  EXPECT_EQ(m.map(map_access::read).error().message, "memory::map: empty memory handle");
}

}  // namespace memory_map_test
}  // namespace tessera::core
