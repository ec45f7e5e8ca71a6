// The system allocator (alignment per request, one allocation per memory, clear
// errors) and the pool allocator (recycling, stats, limits, safe destruction).
#include "core/memory/allocator.hpp"

#include "core/memory/counters.hpp"
#include "core/memory/pool_allocator.hpp"
#include "core/memory/system_allocator.hpp"
#include "tests/core/memory/leak_check.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace tessera::core {
namespace allocator_test {

using test::counters_since;

class SystemAllocator : public test::leak_checked {};
class PoolAllocator : public test::leak_checked {};

bool aligned(const void* p, std::size_t align) {
  return reinterpret_cast<std::uintptr_t>(p) % align == 0;
}

std::unique_ptr<pool_allocator> make_pool(std::size_t block_size, std::size_t min = 0,
                                          std::size_t max = 0, alloc_params params = {}) {
  pool_config c;
  c.name = "test-pool";
  c.block_size = block_size;
  c.min_blocks = min;
  c.max_blocks = max;
  c.params = params;
  return pool_allocator::create(std::move(c)).value();
}

// --- system allocator --------------------------------------------------------

TEST_F(SystemAllocator, HonoursEveryPowerOfTwoAlignment) {
  std::vector<memory> alive;  // kept alive together so addresses are not reused
  for (std::size_t align = 1; align <= (std::size_t{1} << 16); align *= 2) {
    for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{4096},
                             std::size_t{100000}}) {
      alloc_params p;
      p.align = align;
      auto m = system_allocator().allocate(size, p);
      ASSERT_TRUE(m) << m.error().message;
      EXPECT_TRUE(aligned(m->data(), align)) << "align " << align << " size " << size;
      EXPECT_EQ(m->align(), align);
      EXPECT_EQ(m->size(), size);
      // The whole region is usable (ASan checks the bounds).
      if (size) {
        auto w = m->map(map_access::write).value();
        std::memset(w.data(), 0xab, size);
      }
      alive.push_back(std::move(*m));
    }
  }
}

TEST_F(SystemAllocator, AlignsTheRegionStartSoAnAlignedPrefixKeepsDataAligned) {
  for (std::size_t align : {64u, 256u, 4096u}) {
    alloc_params p;
    p.align = align;
    p.prefix = align;
    memory m = system_allocator().allocate(10, p).value();
    EXPECT_TRUE(aligned(m.data() - m.offset(), align));
    EXPECT_TRUE(aligned(m.data(), align));
  }
}

TEST_F(SystemAllocator, AlignmentThatIsNotAPowerOfTwoIsAClearError) {
  for (std::size_t align : {0u, 3u, 24u, 48u, 100u}) {
    alloc_params p;
    p.align = align;
    auto m = system_allocator().allocate(64, p);
    ASSERT_FALSE(m) << align;
    EXPECT_TRUE(m.error() == errc::invalid_argument);
    EXPECT_EQ(m.error().message,
              "system allocator: alignment " + std::to_string(align) + " is not a power of two");
  }
}

TEST_F(SystemAllocator, SizesThatOverflowAreAClearError) {
  alloc_params p;
  p.prefix = 16;
  p.padding = 16;
  const std::size_t huge = std::numeric_limits<std::size_t>::max() - 20;
  auto m = system_allocator().allocate(huge, p);
  ASSERT_FALSE(m);
  EXPECT_TRUE(m.error() == errc::invalid_argument);
  EXPECT_EQ(m.error().message, "system allocator: prefix 16 + size " + std::to_string(huge) +
                                   " + padding 16 overflows");
}

#if !defined(__SANITIZE_ADDRESS__)  // ASan aborts on impossible sizes by default
TEST_F(SystemAllocator, ImpossibleSizesAreNoMemory) {
  const std::size_t size = std::numeric_limits<std::size_t>::max() / 2;
  auto m = system_allocator().allocate(size);
  ASSERT_FALSE(m);
  EXPECT_TRUE(m.error() == errc::no_memory);
  EXPECT_EQ(m.error().message,
            "system allocator: cannot allocate " + std::to_string(size) + " bytes aligned to 16: the system has no memory for " +
                std::to_string(size) + " bytes");
}
#endif

TEST_F(SystemAllocator, ReadonlyFlagMarksTheNewMemory) {
  alloc_params p;
  p.flags = memory_flags::readonly;
  memory m = system_allocator().allocate(8, p).value();
  EXPECT_TRUE(m.is_readonly());
  EXPECT_FALSE(m.is_writable());
}

// --- pool allocator ----------------------------------------------------------

TEST_F(PoolAllocator, RecyclesTheSameBlock) {
  auto pool = make_pool(1024);
  EXPECT_EQ(pool->name(), "test-pool");
  EXPECT_EQ(pool->block_size(), 1024u);
  memory m = pool->acquire().value();
  EXPECT_EQ(m.size(), 1024u);
  EXPECT_EQ(m.allocator_name(), "test-pool");
  EXPECT_TRUE(m.is_writable());
  const std::byte* first = m.data();
  pool_stats s = pool->stats();
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.hits, 0u);
  EXPECT_EQ(s.outstanding, 1u);

  m.reset();
  s = pool->stats();
  EXPECT_EQ(s.outstanding, 0u);
  EXPECT_EQ(s.free_blocks, 1u);

  const auto before = memory_counters_snapshot();
  memory again = pool->acquire().value();
  EXPECT_EQ(again.data(), first) << "the same block comes back";
  EXPECT_EQ(counters_since(before).allocations, 0u) << "a hit is not an allocation";
  s = pool->stats();
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.outstanding, 1u);
  EXPECT_EQ(s.free_blocks, 0u);
  EXPECT_EQ(s.total_blocks, 1u);
}

TEST_F(PoolAllocator, PreallocatesMinBlocks) {
  const auto before = memory_counters_snapshot();
  alloc_params p;
  p.prefix = 16;
  p.padding = 16;
  auto pool = make_pool(1000, 3, 0, p);
  EXPECT_EQ(counters_since(before).allocations, 3u);
  EXPECT_EQ(counters_since(before).live_bytes, 3u * 1032u);
  pool_stats s = pool->stats();
  EXPECT_EQ(s.free_blocks, 3u);
  EXPECT_EQ(s.total_blocks, 3u);
  std::vector<memory> out;
  for (int i = 0; i < 3; ++i) out.push_back(pool->acquire().value());
  s = pool->stats();
  EXPECT_EQ(s.hits, 3u);
  EXPECT_EQ(s.misses, 0u);
  EXPECT_EQ(out[0].offset(), 16u);
  EXPECT_EQ(out[0].maxsize(), 1032u);
  out.push_back(pool->acquire().value());
  EXPECT_EQ(pool->stats().misses, 1u);
  EXPECT_EQ(counters_since(before).allocations, 4u);
}

TEST_F(PoolAllocator, MaxBlocksIsALimitNotAWait) {
  auto pool = make_pool(64, 0, 2);
  memory a = pool->acquire().value();
  memory b = pool->acquire().value();
  auto c = pool->acquire();
  ASSERT_FALSE(c);
  EXPECT_TRUE(c.error() == errc::limit_exceeded);
  EXPECT_EQ(c.error().message, "pool 'test-pool': all 2 blocks are in use (max_blocks)");
  a.reset();
  EXPECT_TRUE(pool->acquire());
}

TEST_F(PoolAllocator, MemoryReturnsWhenItsLastShareDies) {
  auto pool = make_pool(64);
  memory m = pool->acquire().value();
  memory sub = m.share(8, 8).value();
  m.reset();
  EXPECT_EQ(pool->stats().outstanding, 1u) << "the share holds the block";
  sub.reset();
  EXPECT_EQ(pool->stats().outstanding, 0u);
  EXPECT_EQ(pool->stats().free_blocks, 1u);
}

TEST_F(PoolAllocator, CopiesOfPoolMemoryComeFromTheSystemAllocator) {
  auto pool = make_pool(64);
  memory m = pool->acquire().value();
  memory c = m.copy(0, 10).value();
  EXPECT_EQ(c.allocator_name(), "system");
  EXPECT_EQ(pool->stats().outstanding, 1u);
}

TEST_F(PoolAllocator, DestroyingThePoolWhileBlocksAreOutIsSafe) {
  const auto before = memory_counters_snapshot();
  auto pool = make_pool(256, 2);
  memory a = pool->acquire().value();
  memory b = pool->acquire().value();
  memory c = pool->acquire().value();  // a third block, a miss
  c.reset();                            // back to the free list
  memory sub = b.share(0, 16).value();
  b.reset();
  pool.reset();
  // The free block is freed at once; the two that are out stay usable.
  EXPECT_EQ(counters_since(before).live_bytes, 2u * 256u);
  {
    auto w = a.map(map_access::write).value();
    std::memset(w.data(), 1, w.size());
  }
  EXPECT_EQ(a.allocator_name(), "test-pool");
  a.reset();
  EXPECT_EQ(counters_since(before).live_bytes, 256u);
  sub.reset();  // the last block: the pool's state goes with it (LSan checks)
  EXPECT_EQ(counters_since(before).live_bytes, 0u);
}

TEST_F(PoolAllocator, RecycledBlocksAreResetForTheNextUser) {
  alloc_params p;
  p.prefix = 8;
  p.padding = 8;
  auto pool = make_pool(64, 0, 0, p);
  {
    memory m = pool->acquire().value();
    ASSERT_TRUE(m.resize(0, 80));
    auto w = m.map(map_access::write).value();
    std::memset(w.data(), 0x5a, w.size());
    ASSERT_TRUE(w.unmap());
    m.set_readonly();
  }
  alloc_params zeroed = p;
  zeroed.flags = memory_flags::zero_prefixed | memory_flags::zero_padded;
  memory m = pool->allocate(32, zeroed).value();
  EXPECT_EQ(pool->stats().hits, 1u);
  EXPECT_EQ(m.offset(), 8u);
  EXPECT_EQ(m.size(), 32u);
  EXPECT_FALSE(m.is_readonly());
  EXPECT_TRUE(m.is_writable());
  EXPECT_EQ(m.use_count(), 1);
  EXPECT_EQ(m.flags(), memory_flags::zero_prefixed | memory_flags::zero_padded);
  for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ((m.data() - 8)[i], std::byte{0});
  for (std::size_t i = 32; i < 72; ++i) EXPECT_EQ(m.data()[i], std::byte{0}) << i;
  EXPECT_EQ(m.data()[0], std::byte{0x5a}) << "data itself is not cleared";
}

TEST_F(PoolAllocator, RequestsThatDoNotFitABlockAreClearErrors) {
  auto pool = make_pool(100);
  auto big = pool->allocate(101);
  ASSERT_FALSE(big);
  EXPECT_TRUE(big.error() == errc::invalid_argument);
  EXPECT_EQ(big.error().message,
            "pool 'test-pool': prefix 0 + size 101 + padding 0 = 101 bytes exceeds the block "
            "region of 100 bytes (block_size 100)");
  alloc_params p;
  p.align = 64;
  auto wide = pool->allocate(10, p);
  ASSERT_FALSE(wide);
  EXPECT_EQ(wide.error().message,
            "pool 'test-pool': alignment 64 exceeds the pool's alignment 16");
  p.align = 12;
  EXPECT_TRUE(pool->allocate(10, p).error() == errc::invalid_argument);
  EXPECT_EQ(pool->stats().total_blocks, 0u);
  // Smaller requests are fine.
  alloc_params small;
  small.prefix = 50;
  memory m = pool->allocate(50, small).value();
  EXPECT_EQ(m.offset(), 50u);
}

TEST_F(PoolAllocator, BadConfigurationsAreRefused) {
  pool_config c;
  c.name = "bad";
  auto zero = pool_allocator::create(c);
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().message, "pool 'bad': block_size is 0");
  c.block_size = 10;
  c.min_blocks = 5;
  c.max_blocks = 4;
  auto minmax = pool_allocator::create(c);
  ASSERT_FALSE(minmax);
  EXPECT_EQ(minmax.error().message, "pool 'bad': min_blocks 5 exceeds max_blocks 4");
  c.min_blocks = 0;
  c.params.align = 3;
  auto align = pool_allocator::create(c);
  ASSERT_FALSE(align);
  EXPECT_EQ(align.error().message, "pool 'bad': alignment 3 is not a power of two");
}

TEST_F(PoolAllocator, BlocksHonourThePoolAlignment) {
  alloc_params p;
  p.align = 4096;
  auto pool = make_pool(100, 4, 0, p);
  std::vector<memory> out;
  for (int i = 0; i < 6; ++i) {
    out.push_back(pool->acquire().value());
    EXPECT_TRUE(aligned(out.back().data(), 4096));
  }
}

}  // namespace allocator_test
}  // namespace tessera::core
