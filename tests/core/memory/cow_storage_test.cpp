#include "core/memory/cow_storage.hpp"

#include "core/memory/counters.hpp"
#include "core/memory/cow.hpp"
#include "tests/core/memory/cow_test_managers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

// The storage side of copy-on-write: reference counts, the block manager
// customization point (allocation, failure, swapping out and in), and residency.

namespace tessera::core {
namespace cow_storage_test {

using testing_support::counting_block_manager;
using testing_support::swapping_block_manager;

std::vector<std::byte> pattern(std::size_t n, unsigned seed) {
  std::vector<std::byte> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = std::byte((i * 7 + seed * 13 + 1) & 0xff);
  return v;
}

void fill(cow_ptr& p, const std::vector<std::byte>& bytes) {
  auto w = p.write();
  ASSERT_TRUE(w);
  ASSERT_EQ(w->size(), bytes.size());
  std::copy(bytes.begin(), bytes.end(), w->begin());
  ASSERT_TRUE(p.release(cow_access::write));
}

std::vector<std::byte> contents(cow_ptr& p) {
  auto r = p.read();
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  if (!r) return {};
  std::vector<std::byte> v(r->begin(), r->end());
  EXPECT_TRUE(p.release(cow_access::read));
  return v;
}

TEST(CowStorage, CountsThePointersThatReferToIt) {
  cow_ptr a, b, c;
  ASSERT_TRUE(a.init() && b.init() && c.init());
  ASSERT_TRUE(a.alloc(64));
  cow_storage* s = a.storage();
  EXPECT_EQ(s->sp_count(), 1u);
  ASSERT_TRUE(b.join(a));
  ASSERT_TRUE(c.join(b));
  EXPECT_EQ(s->sp_count(), 3u);
  EXPECT_TRUE(a.shares_storage_with(c));
  ASSERT_TRUE(a.read());
  ASSERT_TRUE(b.read());
  EXPECT_EQ(s->use_count(), 2u);
  c.uninit();
  EXPECT_EQ(s->sp_count(), 2u);
  ASSERT_TRUE(a.release(cow_access::read));
  ASSERT_TRUE(b.release(cow_access::read));
  EXPECT_EQ(s->use_count(), 0u);
}

TEST(CowStorage, LastPointerToLetGoFreesIt) {
  const std::size_t live = cow_storage::live_count();
  {
    cow_ptr a, b;
    ASSERT_TRUE(a.init() && b.init());
    ASSERT_TRUE(a.alloc(64));
    ASSERT_TRUE(b.join(a));
    EXPECT_EQ(cow_storage::live_count(), live + 1);
    a.uninit();
    EXPECT_EQ(cow_storage::live_count(), live + 1);
  }
  EXPECT_EQ(cow_storage::live_count(), live);
}

TEST(CowBlockManager, AllocAndCopiesComeFromTheStoragesManager) {
  counting_block_manager manager;
  {
    cow_ptr a, b, c;
    ASSERT_TRUE(a.init() && b.init() && c.init());
    ASSERT_TRUE(a.alloc(1000, 128, manager));
    EXPECT_EQ(manager.allocations(), 1u);
    EXPECT_EQ(manager.last_size(), 1000u);
    EXPECT_EQ(manager.last_alignment(), 128u);
    EXPECT_EQ(&a.storage()->manager(), &manager);

    ASSERT_TRUE(b.join(a));
    EXPECT_EQ(manager.allocations(), 1u) << "a join onto SHARABLE shares, no block";
    ASSERT_TRUE(b.write());  // SHARED: copy [2]
    EXPECT_EQ(manager.allocations(), 2u);
    EXPECT_EQ(&b.storage()->manager(), &manager);
    ASSERT_TRUE(c.join(b));  // UNSHARABLE: copy [4]
    EXPECT_EQ(manager.allocations(), 3u);
    EXPECT_EQ(manager.live_blocks(), 3u);
    EXPECT_EQ(manager.live_bytes(), 3000u);
  }
  EXPECT_EQ(manager.live_blocks(), 0u) << "every block went back to its manager";
  EXPECT_EQ(manager.live_bytes(), 0u);
}

TEST(CowBlockManager, FreshStorageIsZeroFilledWhateverTheManagerLeft) {
  counting_block_manager manager;
  cow_ptr p;
  ASSERT_TRUE(p.init());
  ASSERT_TRUE(p.alloc(333, 64, manager));
  EXPECT_EQ(contents(p), std::vector<std::byte>(333));
}

TEST(CowBlockManager, AllocationFailureIsAnErrorAndChangesNothing) {
  counting_block_manager manager;
  manager.fail_after(0);
  cow_ptr p;
  ASSERT_TRUE(p.init());
  auto r = p.alloc(4096, 64, manager);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error() == errc::no_memory);
  EXPECT_NE(r.error().message.find("4096 bytes"), std::string::npos) << r.error().message;
  EXPECT_EQ(p.state(), cow_state::unalloc);
}

TEST(CowBlockManager, FailedCopyOnWriteLeavesEveryPointerAsItWas) {
  counting_block_manager manager;
  const std::size_t live = cow_storage::live_count();
  cow_ptr a, b, joiner;
  ASSERT_TRUE(a.init() && b.init() && joiner.init());
  ASSERT_TRUE(a.alloc(256, 64, manager));
  fill(a, pattern(256, 1));
  ASSERT_TRUE(b.join(a));
  manager.fail_after(1);  // no more blocks

  auto w = b.write();  // SHARED write needs a copy
  ASSERT_FALSE(w);
  EXPECT_TRUE(w.error() == errc::no_memory);
  EXPECT_EQ(b.state(), cow_state::shared);
  EXPECT_EQ(b.write_uses(), 0u);
  auto s = b.split();  // so does a SHARED split
  ASSERT_FALSE(s);
  EXPECT_EQ(b.state(), cow_state::shared);
  EXPECT_EQ(a.storage()->sp_count(), 2u);

  b.uninit();
  ASSERT_TRUE(a.write());  // SHARABLE: in place, no block needed
  auto j = joiner.join(a);  // UNSHARABLE: the joiner needs a copy [4]
  ASSERT_FALSE(j);
  EXPECT_EQ(joiner.state(), cow_state::unalloc);
  EXPECT_EQ(a.state(), cow_state::unsharable);
  EXPECT_EQ(cow_storage::live_count(), live + 1);
  ASSERT_TRUE(a.release(cow_access::write));
  EXPECT_EQ(contents(a), pattern(256, 1));
}

TEST(CowCounters, EveryCopyOnWriteIsCountedAndNothingElse) {
  constexpr std::size_t size = 300;
  cow_ptr a, b, c, d;
  ASSERT_TRUE(a.init() && b.init() && c.init() && d.init());
  const memory_counters start = memory_counters_snapshot();
  ASSERT_TRUE(a.alloc(size));
  ASSERT_TRUE(b.join(a));  // shares: no copy
  ASSERT_TRUE(a.read());
  ASSERT_TRUE(a.release(cow_access::read));
  EXPECT_EQ(memory_counters_snapshot().copies, start.copies);

  ASSERT_TRUE(b.write());  // SHARED write [2]: one copy
  memory_counters now = memory_counters_snapshot();
  EXPECT_EQ(now.copies, start.copies + 1);
  EXPECT_EQ(now.copied_bytes, start.copied_bytes + size);

  ASSERT_TRUE(c.join(b));  // join onto UNSHARABLE [4]: one copy
  ASSERT_TRUE(d.join(c));
  ASSERT_TRUE(d.split());  // SHARED split [5]: one copy
  ASSERT_TRUE(a.write());  // SHARABLE write: in place
  now = memory_counters_snapshot();
  EXPECT_EQ(now.copies, start.copies + 3);
  EXPECT_EQ(now.copied_bytes, start.copied_bytes + 3 * size);
}

TEST(CowCounters, SystemManagerCountsItsBlocks) {
  const memory_counters start = memory_counters_snapshot();
  {
    cow_ptr a, b;
    ASSERT_TRUE(a.init() && b.init());
    ASSERT_TRUE(a.alloc(1000));
    ASSERT_TRUE(b.join(a));
    ASSERT_TRUE(b.split());
    const memory_counters now = memory_counters_snapshot();
    EXPECT_EQ(now.allocations, start.allocations + 2);
    EXPECT_EQ(now.allocated_bytes, start.allocated_bytes + 2000);
    EXPECT_EQ(now.live_bytes, start.live_bytes + 2000);
  }
  const memory_counters end = memory_counters_snapshot();
  EXPECT_EQ(end.frees, start.frees + 2);
  EXPECT_EQ(end.live_bytes, start.live_bytes);
}

TEST(CowResidency, SystemManagerNeverEvicts) {
  cow_ptr p;
  ASSERT_TRUE(p.init());
  ASSERT_TRUE(p.alloc(64));
  auto r = p.storage()->evict();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error() == errc::bad_state);
  EXPECT_NE(r.error().message.find("does not swap"), std::string::npos) << r.error().message;
  EXPECT_TRUE(p.storage()->resident());
}

TEST(CowResidency, EvictedBytesComeBackOnTheNextUse) {
  swapping_block_manager manager;
  cow_ptr p;
  ASSERT_TRUE(p.init());
  ASSERT_TRUE(p.alloc(512, 64, manager));
  fill(p, pattern(512, 4));
  cow_storage* s = p.storage();

  ASSERT_TRUE(s->evict());
  EXPECT_FALSE(s->resident());
  EXPECT_EQ(manager.live_blocks(), 0u) << "the block went back to the manager";
  EXPECT_EQ(manager.swap_outs(), 1u);
  EXPECT_EQ(p.state(), cow_state::sharable) << "residency is not a lifecycle state";
  ASSERT_TRUE(s->evict()) << "evicting evicted storage is a no-op";
  EXPECT_EQ(manager.swap_outs(), 1u);

  EXPECT_EQ(contents(p), pattern(512, 4));
  EXPECT_TRUE(s->resident());
  EXPECT_EQ(manager.swap_ins(), 1u);
  EXPECT_EQ(manager.live_blocks(), 1u);
}

TEST(CowResidency, StorageInUseCannotBeEvicted) {
  swapping_block_manager manager;
  cow_ptr p;
  ASSERT_TRUE(p.init());
  ASSERT_TRUE(p.alloc(128, 64, manager));
  auto bytes = p.read();
  ASSERT_TRUE(bytes);
  auto r = p.storage()->evict();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error() == errc::bad_state);
  EXPECT_NE(r.error().message.find("1 read/write use(s) in progress"), std::string::npos) << r.error().message;
  EXPECT_TRUE(p.storage()->resident());
  EXPECT_EQ(manager.swap_outs(), 0u);
  ASSERT_TRUE(p.release(cow_access::read));
  EXPECT_TRUE(p.storage()->evict());
}

TEST(CowResidency, FailedSwapInIsAnErrorOfTheUseAndCountsNoUse) {
  swapping_block_manager manager;
  cow_ptr p;
  ASSERT_TRUE(p.init());
  ASSERT_TRUE(p.alloc(128, 64, manager));
  fill(p, pattern(128, 2));
  ASSERT_TRUE(p.storage()->evict());
  manager.fail_swap_in(true);

  auto r = p.read();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error() == errc::io_error);
  auto w = p.write();
  ASSERT_FALSE(w);
  EXPECT_EQ(p.state(), cow_state::sharable);
  EXPECT_EQ(p.read_uses() + p.write_uses(), 0u);
  EXPECT_EQ(p.storage()->use_count(), 0u);
  EXPECT_FALSE(p.storage()->resident());
  EXPECT_EQ(manager.live_blocks(), 0u) << "the block taken for the failed swap-in went back";

  manager.fail_swap_in(false);
  EXPECT_EQ(contents(p), pattern(128, 2));
}

TEST(CowResidency, CopyingEvictedSharedStorageSwapsItInFirst) {
  swapping_block_manager manager;
  cow_ptr a, b;
  ASSERT_TRUE(a.init() && b.init());
  ASSERT_TRUE(a.alloc(256, 64, manager));
  fill(a, pattern(256, 9));
  ASSERT_TRUE(b.join(a));
  ASSERT_TRUE(a.storage()->evict());

  ASSERT_TRUE(b.split());  // copies bytes that were swapped out
  EXPECT_EQ(manager.swap_ins(), 1u);
  EXPECT_EQ(contents(b), pattern(256, 9));
  EXPECT_EQ(contents(a), pattern(256, 9));
}

TEST(CowResidency, StorageDyingSwappedOutTellsTheManagerToDiscard) {
  swapping_block_manager manager;
  {
    cow_ptr p;
    ASSERT_TRUE(p.init());
    ASSERT_TRUE(p.alloc(64, 64, manager));
    ASSERT_TRUE(p.storage()->evict());
    EXPECT_EQ(manager.swapped_storages(), 1u);
  }
  EXPECT_EQ(manager.discards(), 1u);
  EXPECT_EQ(manager.swapped_storages(), 0u);
  EXPECT_EQ(manager.live_blocks(), 0u);
}

}  // namespace cow_storage_test
}  // namespace tessera::core
