#include "net/client_group.hpp"

#include <gtest/gtest.h>

namespace tessera::net {
namespace {

/// An outbound_client with no connection behind it: tests look at its queue.
class fake_client final : public outbound_client {
 public:
  explicit fake_client(std::size_t capacity = 4)
      : outbound_client(std::make_shared<send_queue>(capacity), {}) {}
  send_queue& q() { return *queue_; }
};

TEST(ClientGroup, SendQueuesOneSharedPayloadOnEveryClient) {
  client_group group;
  auto a = std::make_shared<fake_client>();
  auto b = std::make_shared<fake_client>();
  ASSERT_TRUE(group.add(a));
  ASSERT_TRUE(group.add(b));
  auto frame = shared_payload::from_string(std::string(100000, 'j'));
  const auto r = group.send(frame);
  EXPECT_EQ(r.queued, 2u);
  EXPECT_EQ(r.dropped_oldest, 0u);
  EXPECT_EQ(frame.data.use_count(), 3) << "one buffer, referenced by both queues";
  EXPECT_EQ(a->q().take().message.payload.data.get(), frame.data.get());
  EXPECT_EQ(b->q().take().message.payload.data.get(), frame.data.get());
}

TEST(ClientGroup, ClosedAndDestroyedClientsLeaveTheGroup) {
  client_group group;
  auto open = std::make_shared<fake_client>();
  auto closing = std::make_shared<fake_client>();
  auto leaving = std::make_shared<fake_client>();
  ASSERT_TRUE(group.add(open));
  ASSERT_TRUE(group.add(closing));
  ASSERT_TRUE(group.add(leaving));
  closing->close();
  leaving.reset();
  const auto r = group.send(shared_payload::copy_of(std::string_view("x")));
  EXPECT_EQ(r.queued, 1u);
  EXPECT_EQ(r.removed, 2u);
  EXPECT_EQ(group.size(), 1u);
  EXPECT_FALSE(group.add(closing)) << "a closed client is refused";
}

TEST(ClientGroup, FullGroupRefusesMoreClients) {
  client_group group(2);
  auto a = std::make_shared<fake_client>();
  auto b = std::make_shared<fake_client>();
  auto c = std::make_shared<fake_client>();
  ASSERT_TRUE(group.add(a));
  ASSERT_TRUE(group.add(b));
  auto r = group.add(c);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error() == errc::limit_exceeded);
  group.remove(a.get());
  EXPECT_TRUE(group.add(c));
}

TEST(ClientGroup, SlowClientDropsWithoutAffectingOthers) {
  client_group group;
  auto slow = std::make_shared<fake_client>(2);
  auto fast = std::make_shared<fake_client>(2);
  ASSERT_TRUE(group.add(slow));
  ASSERT_TRUE(group.add(fast));
  std::size_t drops = 0;
  for (int i = 0; i < 5; ++i) {
    drops += group.send(shared_payload::copy_of(std::to_string(i))).dropped_oldest;
    EXPECT_EQ(fast->q().take().message.payload.text(), std::to_string(i));
  }
  EXPECT_EQ(drops, 3u);
  EXPECT_EQ(slow->q().dropped_total(), 3u);
  EXPECT_EQ(fast->q().dropped_total(), 0u);
  EXPECT_EQ(slow->q().take().message.payload.text(), "3");
  EXPECT_EQ(slow->q().take().message.payload.text(), "4");
}

TEST(ClientGroup, CloseAllClosesEveryClient) {
  client_group group;
  auto a = std::make_shared<fake_client>();
  ASSERT_TRUE(group.add(a));
  group.close_all();
  EXPECT_FALSE(a->is_open());
  EXPECT_EQ(group.size(), 0u);
}

}  // namespace
}  // namespace tessera::net
