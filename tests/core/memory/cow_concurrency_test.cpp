#include "core/memory/cow.hpp"

#include "core/memory/counters.hpp"

#include "tests/core/memory/cow_test_managers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

// Copy-on-write storage shared across threads: each thread owns its pointers, the
// storage is what they share. Runs under ThreadSanitizer in CI, so every unordered
// access to bytes or counts shows up as a report; the checks below catch wrong content
// and wrong counts.

namespace tessera::core {
namespace cow_concurrency_test {

constexpr std::size_t bytes_per_storage = 4096;

std::vector<std::byte> pattern(unsigned seed) {
  std::vector<std::byte> v(bytes_per_storage);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::byte((i * 13 + seed * 101 + 5) & 0xff);
  return v;
}

bool holds(std::span<const std::byte> bytes, const std::vector<std::byte>& expected) {
  return bytes.size() == expected.size() &&
         std::memcmp(bytes.data(), expected.data(), expected.size()) == 0;
}

bool all_equal(std::span<const std::byte> bytes, std::byte value) {
  return std::all_of(bytes.begin(), bytes.end(), [value](std::byte b) { return b == value; });
}

void make(cow_ptr& p, const std::vector<std::byte>& content,
          cow_block_manager& manager = system_block_manager()) {
  ASSERT_TRUE(p.init());
  ASSERT_TRUE(p.alloc(content.size(), cow_default_alignment, manager));
  auto w = p.write();
  ASSERT_TRUE(w);
  std::copy(content.begin(), content.end(), w->begin());
  ASSERT_TRUE(p.release(cow_access::write));
}

TEST(CowConcurrency, ThreadsJoiningOneStorageReadItAndDetachToWrite) {
  constexpr int threads = 4;
  constexpr int iterations = 300;
  const std::size_t live = cow_storage::live_count();
  const auto content = pattern(1);
  cow_ptr root;  // only joined (const) while the workers run
  make(root, content);

  const memory_counters counters_before = memory_counters_snapshot();
  std::atomic<int> failures{0};
  std::atomic<int> copies_seen{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      const auto mark = std::byte(0x40 + t);
      for (int i = 0; i < iterations; ++i) {
        cow_ptr p;
        if (!p.init() || !p.join(root) || p.state() != cow_state::shared) { ++failures; return; }
        auto old = p.read();  // a read use on the root's storage
        if (!old || !holds(*old, content)) { ++failures; return; }
        switch (i % 3) {
          case 0: {  // readonly SHARED write: copy, detach, pin the root's storage
            auto w = p.write();
            if (!w || w->data() == old->data() || !holds(*w, content)) { ++failures; return; }
            std::fill(w->begin(), w->end(), mark);
            if (!holds(*old, content)) { ++failures; return; }  // the old span is unchanged
            ++copies_seen;
            if (!p.release(cow_access::write) || !p.release(cow_access::read)) { ++failures; return; }
            if (p.state() != cow_state::sharable) { ++failures; return; }
            break;
          }
          case 1: {  // release, then split: a SHARABLE copy of our own
            if (!p.release(cow_access::read) || !p.split()) { ++failures; return; }
            if (p.state() != cow_state::sharable || p.shares_storage_with(root)) { ++failures; return; }
            ++copies_seen;
            auto w = p.write_guard();
            if (!w || !holds(w->bytes(), content)) { ++failures; return; }
            std::fill(w->bytes().begin(), w->bytes().end(), mark);
            break;
          }
          default: {  // read a while, then just let go
            if (!p.release(cow_access::read)) { ++failures; return; }
            auto g = p.read_guard();
            if (!g || !holds(g->bytes(), content)) { ++failures; return; }
            break;
          }
        }
        if (p.storage() != nullptr && !p.shares_storage_with(root)) {
          auto g = p.read_guard();
          if (!g || !all_equal(g->bytes(), mark)) { ++failures; return; }
        }
        // Leaves through uninit (destructor) or unalloc, both must be safe.
        if (i % 2 == 0 && p.state() == cow_state::sharable && !p.unalloc()) { ++failures; return; }
      }
    });
  }
  for (auto& w : workers) w.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(copies_seen.load(), threads * ((iterations + 2) / 3 + (iterations + 1) / 3));
  const memory_counters counters_after = memory_counters_snapshot();
  EXPECT_EQ(counters_after.copies - counters_before.copies,
            static_cast<std::uint64_t>(copies_seen.load()))
      << "joins onto SHARED storage must not copy; each write/split detach copies once";
  EXPECT_EQ(counters_after.copied_bytes - counters_before.copied_bytes,
            static_cast<std::uint64_t>(copies_seen.load()) * bytes_per_storage);
  EXPECT_EQ(root.state(), cow_state::sharable);
  EXPECT_EQ(root.storage()->sp_count(), 1u);
  EXPECT_EQ(root.storage()->pin_count(), 0u);
  EXPECT_EQ(root.storage()->use_count(), 0u);
  EXPECT_EQ(cow_storage::live_count(), live + 1) << "storages leaked";
  auto g = root.read_guard();
  ASSERT_TRUE(g);
  EXPECT_TRUE(holds(g->bytes(), content)) << "a worker wrote into the shared storage";
}

TEST(CowConcurrency, TwoPointersOnOneStorageWriteAtTheSameTime) {
  constexpr int rounds = 200;
  const std::size_t live = cow_storage::live_count();
  cow_ptr a, b;
  std::barrier sync(3);
  std::atomic<int> failures{0};
  std::atomic<int> round_seed{0};

  auto worker = [&](cow_ptr& mine, std::byte mark) {
    for (int r = 0; r < rounds; ++r) {
      sync.arrive_and_wait();  // main built the pair
      const auto content = pattern(static_cast<unsigned>(round_seed.load()));
      {
        auto g = mine.read_guard();
        if (!g || !holds(g->bytes(), content)) ++failures;
      }
      auto w = mine.write();  // copies, or writes in place once the other left
      if (!w || !holds(*w, content)) {
        ++failures;
      } else {
        std::fill(w->begin(), w->end(), mark);
        if (!all_equal(*w, mark)) ++failures;
        if (!mine.release(cow_access::write)) ++failures;
      }
      sync.arrive_and_wait();  // main checks
    }
  };
  std::thread ta(worker, std::ref(a), std::byte{0xAA});
  std::thread tb(worker, std::ref(b), std::byte{0xBB});

  for (int r = 0; r < rounds; ++r) {
    round_seed = r;
    make(a, pattern(static_cast<unsigned>(r)));
    ASSERT_TRUE(b.init());
    ASSERT_TRUE(b.join(a));
    sync.arrive_and_wait();
    sync.arrive_and_wait();
    EXPECT_FALSE(a.shares_storage_with(b));
    EXPECT_EQ(a.state(), cow_state::sharable);
    EXPECT_EQ(b.state(), cow_state::sharable);
    EXPECT_EQ(cow_storage::live_count(), live + 2) << "round " << r;
    auto ga = a.read_guard();
    auto gb = b.read_guard();
    ASSERT_TRUE(ga && gb);
    EXPECT_TRUE(all_equal(ga->bytes(), std::byte{0xAA}));
    EXPECT_TRUE(all_equal(gb->bytes(), std::byte{0xBB}));
    ga->release();
    gb->release();
    a.uninit();
    b.uninit();
  }
  ta.join();
  tb.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(cow_storage::live_count(), live);
}

TEST(CowConcurrency, EvictionRacesWithReadersAndWritersWithoutLosingBytes) {
  constexpr int readers = 3;
  constexpr int iterations = 2000;
  testing_support::swapping_block_manager manager;
  const auto content = pattern(3);
  {
    cow_ptr root;
    make(root, content, manager);
    cow_storage* shared_storage = root.storage();
    std::vector<std::unique_ptr<cow_ptr>> joined;
    for (int t = 0; t < readers; ++t) {
      joined.push_back(std::make_unique<cow_ptr>());
      ASSERT_TRUE(joined.back()->init());
      ASSERT_TRUE(joined.back()->join(root));
    }
    std::atomic<bool> done{false};
    std::atomic<int> failures{0};
    std::atomic<int> evictions{0};

    std::thread evictor([&] {
      while (!done.load()) {
        if (shared_storage->evict()) ++evictions;
        std::this_thread::yield();
      }
    });
    std::vector<std::thread> workers;
    for (int t = 0; t < readers; ++t) {
      workers.emplace_back([&, t] {
        cow_ptr& p = *joined[t];
        for (int i = 0; i < iterations; ++i) {
          auto g = p.read_guard();
          if (!g || !holds(g->bytes(), content)) { ++failures; return; }
        }
        // A copy out of storage that may be swapped out at this moment.
        cow_ptr own;
        if (!own.init() || !own.join(p) || !own.split()) { ++failures; return; }
        auto g = own.read_guard();
        if (!g || !holds(g->bytes(), content)) ++failures;
      });
    }
    for (auto& w : workers) w.join();
    done = true;
    evictor.join();

    EXPECT_EQ(failures.load(), 0);
    RecordProperty("evictions_during_race", evictions.load());
    EXPECT_EQ(shared_storage->use_count(), 0u);
    ASSERT_TRUE(shared_storage->evict()) << "idle storage must be evictable";
    EXPECT_GE(manager.swap_outs(), 1u);
    EXPECT_EQ(manager.swap_ins() + 1, manager.swap_outs()) << "each swap-out but the last came back";
    auto g = root.read_guard();
    ASSERT_TRUE(g);
    EXPECT_TRUE(holds(g->bytes(), content));
  }
  EXPECT_EQ(manager.live_blocks(), 0u);
  EXPECT_EQ(manager.swapped_storages(), 0u);
}

}  // namespace cow_concurrency_test
}  // namespace tessera::core
