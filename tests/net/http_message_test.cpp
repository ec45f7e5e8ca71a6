#include "net/http_message.hpp"

#include <gtest/gtest.h>

namespace tessera::net {
namespace http_message_test {

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

// Found by rest_fuzz: a path with %FF made a 404 body that was not JSON (RFC 8259: JSON
// text is UTF-8), since the message echoes the decoded path.
TEST(HttpMessage, JsonQuoteKeepsUtf8AndReplacesBytesThatAreNot) {
  EXPECT_EQ(json_quote("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xa5"), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xa5\"");
  EXPECT_EQ(json_quote("a\xff"), R"("a\ufffd")");
  EXPECT_EQ(json_quote("\xc3\x28"), R"("\ufffd(")");           // a lead byte without its continuation
  EXPECT_EQ(json_quote("\xc0\xaf"), R"("\ufffd\ufffd")");      // overlong '/'
  EXPECT_EQ(json_quote("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");  // a surrogate
  EXPECT_EQ(json_quote("\xf4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // past U+10FFFF
  EXPECT_EQ(json_quote("\xe2\x82"), R"("\ufffd\ufffd")");      // cut short at the end
  auto r = response::error(status::not_found, "no resource at /\xff");
  EXPECT_EQ(r.body, R"({"error":{"code":404,"message":"no resource at /\ufffd"}})");
}

}  // namespace http_message_test
}  // namespace tessera::net
