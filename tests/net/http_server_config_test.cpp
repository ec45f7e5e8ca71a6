#include "net/http_server_config.hpp"

#include <gtest/gtest.h>

namespace tessera::net {
namespace http_server_config_test {

TEST(ServerConfig, DefaultsAreTheProductLimitsAndValid) {
  http_server_config c;
  EXPECT_TRUE(c.validate());
  EXPECT_EQ(c.bind_address, "127.0.0.1");
  EXPECT_EQ(c.max_body_bytes, 1024u * 1024u);
  EXPECT_EQ(c.max_websocket_message_bytes, 1024u * 1024u);
  EXPECT_EQ(c.header_timeout, std::chrono::seconds(15));
}

TEST(ServerConfig, ValidationNamesTheBadField) {
  http_server_config c;
  c.bind_address = "localhost";  // a name, not an address
  auto r = c.validate();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("bind_address"), std::string::npos) << r.error().message;

  c = {};
  c.max_pipelined_requests = 0;
  r = c.validate();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("max_pipelined_requests"), std::string::npos);

  c = {};
  c.header_timeout = std::chrono::milliseconds(0);
  r = c.validate();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("header_timeout"), std::string::npos);
  EXPECT_TRUE(r.error() == errc::invalid_argument);

  c = {};
  c.bind_address = "::1";
  EXPECT_TRUE(c.validate());
}

}  // namespace http_server_config_test
}  // namespace tessera::net
