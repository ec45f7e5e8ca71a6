// Buffer-alloc through a transform, the design's upstream-negotiation cases (UN):
// proxied in passthrough, not proxied in copy-transform; a downstream caps change
// goes back upstream when upstream can produce it, else the transform converts;
// when upstream never allocates, the transform probes a downstream that may
// change caps and starts converting into its new caps.
#include "core/base/base_transform.hpp"

#include "tests/core/support/test_elements.hpp"
#include "tests/core/support/transform_chain.hpp"

#include <gtest/gtest.h>

namespace tessera::core {
namespace buffer_alloc_test {

using test::caps_of;
using test::transform_chain;

const char* gray(int width) {
  static thread_local std::string s;
  s = "video/x-raw,format=GRAY8,width=" + std::to_string(width) + ",height=2";
  return s.c_str();
}

/// Rows of `in_width` bytes (pattern 0, 1, 2...) stretched to `out_width` by
/// repeating each row: what xform's unit copy makes of a GRAY8 frame of 2 rows.
std::vector<std::uint8_t> scaled_rows(std::size_t in_width, std::size_t out_width) {
  std::vector<std::uint8_t> v;
  for (std::size_t r = 0; r < 2; ++r)
    for (std::size_t j = 0; j < out_width; ++j) v.push_back(static_cast<std::uint8_t>(r * in_width + j % in_width));
  return v;
}

TEST(BufferAlloc, PassthroughProxiesUpstreamAllocationDownstream) {
  transform_chain c("passthrough", "same");
  ASSERT_TRUE(c.send_caps(gray(8)));
  auto a = c.src().alloc_buffer(16, caps_of(gray(8)));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(c.sink().alloc_sizes, std::vector<std::size_t>{16});
  EXPECT_EQ(a->caps.to_string(), gray(8));
  EXPECT_EQ(a->buffer.size(), 16u);
}

TEST(BufferAlloc, SameSizeInPlaceProxiesUpstreamAllocationDownstream) {
  transform_chain c("in-place", "same");
  ASSERT_TRUE(c.send_caps(gray(8)));
  auto a = c.src().alloc_buffer(16, caps_of(gray(8)));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(c.sink().alloc_sizes, std::vector<std::size_t>{16});
}

TEST(BufferAlloc, CopyTransformAnswersItselfWithoutAskingDownstream) {
  transform_chain c("copy", "unit-double");
  ASSERT_TRUE(c.send_caps("application/x-test,unit=2"));
  auto a = c.src().alloc_buffer(10, caps_of("application/x-test,unit=2"));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_TRUE(c.sink().alloc_sizes.empty()) << "copy-transform pad-allocs its own output later";
  EXPECT_EQ(a->buffer.size(), 10u);
  EXPECT_EQ(a->caps.to_string(), "application/x-test,unit=2");
}

TEST(BufferAlloc, DownstreamCapsChangeInPassthroughGoesBackToAnUpstreamThatCanProduceThem) {
  transform_chain c("passthrough", "width-any", caps::new_any(),
                    caps_of("video/x-raw,format=GRAY8,width=[1,64],height=2"));
  ASSERT_TRUE(c.send_caps(gray(8)));
  ASSERT_TRUE(c.x().is_passthrough());
  c.sink().answer_width = 16;  // the sink was resized

  auto a = c.src().alloc_buffer(16, caps_of(gray(8)));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->caps.to_string(), gray(16)) << "upstream should produce the new size itself";
  EXPECT_EQ(a->buffer.size(), 32u);

  // Upstream renegotiates; the transform stays a passthrough.
  ASSERT_TRUE(c.send_caps(gray(16)));
  EXPECT_TRUE(c.x().is_passthrough());
  EXPECT_EQ(c.sink().caps_events.back().to_string(), gray(16));
  buffer frame = std::move(a->buffer);
  const std::byte* data = frame.peek_memory(0).data();
  ASSERT_EQ(c.src().push(std::move(frame)), flow::ok);
  ASSERT_EQ(c.sink().buffers.size(), 1u);
  EXPECT_EQ(c.sink().buffers[0].peek_memory(0).data(), data);
  EXPECT_EQ(c.x().transform_calls.load(), 0u);
}

TEST(BufferAlloc, DownstreamCapsChangeUpstreamCannotProduceMakesTheTransformConvert) {
  transform_chain c("passthrough", "width-any", caps::new_any(), caps_of(gray(8)));
  ASSERT_TRUE(c.send_caps(gray(8)));
  c.sink().answer_width = 16;

  auto a = c.src().alloc_buffer(16, caps_of(gray(8)));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->caps.to_string(), gray(8)) << "upstream keeps its only format";
  EXPECT_EQ(a->buffer.size(), 16u);

  ASSERT_EQ(c.src().push(test::pattern_buffer(16)), flow::ok);
  EXPECT_FALSE(c.x().is_passthrough());
  ASSERT_FALSE(c.sink().caps_events.empty());
  EXPECT_EQ(c.sink().caps_events.back().to_string(), gray(16));
  ASSERT_EQ(c.sink().buffers.size(), 1u);
  EXPECT_EQ(test::bytes_of(c.sink().buffers[0]), scaled_rows(8, 16));
}

TEST(BufferAlloc, WithoutUpstreamAllocationTheTransformProbesDownstreamAndStartsConverting) {
  transform_chain c("passthrough", "width-any");
  c.sink().answer_width = 16;  // a sink that may change caps on allocation
  ASSERT_TRUE(c.send_caps(gray(8)));
  ASSERT_TRUE(c.x().is_passthrough());

  ASSERT_EQ(c.src().push(test::pattern_buffer(16)), flow::ok);

  EXPECT_FALSE(c.x().is_passthrough()) << "the transform must switch to converting into the new caps";
  ASSERT_EQ(c.sink().caps_events.size(), 2u);
  EXPECT_EQ(c.sink().caps_events[0].to_string(), gray(8));
  EXPECT_EQ(c.sink().caps_events[1].to_string(), gray(16));
  ASSERT_EQ(c.sink().buffers.size(), 1u);
  EXPECT_EQ(test::bytes_of(c.sink().buffers[0]), scaled_rows(8, 16));
  EXPECT_EQ(c.x().transform_calls.load(), 1u);

  // Back to the original size: passthrough again.
  c.sink().answer_width = 8;
  ASSERT_EQ(c.src().push(test::pattern_buffer(16)), flow::ok);
  EXPECT_EQ(c.sink().caps_events.back().to_string(), gray(8));
  ASSERT_EQ(c.sink().buffers.size(), 2u);
  EXPECT_EQ(test::bytes_of(c.sink().buffers[1]), scaled_rows(8, 8));
}

TEST(BufferAlloc, NoProbeWhenDownstreamCannotChangeCaps) {
  transform_chain c("passthrough", "width-any");
  ASSERT_TRUE(c.send_caps(gray(8)));
  buffer b = test::pattern_buffer(16);
  const std::byte* data = b.peek_memory(0).data();
  ASSERT_EQ(c.src().push(std::move(b)), flow::ok);
  EXPECT_TRUE(c.sink().alloc_sizes.empty());
  ASSERT_EQ(c.sink().buffers.size(), 1u);
  EXPECT_EQ(c.sink().buffers[0].peek_memory(0).data(), data);
}

TEST(BufferAlloc, NoProbeOnceUpstreamAllocatesItself) {
  transform_chain c("passthrough", "width-any");
  c.sink().resizable = true;
  ASSERT_TRUE(c.send_caps(gray(8)));
  auto a = c.src().alloc_buffer(16, caps_of(gray(8)));
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_EQ(c.sink().alloc_sizes.size(), 1u);
  ASSERT_EQ(c.src().push(std::move(a->buffer)), flow::ok);
  EXPECT_EQ(c.sink().alloc_sizes.size(), 1u) << "upstream's own pad-alloc already asks downstream";
}

}  // namespace buffer_alloc_test
}  // namespace tessera::core
