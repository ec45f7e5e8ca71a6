// audiotestsrc buffers are bounded by the pipeline's max_buffer_bytes: a
// samplesperbuffer that would make larger buffers fails negotiation with an error
// naming the element and the limit, before anything that size is allocated.
#include "core/graph/element_factory.hpp"
#include "core/graph/pipeline.hpp"
#include "core/graph/pipeline_builder.hpp"
#include "core/memory/counters.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace tessera::core {
namespace audio_buffer_limit_test {

using namespace std::chrono_literals;

std::unique_ptr<pipeline> build(const std::string& desc, pipeline_limits limits = {}) {
  auto p = build_pipeline(desc, test_runtime().registry(), "audio_limit", std::move(limits));
  EXPECT_TRUE(p) << (p ? "" : p.error().message);
  return p ? std::move(p).value() : nullptr;
}

// "element: message" of the error posted going to PAUSED, or "" when it prerolls.
std::string preroll_error(pipeline& p) {
  p.set_state(state::paused);
  auto m = p.bus().pop_filtered(10s, {message_type::error, message_type::async_done});
  std::string error;
  if (m && m->type == message_type::error) error = m->source + ": " + m->get_string("message").value_or("(no message)");
  p.set_state(state::null_state);
  return error;
}

TEST(AudioBufferLimit, DefaultLimitRefusesAGibibyteOfSamplesPerBuffer) {
  EXPECT_EQ(pipeline_limits{}.max_buffer_bytes, 64u << 20);
  auto p = build("audiotestsrc name=big samplesperbuffer=134217728 ! fakesink");
  ASSERT_TRUE(p);
  const std::uint64_t allocated_before = memory_counters_snapshot().allocated_bytes;
  const std::string error = preroll_error(*p);
  EXPECT_NE(error.find("big: samplesperbuffer=134217728"), std::string::npos) << error;
  EXPECT_NE(error.find("268435456-byte buffers exceed the limit of 67108864 bytes per buffer"), std::string::npos)
      << error;
  EXPECT_LT(memory_counters_snapshot().allocated_bytes - allocated_before, std::uint64_t{64} << 20)
      << "nothing that size was allocated";
}

TEST(AudioBufferLimit, TheLimitCountsEveryChannelAndComesFromThePipeline) {
  pipeline_limits limits;
  limits.max_buffer_bytes = 4096;
  // 1024 S16LE frames: 2048 bytes mono, 4096 stereo (at the limit), 8192 with 4 channels.
  auto mono = build("audiotestsrc samplesperbuffer=1024 num-buffers=1 ! audio/x-raw,channels=2 ! fakesink", limits);
  ASSERT_TRUE(mono);
  EXPECT_EQ(preroll_error(*mono), "");
  auto quad = build("audiotestsrc name=a samplesperbuffer=1024 ! audio/x-raw,channels=4 ! fakesink", limits);
  ASSERT_TRUE(quad);
  const std::string error = preroll_error(*quad);
  EXPECT_NE(error.find("a: samplesperbuffer=1024 of 8-byte frames: 8192-byte buffers exceed the limit of 4096"),
            std::string::npos)
      << error;
}

}  // namespace audio_buffer_limit_test
}  // namespace tessera::core
