#include "net/host_origin.hpp"

#include <gtest/gtest.h>

namespace tessera::net {
namespace host_origin_test {

TEST(HostOrigin, HostIsLowerCasedWithOptionalPort) {
  EXPECT_EQ(parse_host("LocalHost:8080").value(), (host_port{"localhost", 8080}));
  EXPECT_EQ(parse_host("example.com").value(), (host_port{"example.com", std::nullopt}));
  EXPECT_EQ(parse_host("127.0.0.1:80").value(), (host_port{"127.0.0.1", 80}));
  EXPECT_EQ(parse_host("[::1]:8080").value(), (host_port{"::1", 8080}));
  EXPECT_EQ(parse_host("[FE80::1]").value(), (host_port{"fe80::1", std::nullopt}));
}

TEST(HostOrigin, MalformedHostsAreRejected) {
  for (const char* bad : {"", ":80", "host:", "host:0", "host:65536", "host:8x", "[::1",
                          "[::1]x", "[nonsense]", "ho st", "evil.com/path", "a@b"}) {
    EXPECT_FALSE(parse_host(bad)) << bad;
  }
}

TEST(HostOrigin, OriginHasSchemeHostAndEffectivePort) {
  auto o = parse_origin("HTTP://LocalHost:8080");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->scheme, "http");
  EXPECT_EQ(o->authority, (host_port{"localhost", 8080}));
  EXPECT_EQ(o->effective_port(), 8080);
  EXPECT_EQ(parse_origin("https://example.com")->effective_port(), 443);
  EXPECT_EQ(parse_origin("http://example.com")->effective_port(), 80);
  EXPECT_EQ(parse_origin("wss://[::1]")->authority.host, "::1");
}

TEST(HostOrigin, OpaqueOrMalformedOriginsAreRejected) {
  auto null_origin = parse_origin("null");
  ASSERT_FALSE(null_origin);
  EXPECT_NE(null_origin.error().message.find("null"), std::string::npos);
  for (const char* bad : {"", "example.com", "://x", "http://", "http://a/b", "http://a?b",
                          "http://user@a", "ht tp://a"}) {
    EXPECT_FALSE(parse_origin(bad)) << bad;
  }
}

TEST(HostOrigin, LoopbackNamesAndAddressesAreRecognised) {
  for (const char* h : {"localhost", "LOCALHOST", "app.localhost", "127.0.0.1", "127.8.9.10",
                        "::1", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(is_loopback_host(h)) << h;
  }
  for (const char* h : {"example.com", "localhost.evil.com", "10.0.0.1", "::", "0.0.0.0",
                        "::ffff:10.0.0.1", "notlocalhost"}) {
    EXPECT_FALSE(is_loopback_host(h)) << h;
  }
  EXPECT_TRUE(is_ip_literal("192.168.1.1"));
  EXPECT_TRUE(is_ip_literal("fe80::1"));
  EXPECT_FALSE(is_ip_literal("example.com"));
}

}  // namespace host_origin_test
}  // namespace tessera::net
