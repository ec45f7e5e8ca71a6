// Memory handles and pools used from several threads at once: references taken
// and dropped concurrently, blocks returned to a pool from threads other than
// the one that took them, maps pinning a block while its last handle goes.
// Run under TSan in CI (label "concurrency").
#include "core/memory/memory.hpp"

#include "core/memory/buffer.hpp"
#include "core/memory/counters.hpp"
#include "core/memory/pool_allocator.hpp"
#include "core/memory/system_allocator.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

namespace tessera::core {
namespace memory_concurrency_test {

TEST(MemoryConcurrency, ReferencesTakenAndDroppedOnManyThreadsBalance) {
  const auto before = memory_counters_snapshot();
  {
    memory m = system_allocator().allocate(1024).value();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([m] {
        for (int i = 0; i < 20000; ++i) {
          memory a = m;
          memory s = a.share(i % 512, 8).value();
          (void)s.map(map_access::read).value();
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(m.use_count(), 1);
    EXPECT_TRUE(m.is_writable());
  }
  const auto after = memory_counters_snapshot();
  EXPECT_EQ(after.live_memories, before.live_memories);
  EXPECT_EQ(after.live_bytes, before.live_bytes);
}

// A tiny hand-off queue: one thread produces buffers from a pool, another
// consumes and drops them, so blocks return on the consumer's thread.
struct handoff {
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<buffer> items;
  bool done = false;
};

TEST(MemoryConcurrency, PoolBlocksComeBackFromAnotherThread) {
  pool_config c;
  c.name = "handoff";
  c.block_size = 4096;
  c.max_blocks = 8;
  auto pool = pool_allocator::create(c).value();
  handoff q;
  std::atomic<long> consumed{0};
  std::thread consumer([&] {
    while (true) {
      std::unique_lock lock(q.mutex);
      q.cv.wait(lock, [&] { return !q.items.empty() || q.done; });
      if (q.items.empty()) return;
      buffer b = std::move(q.items.front());
      q.items.pop_front();
      lock.unlock();
      auto map = b.map(map_access::read).value();
      EXPECT_EQ(map.data()[0], std::byte{0x42});
      ++consumed;
    }
  });
  long produced = 0;
  for (int i = 0; i < 5000; ++i) {
    auto b = buffer::allocate(4096, *pool);
    if (!b) {  // all 8 blocks out: let the consumer catch up
      std::this_thread::yield();
      continue;
    }
    {
      auto w = b->map(map_access::write).value();
      w.data()[0] = std::byte{0x42};
    }
    std::lock_guard lock(q.mutex);
    q.items.push_back(std::move(*b));
    ++produced;
    q.cv.notify_one();
  }
  {
    std::lock_guard lock(q.mutex);
    q.done = true;
  }
  q.cv.notify_one();
  consumer.join();
  EXPECT_EQ(consumed.load(), produced);
  const pool_stats s = pool->stats();
  EXPECT_EQ(s.outstanding, 0u);
  EXPECT_LE(s.total_blocks, 8u);
  EXPECT_EQ(s.hits + s.misses, static_cast<std::uint64_t>(produced));
}

TEST(MemoryConcurrency, PoolDestroyedWhileAnotherThreadHoldsBlocks) {
  const auto before = memory_counters_snapshot();
  std::vector<memory> held;
  {
    pool_config c;
    c.block_size = 256;
    auto pool = pool_allocator::create(c).value();
    for (int i = 0; i < 16; ++i) held.push_back(pool->acquire().value());
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    std::vector<memory> mine(held.begin() + t * 4, held.begin() + t * 4 + 4);
    threads.emplace_back([mine = std::move(mine)]() mutable { mine.clear(); });
  }
  held.clear();
  for (auto& t : threads) t.join();
  EXPECT_EQ(memory_counters_snapshot().live_bytes, before.live_bytes);
}

TEST(MemoryConcurrency, MapOnOneThreadKeepsDataWhileAnotherDropsTheLastHandle) {
  for (int round = 0; round < 200; ++round) {
    memory m = system_allocator().allocate(64).value();
    auto map = m.map(map_access::read).value();
    std::thread dropper([m = std::move(m)]() mutable { m.reset(); });
    EXPECT_EQ(map.size(), 64u);
    dropper.join();
    ASSERT_TRUE(map.unmap());
  }
}

TEST(MemoryConcurrency, ThreadsRacingForTheLastRoomOfTheBudgetNeverPassIt) {
  // Four threads each keep 2 buffers of 64 KiB (8 of a budget of 10), then allocate
  // and free up to 3 more as fast as they can: the live bytes never pass the budget
  // (the check reserves, it does not just read), refusals come (8 + 3 > 10 even for a
  // thread alone), and each names the budget.
  constexpr std::size_t bytes = 64 * 1024;
  const std::uint64_t base = memory_counters_snapshot().live_bytes;
  set_memory_budget(base + 10 * bytes);
  std::atomic<std::uint64_t> refused{0}, granted{0}, over{0};
  std::atomic<bool> bad_message{false}, kept_failed{false};
  std::latch all_kept(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      std::vector<buffer> kept, held;
      for (int i = 0; i < 2; ++i) {
        auto b = buffer::allocate(bytes);
        if (b) kept.push_back(std::move(*b));
        else kept_failed = true;
      }
      all_kept.arrive_and_wait();
      for (int i = 0; i < 2000; ++i) {
        auto b = buffer::allocate(bytes);
        if (b) {
          granted.fetch_add(1, std::memory_order_relaxed);
          held.push_back(std::move(*b));
        } else {
          refused.fetch_add(1, std::memory_order_relaxed);
          if (b.error().message.find("memory budget") == std::string::npos) bad_message = true;
        }
        if (memory_counters_snapshot().live_bytes > base + 10 * bytes) over.fetch_add(1, std::memory_order_relaxed);
        if (held.size() > 3 || (!b && !held.empty())) held.erase(held.begin());
      }
    });
  for (auto& t : threads) t.join();
  set_memory_budget(0);
  EXPECT_FALSE(kept_failed.load()) << "8 buffers of a budget of 10 were refused";
  EXPECT_EQ(over.load(), 0u) << "the live bytes passed the budget";
  EXPECT_GT(granted.load(), 0u);
  EXPECT_GT(refused.load(), 0u) << "11 buffers held of a budget of 10 were never refused";
  EXPECT_FALSE(bad_message.load());
  EXPECT_EQ(memory_counters_snapshot().live_bytes, base);
}

}  // namespace memory_concurrency_test
}  // namespace tessera::core
