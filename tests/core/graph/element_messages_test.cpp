// Error and warning messages name their element once: in the message's source. The
// text is the description alone, so launch ("ERROR from element X: ...") and the
// REST/RPC bus, which show the source beside the text, never print the name twice.
#include "core/graph/element_factory.hpp"
#include "core/graph/pipeline.hpp"
#include "core/graph/pipeline_builder.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

namespace tessera::core {
namespace element_messages_test {

using namespace std::chrono_literals;

std::unique_ptr<pipeline> fakes() {
  auto p = build_pipeline("fakesrc ! fakesink", test_runtime().registry(), "messages");
  EXPECT_TRUE(p) << (p ? "" : p.error().message);
  return p ? std::move(p).value() : nullptr;
}

message next(pipeline& p, message_type type) {
  auto m = p.bus().pop_filtered(5s, {type});
  EXPECT_TRUE(m.has_value());
  return m ? std::move(*m) : message(type, "");
}

TEST(ElementMessages, ErrorTextDoesNotRepeatTheSourceName) {
  auto p = fakes();
  ASSERT_TRUE(p);
  p->find("fakesrc0")->post_error(errc::io_error, "fakesrc0: cannot read \"x\"");
  const message m = next(*p, message_type::error);
  EXPECT_EQ(m.source, "fakesrc0");
  EXPECT_EQ(m.get_string("message").value_or(""), "cannot read \"x\"");
}

TEST(ElementMessages, WarningTextDoesNotRepeatTheSourceName) {
  auto p = fakes();
  ASSERT_TRUE(p);
  p->find("fakesink0")->post_warning("fakesink0: fakesink0: dropping 3 bytes");
  const message m = next(*p, message_type::warning);
  EXPECT_EQ(m.source, "fakesink0");
  EXPECT_EQ(m.get_string("message").value_or(""), "dropping 3 bytes");
}

TEST(ElementMessages, TextNamingAnotherElementOrWithoutPrefixIsKept) {
  auto p = fakes();
  ASSERT_TRUE(p);
  auto* src = p->find("fakesrc0");
  src->post_error(errc::not_negotiated, "fakesink0: refused caps");
  EXPECT_EQ(next(*p, message_type::error).get_string("message").value_or(""), "fakesink0: refused caps");
  src->post_error(errc::not_negotiated, "fakesrc0 does not accept caps video/x-raw");
  EXPECT_EQ(next(*p, message_type::error).get_string("message").value_or(""), "fakesrc0 does not accept caps video/x-raw");
  // A longer name that merely starts like ours is another element.
  src->post_warning("fakesrc01: late");
  EXPECT_EQ(next(*p, message_type::warning).get_string("message").value_or(""), "fakesrc01: late");
}

}  // namespace element_messages_test
}  // namespace tessera::core
