#include "net/send_queue.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tessera::net {
namespace send_queue_test {

outbound_message text(std::string s) {
  return {shared_payload::from_string(std::move(s)), message_kind::text};
}

std::vector<std::string> drain(send_queue& q) {
  std::vector<std::string> out;
  for (;;) {
    auto t = q.take();
    if (t.status != send_queue::take_status::message) break;
    out.emplace_back(t.message.payload.text());
  }
  return out;
}

TEST(SendQueue, FullQueueDropsTheOldestMessageAndCountsIt) {
  send_queue q(3);
  EXPECT_EQ(q.try_push(text("1")), send_result::queued);
  EXPECT_EQ(q.try_push(text("2")), send_result::queued);
  EXPECT_EQ(q.try_push(text("3")), send_result::queued);
  EXPECT_EQ(q.try_push(text("4")), send_result::queued_dropped_oldest);
  EXPECT_EQ(q.try_push(text("5")), send_result::queued_dropped_oldest);
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(q.dropped_total(), 2u);
  EXPECT_EQ(q.queued_total(), 5u);
  EXPECT_EQ(drain(q), (std::vector<std::string>{"3", "4", "5"}));
}

TEST(SendQueue, CountsAlsoGoToTheServerCounters) {
  auto counters = std::make_shared<server_counters>();
  send_queue q(1, counters);
  q.try_push(text("a"));
  q.try_push(text("b"));
  q.try_push(text("c"));
  auto t = q.take();
  q.note_sent(t.message.payload.size);
  EXPECT_EQ(counters->messages_queued.load(), 3u);
  EXPECT_EQ(counters->messages_dropped.load(), 2u);
  EXPECT_EQ(counters->messages_sent.load(), 1u);
  EXPECT_EQ(counters->bytes_sent.load(), 1u);
  EXPECT_EQ(q.sent_total(), 1u);
}

TEST(SendQueue, ZeroCapacityMeansOne) {
  send_queue q(0);
  EXPECT_EQ(q.capacity(), 1u);
  q.try_push(text("a"));
  EXPECT_EQ(q.try_push(text("b")), send_result::queued_dropped_oldest);
  EXPECT_EQ(drain(q), (std::vector<std::string>{"b"}));
}

TEST(SendQueue, NotifierIsCalledOnceAfterTakeFoundTheQueueEmpty) {
  send_queue q(4);
  int calls = 0;
  q.set_notifier([&] { ++calls; });
  q.try_push(text("early"));
  EXPECT_EQ(calls, 0) << "nobody waits yet";
  EXPECT_EQ(q.take().status, send_queue::take_status::message);
  EXPECT_EQ(q.take().status, send_queue::take_status::empty);
  q.try_push(text("x"));
  q.try_push(text("y"));
  EXPECT_EQ(calls, 1) << "one wake-up per wait";
  EXPECT_EQ(drain(q), (std::vector<std::string>{"x", "y"}));
  q.close(false);
  EXPECT_EQ(calls, 2) << "close wakes a waiting writer";
}

TEST(SendQueue, CloseDrainsByDefaultAndDiscardsOnRequest) {
  send_queue draining(4);
  draining.try_push(text("a"));
  draining.try_push(text("b"));
  draining.close(false);
  EXPECT_EQ(draining.try_push(text("c")), send_result::closed);
  EXPECT_EQ(drain(draining), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(draining.take().status, send_queue::take_status::finished);

  send_queue discarding(4);
  discarding.try_push(text("a"));
  discarding.try_push(text("b"));
  discarding.close(true);
  EXPECT_EQ(discarding.take().status, send_queue::take_status::finished);
  EXPECT_EQ(discarding.dropped_total(), 2u);
  EXPECT_TRUE(discarding.is_closed());
}

TEST(SendQueue, PayloadIsSharedNotCopied) {
  send_queue a(2), b(2);
  auto p = shared_payload::from_string(std::string(1000, 'f'));
  a.try_push({p, message_kind::binary});
  b.try_push({p, message_kind::binary});
  EXPECT_EQ(p.data.use_count(), 3);
  auto ta = a.take();
  EXPECT_EQ(ta.message.payload.data.get(), p.data.get());
  a.close(true);
  b.close(true);
  ta = {};
  EXPECT_EQ(p.data.use_count(), 1) << "dropped and taken messages release the payload";
}

}  // namespace send_queue_test
}  // namespace tessera::net
