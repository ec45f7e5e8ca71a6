// Buffers: move-only values whose memories are shared explicitly, made writable
// by copying only what is shared, mapped as one range (span without copy,
// merge with counted copies), trimmed across memories. Refcounts and counters
// are asserted the way GStreamer's tests/check/gst/gstbuffer.c does.
#include "core/memory/buffer.hpp"

#include "core/memory/counters.hpp"
#include "core/memory/pool_allocator.hpp"
#include "tests/core/memory/leak_check.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace tessera::core {
namespace buffer_test {

using test::counters_since;

class Buffer : public test::leak_checked {};

static_assert(!std::is_copy_constructible_v<buffer>);
static_assert(std::is_nothrow_move_constructible_v<buffer>);
static_assert(std::is_nothrow_move_assignable_v<buffer>);

memory filled(std::size_t size, unsigned first) {
  memory m = system_allocator().allocate(size).value();
  auto w = m.map(map_access::write).value();
  for (std::size_t i = 0; i < size; ++i) w.data()[i] = std::byte(first + i);
  return m;
}

// A buffer of memories of the given sizes, bytes numbered 0, 1, 2, ... across them.
buffer numbered(std::vector<std::size_t> sizes) {
  buffer b;
  unsigned next = 0;
  for (std::size_t s : sizes) {
    EXPECT_TRUE(b.append_memory(filled(s, next)));
    next += static_cast<unsigned>(s);
  }
  return b;
}

// The buffer's bytes, read memory by memory (no map, no copy counted).
std::vector<unsigned> bytes_of(const buffer& b) {
  std::vector<unsigned> out;
  for (const memory& m : b.memories())
    for (std::size_t i = 0; i < m.size(); ++i) out.push_back(std::to_integer<unsigned>(m.data()[i]));
  return out;
}

std::vector<unsigned> range(unsigned from, unsigned to) {
  std::vector<unsigned> out;
  for (unsigned v = from; v < to; ++v) out.push_back(v & 0xff);
  return out;
}

// --- creation, metadata, moves -----------------------------------------------

TEST_F(Buffer, AllocateGivesOneWritableMemoryAndAllPermissions) {
  buffer b = buffer::allocate(100).value();
  EXPECT_EQ(b.n_memory(), 1u);
  EXPECT_EQ(b.size(), 100u);
  EXPECT_TRUE(b.is_writable());
  EXPECT_EQ(b.perms(), perm_all);
  EXPECT_EQ(b.peek_memory(0).use_count(), 1);
  EXPECT_EQ(b.pts, clock_none);
  EXPECT_EQ(b.dts, clock_none);
  EXPECT_EQ(b.duration, clock_none);
  EXPECT_EQ(b.offset, offset_none);
  EXPECT_EQ(b.offset_end, offset_none);
  EXPECT_EQ(b.flags, buffer_flags::none);
}

TEST_F(Buffer, AllocateOfZeroBytesHasNoMemoryAndMapsToNothing) {
  buffer b = buffer::allocate(0).value();
  EXPECT_EQ(b.n_memory(), 0u);
  auto map = b.map(map_access::read).value();
  EXPECT_TRUE(map);
  EXPECT_EQ(map.data(), nullptr);
  EXPECT_EQ(map.size(), 0u);
  EXPECT_TRUE(map.unmap());
  alloc_params p;
  p.align = 6;
  EXPECT_TRUE(buffer::allocate(0, system_allocator(), p).error() == errc::invalid_argument);
}

TEST_F(Buffer, AllocateFromAPoolPassesErrorsThrough) {
  pool_config c;
  c.name = "frames";
  c.block_size = 64;
  c.max_blocks = 1;
  auto pool = pool_allocator::create(c).value();
  buffer a = buffer::allocate(64, *pool).value();
  EXPECT_EQ(a.peek_memory(0).allocator_name(), "frames");
  auto b = buffer::allocate(64, *pool);
  ASSERT_FALSE(b);
  EXPECT_TRUE(b.error() == errc::limit_exceeded);
}

TEST_F(Buffer, MovingABufferLeavesRefcountsAlone) {
  for (std::size_t n : {1u, 4u, 9u}) {  // inline and spilled memory lists
    buffer b = numbered(std::vector<std::size_t>(n, 8));
    b.pts = 42;
    std::vector<memory> probes(b.memories().begin(), b.memories().end());
    for (const memory& m : probes) ASSERT_EQ(m.use_count(), 2);
    buffer moved = std::move(b);
    EXPECT_EQ(b.n_memory(), 0u);  // NOLINT(bugprone-use-after-move): documented empty
    EXPECT_EQ(moved.n_memory(), n);
    EXPECT_EQ(moved.pts, 42);
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_EQ(probes[i].use_count(), 2);
      EXPECT_TRUE(moved.peek_memory(i) == probes[i]);
    }
    buffer assigned = buffer::allocate(4).value();
    assigned = std::move(moved);
    EXPECT_EQ(assigned.n_memory(), n);
    for (const memory& m : probes) EXPECT_EQ(m.use_count(), 2);
  }
}

TEST_F(Buffer, FourMemoriesStayInlineAndMoreSpillToTheHeap) {
  memory_list list;
  for (int i = 0; i < 4; ++i) list.push_back(filled(1, 0));
  EXPECT_TRUE(list.is_inline());
  list.push_back(filled(1, 0));
  EXPECT_FALSE(list.is_inline());
  EXPECT_EQ(list.size(), 5u);
  memory_list moved = std::move(list);
  EXPECT_EQ(moved.size(), 5u);
  EXPECT_TRUE(list.empty());      // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(list.is_inline());  // NOLINT(bugprone-use-after-move)
}

TEST_F(Buffer, HundredsOfMemoriesWork) {
  buffer b = numbered(std::vector<std::size_t>(300, 3));
  EXPECT_EQ(b.n_memory(), 300u);
  EXPECT_EQ(b.size(), 900u);
  buffer s = b.share();
  EXPECT_EQ(s.peek_memory(299).use_count(), 2);
  auto map = b.map(map_access::read).value();
  ASSERT_EQ(map.size(), 900u);
  for (unsigned i = 0; i < 900; ++i) ASSERT_EQ(map.data()[i], std::byte(i & 0xff)) << i;
}

// --- share, make_writable, deep copy -----------------------------------------

TEST_F(Buffer, ShareSharesMemoryUntilMadeWritable) {
  buffer b = numbered({32});
  b.pts = 1;
  b.duration = 2;
  b.offset = 3;
  b.offset_end = 4;
  b.flags = buffer_flags::discont | buffer_flags::delta_unit;
  b.set_perms(perm::read | perm::preserve);

  buffer copy = b.share();
  EXPECT_TRUE(copy.peek_memory(0) == b.peek_memory(0));
  EXPECT_EQ(b.peek_memory(0).use_count(), 2);
  EXPECT_FALSE(b.is_writable());
  EXPECT_FALSE(copy.is_writable());
  EXPECT_EQ(copy.pts, 1);
  EXPECT_EQ(copy.duration, 2);
  EXPECT_EQ(copy.offset, 3u);
  EXPECT_EQ(copy.offset_end, 4u);
  EXPECT_EQ(copy.flags, buffer_flags::discont | buffer_flags::delta_unit);
  EXPECT_EQ(copy.perms(), perm::read | perm::preserve);

  const auto before = memory_counters_snapshot();
  ASSERT_TRUE(copy.make_writable());
  const auto d = counters_since(before);
  EXPECT_EQ(d.copies, 1u);
  EXPECT_EQ(d.copied_bytes, 32u);
  EXPECT_TRUE(copy.is_writable());
  EXPECT_TRUE(b.is_writable()) << "the original is the only holder again";
  EXPECT_FALSE(copy.peek_memory(0) == b.peek_memory(0));
  EXPECT_EQ(bytes_of(copy), range(0, 32));
  EXPECT_TRUE(has_any(copy.perms(), perm::write));
  // Metadata belongs to each buffer.
  copy.flags = buffer_flags::none;
  EXPECT_EQ(b.flags, buffer_flags::discont | buffer_flags::delta_unit);
}

TEST_F(Buffer, MakeWritableOfAWritableBufferCopiesNothing) {
  buffer b = numbered({10, 20});
  const std::byte* first = b.peek_memory(0).data();
  const auto before = memory_counters_snapshot();
  ASSERT_TRUE(b.make_writable());
  EXPECT_EQ(counters_since(before).copies, 0u);
  EXPECT_EQ(b.peek_memory(0).data(), first);
}

TEST_F(Buffer, MakeWritableCopiesOnlyTheSharedMemories) {
  buffer b = numbered({10, 20, 30});
  const std::byte* d0 = b.peek_memory(0).data();
  const std::byte* d1 = b.peek_memory(1).data();
  const std::byte* d2 = b.peek_memory(2).data();
  memory elsewhere = b.peek_memory(1);  // the middle memory is also held outside
  ASSERT_EQ(elsewhere.use_count(), 2);
  EXPECT_FALSE(b.is_writable());

  const auto before = memory_counters_snapshot();
  ASSERT_TRUE(b.make_writable());
  const auto d = counters_since(before);
  EXPECT_EQ(d.copies, 1u);
  EXPECT_EQ(d.copied_bytes, 20u);
  EXPECT_EQ(b.peek_memory(0).data(), d0);
  EXPECT_NE(b.peek_memory(1).data(), d1);
  EXPECT_EQ(b.peek_memory(2).data(), d2);
  EXPECT_EQ(elsewhere.use_count(), 1);
  EXPECT_EQ(elsewhere.data(), d1);
  EXPECT_TRUE(b.is_writable());
  EXPECT_EQ(bytes_of(b), range(0, 60));
}

TEST_F(Buffer, MakeWritableStopsCopyingSharesOnceTheirParentIsNoLongerShared) {
  memory root = filled(64, 0);
  buffer b;
  ASSERT_TRUE(b.append_memory(root.share(0, 32).value()));
  ASSERT_TRUE(b.append_memory(root.share(32, 32).value()));
  root.reset();  // the two shares are the only holders of the root
  EXPECT_FALSE(b.is_writable());
  const auto before = memory_counters_snapshot();
  ASSERT_TRUE(b.make_writable());
  EXPECT_EQ(counters_since(before).copies, 1u) << "after copying the first, the second is alone";
  EXPECT_EQ(counters_since(before).copied_bytes, 32u);
  EXPECT_TRUE(b.is_writable());
  EXPECT_EQ(bytes_of(b), range(0, 64));
}

TEST_F(Buffer, MakeWritableCopiesReadonlyMemory) {
  static const char text[] = "abcdefghijklmnopqrstuvwxyz";
  buffer b = buffer::wrap(memory::wrap(reinterpret_cast<std::byte*>(const_cast<char*>(text)),
                                       26, 0, 26, memory_flags::readonly)
                              .value())
                 .value();
  EXPECT_FALSE(b.is_writable());
  ASSERT_TRUE(b.make_writable());
  EXPECT_TRUE(b.is_writable());
  EXPECT_EQ(b.peek_memory(0).allocator_name(), "system");
  EXPECT_EQ(std::memcmp(b.peek_memory(0).data(), text, 26), 0);
}

TEST_F(Buffer, DeepCopyCopiesEveryByteAndKeepsMetadata) {
  buffer b = numbered({5, 6, 7});
  b.pts = 10;
  b.flags = buffer_flags::header;
  b.set_perms(perm::read);
  const auto before = memory_counters_snapshot();
  buffer c = b.deep_copy().value();
  const auto d = counters_since(before);
  EXPECT_EQ(d.copies, 3u);
  EXPECT_EQ(d.copied_bytes, 18u);
  EXPECT_EQ(c.n_memory(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_NE(c.peek_memory(i).data(), b.peek_memory(i).data());
    EXPECT_EQ(b.peek_memory(i).use_count(), 1);
  }
  EXPECT_EQ(bytes_of(c), range(0, 18));
  EXPECT_EQ(c.pts, 10);
  EXPECT_EQ(c.flags, buffer_flags::header);
  EXPECT_EQ(c.perms(), perm_all) << "a deep copy is a fresh reference";
  EXPECT_TRUE(c.is_writable());
  EXPECT_TRUE(b.is_writable());
}

// --- map ---------------------------------------------------------------------

TEST_F(Buffer, MapOfOneMemoryIsDirect) {
  buffer b = numbered({100});
  const auto before = memory_counters_snapshot();
  auto map = b.map(map_access::write).value();
  EXPECT_EQ(map.data(), b.peek_memory(0).data());
  EXPECT_EQ(map.size(), 100u);
  EXPECT_EQ(map.access(), map_access::write);
  EXPECT_EQ(counters_since(before).copies, 0u);
  EXPECT_EQ(b.peek_memory(0).use_count(), 1) << "the map is not a reference";
}

TEST_F(Buffer, MapOfAdjacentSharesSpansWithoutCopying) {
  memory root = filled(64, 0);
  buffer b;
  for (std::size_t i = 0; i < 4; ++i) ASSERT_TRUE(b.append_memory(root.share(i * 16, 16).value()));
  const auto before = memory_counters_snapshot();
  auto map = b.map(map_access::read).value();
  EXPECT_EQ(counters_since(before).copies, 0u);
  EXPECT_EQ(counters_since(before).allocated_bytes, 0u);
  EXPECT_EQ(map.data(), root.data());
  EXPECT_EQ(map.size(), 64u);
  EXPECT_EQ(b.n_memory(), 4u) << "read access leaves the list alone";
}

TEST_F(Buffer, WriteMapOfAdjacentSharesReplacesTheListWithTheSpan) {
  memory root = filled(64, 0);
  const std::byte* data = root.data();
  buffer b;
  for (std::size_t i = 0; i < 4; ++i) ASSERT_TRUE(b.append_memory(root.share(i * 16, 16).value()));
  root.reset();
  const auto before = memory_counters_snapshot();
  auto map = b.map(map_access::write).value();
  EXPECT_EQ(counters_since(before).copies, 0u)
      << "once the shares are replaced, the span is the root's only holder";
  EXPECT_EQ(map.data(), data);
  EXPECT_EQ(b.n_memory(), 1u);
  EXPECT_EQ(b.size(), 64u);
  EXPECT_TRUE(b.is_writable());
  map.data()[0] = std::byte{0xee};
}

TEST_F(Buffer, WriteMapOfASpanWhoseParentIsStillHeldCopiesOnce) {
  memory root = filled(64, 0);
  buffer b;
  ASSERT_TRUE(b.append_memory(root.share(0, 32).value()));
  ASSERT_TRUE(b.append_memory(root.share(32, 32).value()));
  const auto before = memory_counters_snapshot();
  auto map = b.map(map_access::write).value();
  EXPECT_EQ(counters_since(before).copies, 1u);
  EXPECT_EQ(counters_since(before).copied_bytes, 64u);
  EXPECT_NE(map.data(), root.data());
  map.data()[0] = std::byte{0xee};
  EXPECT_EQ(root.data()[0], std::byte{0}) << "the root is untouched";
  EXPECT_EQ(root.use_count(), 1);
}

TEST_F(Buffer, MapOfUnrelatedMemoriesMergesWithCountedCopies) {
  buffer b = numbered({10, 20, 30});
  const auto before = memory_counters_snapshot();
  {
    auto map = b.map(map_access::read).value();
    const auto d = counters_since(before);
    EXPECT_EQ(d.copies, 3u) << "one counted copy per memory merged";
    EXPECT_EQ(d.copied_bytes, 60u);
    ASSERT_EQ(map.size(), 60u);
    for (unsigned i = 0; i < 60; ++i) ASSERT_EQ(map.data()[i], std::byte(i)) << i;
    EXPECT_EQ(b.n_memory(), 3u) << "read access keeps the memories";
    EXPECT_EQ(counters_since(before).live_memories, 1u) << "the temporary merge";
  }
  EXPECT_EQ(counters_since(before).live_memories, 0u) << "the merge dies with the map";

  auto w = b.map(map_access::write).value();
  EXPECT_EQ(b.n_memory(), 1u) << "write access replaces the list with the merge";
  EXPECT_EQ(w.data(), b.peek_memory(0).data());
  EXPECT_EQ(counters_since(before).copied_bytes, 120u);
  EXPECT_EQ(bytes_of(b), range(0, 60));
}

TEST_F(Buffer, WriteMapOfReadonlyMemoryWritesACopy) {
  static const char text[] = "abcdefghijklmnopqrstuvwxyz";
  buffer b = buffer::wrap(memory::wrap(reinterpret_cast<std::byte*>(const_cast<char*>(text)),
                                       26, 0, 26, memory_flags::readonly)
                              .value())
                 .value();
  const auto before = memory_counters_snapshot();
  auto map = b.map(map_access::write).value();
  EXPECT_EQ(counters_since(before).copies, 1u);
  map.data()[4] = std::byte{'a'};
  EXPECT_EQ(text[4], 'e');
}

TEST_F(Buffer, MapOfASharedBufferForReadDoesNotCopy) {
  buffer b = numbered({16});
  buffer other = b.share();
  const auto before = memory_counters_snapshot();
  auto map = b.map(map_access::read).value();
  EXPECT_EQ(counters_since(before).copies, 0u);
  EXPECT_EQ(map.data(), other.peek_memory(0).data());
}

TEST_F(Buffer, BufferMapOutlivesItsBufferAndUnmapsOnce) {
  buffer b = numbered({10, 20});
  auto map = b.map(map_access::read).value();
  auto write = numbered({8}).map(map_access::write).value();  // buffer gone at once
  b = buffer();
  EXPECT_EQ(map.data()[29], std::byte{29});
  write.data()[7] = std::byte{1};
  ASSERT_TRUE(map.unmap());
  auto twice = map.unmap();
  ASSERT_FALSE(twice);
  EXPECT_TRUE(twice.error() == errc::not_mapped);
  buffer_map moved = std::move(write);
  EXPECT_TRUE(write.unmap().error() == errc::not_mapped);  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(moved.unmap());
  EXPECT_TRUE(buffer_map().unmap().error() == errc::not_mapped);
}

// --- resize and regions --------------------------------------------------------

TEST_F(Buffer, ResizeTrimsAcrossMemories) {
  buffer b = numbered({10, 10, 10});
  ASSERT_TRUE(b.resize(5, 20));
  EXPECT_EQ(b.size(), 20u);
  ASSERT_EQ(b.n_memory(), 3u);
  EXPECT_EQ(b.peek_memory(0).size(), 5u);
  EXPECT_EQ(b.peek_memory(1).size(), 10u);
  EXPECT_EQ(b.peek_memory(2).size(), 5u);
  EXPECT_EQ(bytes_of(b), range(5, 25));
  // Writable edges are resized in place: no new memory objects.
  EXPECT_FALSE(b.peek_memory(0).parent());

  ASSERT_TRUE(b.resize(2, 6));  // bytes 7..12: the end of the first and start of the second
  ASSERT_EQ(b.n_memory(), 2u);
  EXPECT_EQ(bytes_of(b), range(7, 13));
  ASSERT_TRUE(b.resize(3));  // to the end
  ASSERT_EQ(b.n_memory(), 1u);
  EXPECT_EQ(bytes_of(b), range(10, 13));
  ASSERT_TRUE(b.resize(1, 0));
  EXPECT_EQ(b.n_memory(), 0u);
  EXPECT_EQ(b.size(), 0u);
}

TEST_F(Buffer, ResizeOfSharedMemoriesMakesSharesNotCopies) {
  buffer b = numbered({10, 10});
  buffer other = b.share();
  const auto before = memory_counters_snapshot();
  ASSERT_TRUE(other.resize(8, 4));
  EXPECT_EQ(counters_since(before).copies, 0u);
  EXPECT_EQ(bytes_of(other), range(8, 12));
  EXPECT_TRUE(other.peek_memory(0).parent() == b.peek_memory(0));
  EXPECT_TRUE(other.peek_memory(1).parent() == b.peek_memory(1));
  EXPECT_EQ(b.size(), 20u) << "the original is untouched";
  EXPECT_EQ(bytes_of(b), range(0, 20));
}

TEST_F(Buffer, ResizeBeyondTheSizeIsAnErrorNamingTheNumbers) {
  buffer b = numbered({10, 10});
  auto r = b.resize(15, 6);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error() == errc::out_of_range);
  EXPECT_EQ(r.error().message, "buffer::resize(offset=15, size=6): exceeds buffer size 20");
  EXPECT_FALSE(b.resize(21));
  EXPECT_EQ(b.size(), 20u);
}

TEST_F(Buffer, ShareRegionViewsARangeWithoutCopying) {
  buffer b = numbered({16, 16});
  b.pts = 7;
  const auto before = memory_counters_snapshot();
  buffer region = b.share_region(12, 8).value();
  EXPECT_EQ(counters_since(before).copies, 0u);
  EXPECT_EQ(bytes_of(region), range(12, 20));
  EXPECT_EQ(region.pts, 7);
  EXPECT_EQ(b.size(), 32u);
  EXPECT_FALSE(b.share_region(30, 8));
}

// --- memory list misuse ----------------------------------------------------------

TEST_F(Buffer, MemoryListMisuseIsAnErrorNotUndefinedBehaviour) {
  buffer b = numbered({4, 4});
  auto ins = b.insert_memory(3, filled(1, 0));
  ASSERT_FALSE(ins);
  EXPECT_TRUE(ins.error() == errc::out_of_range);
  EXPECT_EQ(ins.error().message, "buffer::insert_memory(index=3): buffer has 2 memories");
  EXPECT_EQ(b.replace_memory(2, filled(1, 0)).error().message,
            "buffer::replace_memory(index=2): buffer has 2 memories");
  EXPECT_EQ(b.remove_memory(5).error().message,
            "buffer::remove_memory(index=5): buffer has 2 memories");
  EXPECT_TRUE(b.append_memory(memory()).error() == errc::invalid_argument);
  EXPECT_FALSE(b.peek_memory(2)) << "out of range peeks an empty handle";
  EXPECT_EQ(b.n_memory(), 2u);
}

TEST_F(Buffer, MemoryListOperationsKeepOrder) {
  buffer b = numbered({1, 1});  // bytes 0, 1
  ASSERT_TRUE(b.insert_memory(1, filled(1, 9)));
  EXPECT_EQ(bytes_of(b), (std::vector<unsigned>{0, 9, 1}));
  ASSERT_TRUE(b.insert_memory(0, filled(1, 8)));
  ASSERT_TRUE(b.append_memory(filled(1, 7)));
  EXPECT_EQ(bytes_of(b), (std::vector<unsigned>{8, 0, 9, 1, 7}));
  ASSERT_TRUE(b.replace_memory(2, filled(1, 5)));
  ASSERT_TRUE(b.remove_memory(0));
  EXPECT_EQ(bytes_of(b), (std::vector<unsigned>{0, 5, 1, 7}));
  b.clear_memories();
  EXPECT_EQ(b.n_memory(), 0u);
}

}  // namespace buffer_test
}  // namespace tessera::core
