#include "net/ticket_store.hpp"

#include <gtest/gtest.h>

#include <set>

namespace tessera::net {
namespace ticket_store_test {

using namespace std::chrono_literals;
const ticket_store::clock::time_point t0{};

TEST(TicketStore, TicketIsAcceptedOnceOnly) {
  ticket_store store(30s, 8);
  const auto ticket = store.issue(t0);
  EXPECT_EQ(ticket.size(), 32u);  // 128 bits in hex
  EXPECT_EQ(store.outstanding(), 1u);
  EXPECT_TRUE(store.redeem(ticket, t0 + 1s));
  EXPECT_FALSE(store.redeem(ticket, t0 + 2s));
  EXPECT_EQ(store.outstanding(), 0u);
}

TEST(TicketStore, UnknownAndNearlyEqualTicketsAreRefused) {
  ticket_store store(30s, 8);
  auto ticket = store.issue(t0);
  EXPECT_FALSE(store.redeem("", t0));
  EXPECT_FALSE(store.redeem(ticket.substr(0, 31), t0));
  auto changed = ticket;
  changed.back() = changed.back() == '0' ? '1' : '0';
  EXPECT_FALSE(store.redeem(changed, t0));
  EXPECT_FALSE(store.redeem(ticket + "0", t0));
  EXPECT_TRUE(store.redeem(ticket, t0));  // the misses did not use it up
}

TEST(TicketStore, TicketExpiresAfterItsLifetime) {
  ticket_store store(30s, 8);
  auto fresh = store.issue(t0);
  auto stale = store.issue(t0);
  EXPECT_TRUE(store.redeem(fresh, t0 + 29s));
  EXPECT_FALSE(store.redeem(stale, t0 + 30s));
  EXPECT_EQ(store.outstanding(), 0u);  // the expired one was swept
}

TEST(TicketStore, OutstandingTicketsAreBoundedDroppingTheOldest) {
  ticket_store store(30s, 3);
  std::vector<std::string> tickets;
  for (int i = 0; i < 5; ++i) tickets.push_back(store.issue(t0 + std::chrono::seconds(i)));
  EXPECT_EQ(store.outstanding(), 3u);
  EXPECT_FALSE(store.redeem(tickets[0], t0 + 5s));
  EXPECT_FALSE(store.redeem(tickets[1], t0 + 5s));
  EXPECT_TRUE(store.redeem(tickets[2], t0 + 5s));
  EXPECT_TRUE(store.redeem(tickets[4], t0 + 5s));
  EXPECT_TRUE(store.redeem(tickets[3], t0 + 5s));
}

TEST(TicketStore, ExpiredTicketsMakeRoomBeforeLiveOnesAreDropped) {
  ticket_store store(10s, 2);
  auto old_ticket = store.issue(t0);
  auto live = store.issue(t0 + 5s);
  auto newest = store.issue(t0 + 11s);  // old_ticket expired: it goes, live stays
  EXPECT_FALSE(store.redeem(old_ticket, t0 + 11s));
  EXPECT_TRUE(store.redeem(live, t0 + 11s));
  EXPECT_TRUE(store.redeem(newest, t0 + 11s));
}

TEST(TicketStore, TicketsAreDistinct) {
  ticket_store store(30s, 1000);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(store.issue(t0));
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace ticket_store_test
}  // namespace tessera::net
