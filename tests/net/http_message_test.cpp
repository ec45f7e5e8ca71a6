#include "net/http_message.hpp"

#include <gtest/gtest.h>

namespace tessera::net {
namespace {

TEST(HttpMessage, HeaderNamesCompareCaseInsensitively) {
  header_map h;
  h.add("Content-Type", "text/plain");
  h.add("X-Multi", "1");
  h.add("x-multi", "2");
  EXPECT_EQ(h.get("content-type"), "text/plain");
  EXPECT_EQ(h.get("X-MULTI"), "1") << "first of repeated fields";
  h.set("X-Multi", "3");
  EXPECT_EQ(h.size(), 2u);
  EXPECT_EQ(h.get("x-multi"), "3");
  h.erase("CONTENT-TYPE");
  EXPECT_FALSE(h.contains("Content-Type"));
}

TEST(HttpMessage, ErrorResponseHasTheSpecJsonShape) {
  auto r = response::error(status::not_found, "no \"pipeline\" p0\n");
  EXPECT_EQ(r.code, status::not_found);
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(r.body, R"({"error":{"code":404,"message":"no \"pipeline\" p0\n"}})");
}

TEST(HttpMessage, JsonQuoteEscapesControlCharacters) {
  EXPECT_EQ(json_quote(std::string("a\\b\x01", 4)), R"("a\\b\u0001")");
}

}  // namespace
}  // namespace tessera::net
