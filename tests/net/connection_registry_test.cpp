// The registry's bounds: in all and per client address (a slot freed by remove()).

#include "net/connection_registry.hpp"

#include <gtest/gtest.h>

namespace tessera::net::detail {
namespace connection_registry_test {

const auto a = boost::asio::ip::make_address("127.0.0.1");
const auto b = boost::asio::ip::make_address("127.0.0.2");

TEST(ConnectionRegistry, OneAddressCannotTakeEverySlot) {
  connection_registry reg(4, 2);
  auto a1 = reg.add({}, a);
  auto a2 = reg.add({}, a);
  ASSERT_TRUE(a1 && a2);
  EXPECT_EQ(reg.check(a), refusal::address_full);
  EXPECT_FALSE(reg.add({}, a));
  EXPECT_EQ(reg.check(b), std::nullopt);
  ASSERT_TRUE(reg.add({}, b));
  ASSERT_TRUE(reg.add({}, b));
  EXPECT_EQ(reg.check(boost::asio::ip::make_address("::1")), refusal::server_full);
  reg.remove(*a1);
  EXPECT_EQ(reg.count_from(a), 1u);
  EXPECT_EQ(reg.check(a), std::nullopt);
  ASSERT_TRUE(reg.add({}, a));
  reg.close();
  EXPECT_EQ(reg.check(b), refusal::closed);
}

}  // namespace connection_registry_test
}  // namespace tessera::net::detail
