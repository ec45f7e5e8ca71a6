// Concurrency tests for the send path (run under ThreadSanitizer in CI): producers on
// their own threads push into send queues and client groups while writers drain them.

#include "net/send_queue.hpp"


#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <condition_variable>
#include <thread>
#include <vector>

namespace tessera::net {
namespace send_queue_concurrency_test {

/// The writer side of a queue on its own thread, waking through the notifier the way
/// a writer coroutine does.
struct writer_thread {
  send_queue& queue;
  std::mutex mutex;
  std::condition_variable cv;
  bool woken = false;
  std::vector<std::vector<std::uint32_t>> seen_by_producer;
  std::uint64_t taken = 0;

  writer_thread(send_queue& q, std::size_t producers) : queue(q), seen_by_producer(producers) {
    queue.set_notifier([this] {
      std::lock_guard lock(mutex);
      woken = true;
      cv.notify_one();
    });
  }

  void run() {
    for (;;) {
      auto t = queue.take();
      if (t.status == send_queue::take_status::finished) return;
      if (t.status == send_queue::take_status::empty) {
        std::unique_lock lock(mutex);
        cv.wait(lock, [this] { return woken; });
        woken = false;
        continue;
      }
      std::uint32_t producer = 0, seq = 0;
      std::memcpy(&producer, t.message.payload.data.get(), 4);
      std::memcpy(&seq, t.message.payload.data.get() + 4, 4);
      seen_by_producer[producer].push_back(seq);
      ++taken;
      queue.note_sent(t.message.payload.size);
    }
  }
};

shared_payload numbered(std::uint32_t producer, std::uint32_t seq) {
  std::string s(8, '\0');
  std::memcpy(s.data(), &producer, 4);
  std::memcpy(s.data() + 4, &seq, 4);
  return shared_payload::from_string(std::move(s));
}

TEST(SendQueueConcurrency, ProducersNeverBlockAndEveryMessageIsSentOrCountedDropped) {
  constexpr std::uint32_t producers = 4;
  constexpr std::uint32_t per_producer = 20000;
  auto counters = std::make_shared<server_counters>();
  send_queue queue(16, counters);
  writer_thread writer(queue, producers + 1);  // + the sentinel below
  std::thread consumer([&] { writer.run(); });
  std::vector<std::thread> threads;
  for (std::uint32_t p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      for (std::uint32_t i = 0; i < per_producer; ++i) queue.try_push({numbered(p, i)});
    });
  }
  for (auto& t : threads) t.join();
  // Pushed after every producer finished: the newest message of all, never dropped.
  constexpr std::uint32_t sentinel_producer = producers;
  queue.try_push({numbered(sentinel_producer, 7)});
  queue.close(false);
  consumer.join();

  const std::uint64_t total = std::uint64_t{producers} * per_producer + 1;
  EXPECT_EQ(queue.queued_total(), total);
  EXPECT_EQ(writer.taken + queue.dropped_total(), total);
  EXPECT_EQ(counters->messages_sent.load() + counters->messages_dropped.load(), total);
  for (std::uint32_t p = 0; p < producers; ++p) {
    const auto& seen = writer.seen_by_producer[p];
    EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end())) << "FIFO per producer";
  }
  EXPECT_EQ(writer.seen_by_producer[sentinel_producer], std::vector<std::uint32_t>{7})
      << "the newest message is never the one dropped";
  EXPECT_GT(queue.dropped_total(), 0u) << "a 16-message queue overflowed under 4 producers";
}

}  // namespace send_queue_concurrency_test
}  // namespace tessera::net
