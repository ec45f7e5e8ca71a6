// base_transform's modes and negotiation (design/gst-transform-elements.txt),
// driven by direct pad calls: passthrough, in-place on writable and shared input,
// copy-transform sized by transform_size/get_unit_size with its cache,
// find_transform's preference for passthrough, renegotiation, timestamps.
#include "core/base/base_transform.hpp"

#include "tests/core/support/test_elements.hpp"
#include "tests/core/support/transform_chain.hpp"

#include <gtest/gtest.h>

namespace tessera::core {
namespace base_transform_test {

using test::caps_of;
using test::counters_since;
using test::probe_sink;
using test::harness_src;
using test::transform_chain;
using test::xform;

std::vector<std::uint8_t> inverted_pattern(std::size_t n, unsigned first = 0) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(~((first + i) & 0xff));
  return v;
}

std::vector<std::uint8_t> pattern(std::size_t n, unsigned first = 0) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>((first + i) & 0xff);
  return v;
}

TEST(BaseTransform, PassthroughPushesTheSameMemoryWithoutACopy) {
  transform_chain c("passthrough", "same");
  ASSERT_TRUE(c.send_caps("application/x-test,unit=2"));
  ASSERT_TRUE(c.x().is_passthrough());
  buffer b = test::pattern_buffer(64);
  const std::byte* data = b.peek_memory(0).data();

  const memory_counters before = memory_counters_snapshot();
  ASSERT_EQ(c.src().push(std::move(b)), flow::ok);
  const auto d = counters_since(before);

  ASSERT_EQ(c.sink().buffers.size(), 1u);
  EXPECT_EQ(c.sink().buffers[0].peek_memory(0).data(), data);
  EXPECT_EQ(d.copies, 0u);
  EXPECT_EQ(d.allocations, 0u);
  EXPECT_TRUE(c.sink().alloc_sizes.empty());
  EXPECT_EQ(c.x().transform_calls.load() + c.x().transform_ip_calls.load(), 0u);
  EXPECT_EQ(test::bytes_of(c.sink().buffers[0]), pattern(64));
}

TEST(BaseTransform, InPlaceOnWritableInputModifiesItWithoutAllocationOrCopy) {
  transform_chain c("in-place", "same");
  ASSERT_TRUE(c.send_caps("application/x-test,unit=2"));
  ASSERT_FALSE(c.x().is_passthrough());
  buffer b = test::pattern_buffer(64);
  const std::byte* data = b.peek_memory(0).data();

  const memory_counters before = memory_counters_snapshot();
  ASSERT_EQ(c.src().push(std::move(b)), flow::ok);
  const auto d = counters_since(before);

  ASSERT_EQ(c.sink().buffers.size(), 1u);
  EXPECT_EQ(c.sink().buffers[0].peek_memory(0).data(), data) << "in-place must reuse the input";
  EXPECT_EQ(d.copies, 0u);
  EXPECT_EQ(d.allocations, 0u);
  EXPECT_TRUE(c.sink().alloc_sizes.empty()) << "no pad-alloc for a writable input";
  EXPECT_EQ(c.x().transform_ip_calls.load(), 1u);
  EXPECT_EQ(test::bytes_of(c.sink().buffers[0]), inverted_pattern(64));
}

TEST(BaseTransform, InPlaceOnSharedInputAllocatesDownstreamCopiesOnceAndLeavesTheOriginal) {
  transform_chain c("in-place", "same");
  ASSERT_TRUE(c.send_caps("application/x-test,unit=2"));
  buffer b = test::pattern_buffer(64);
  b.pts = 5000;
  const buffer kept = b.share();  // someone else still reads this data
  const std::byte* data = b.peek_memory(0).data();

  const memory_counters before = memory_counters_snapshot();
  ASSERT_EQ(c.src().push(std::move(b)), flow::ok);
  const auto d = counters_since(before);

  EXPECT_EQ(c.sink().alloc_sizes, std::vector<std::size_t>{64}) << "the output comes from downstream (pad-alloc)";
  EXPECT_EQ(d.copies, 1u);
  EXPECT_EQ(d.copied_bytes, 64u);
  ASSERT_EQ(c.sink().buffers.size(), 1u);
  buffer& got = c.sink().buffers[0];
  EXPECT_NE(got.peek_memory(0).data(), data);
  EXPECT_EQ(got.pts, 5000);
  EXPECT_EQ(test::bytes_of(got), inverted_pattern(64));
  buffer view = kept.share();
  EXPECT_EQ(test::bytes_of(view), pattern(64)) << "the shared original must be untouched";
}

TEST(BaseTransform, InPlaceOnAReferenceWithoutWritePermissionAllocates) {
  transform_chain c("in-place", "same");
  ASSERT_TRUE(c.send_caps("application/x-test,unit=2"));
  buffer b = test::pattern_buffer(32);
  b.set_perms(perm::read);  // memory is exclusively ours, but the reference may not write
  ASSERT_EQ(c.src().push(std::move(b)), flow::ok);
  EXPECT_EQ(c.sink().alloc_sizes, std::vector<std::size_t>{32});
  ASSERT_EQ(c.sink().buffers.size(), 1u);
  EXPECT_EQ(test::bytes_of(c.sink().buffers[0]), inverted_pattern(32));
}

TEST(BaseTransform, CopyTransformAllocatesTheTransformSizeDownstream) {
  transform_chain c("copy", "unit-double");
  ASSERT_TRUE(c.send_caps("application/x-test,unit=2"));
  ASSERT_EQ(c.sink().caps_events.size(), 1u);
  EXPECT_EQ(c.sink().caps_events[0].to_string(), "application/x-test,unit=4");

  ASSERT_EQ(c.src().push(test::pattern_buffer(10)), flow::ok);  // 5 units of 2 bytes

  EXPECT_EQ(c.sink().alloc_sizes, std::vector<std::size_t>{20}) << "5 units of 4 bytes";
  ASSERT_EQ(c.sink().buffers.size(), 1u);
  // Unit k of the output holds unit k of the input, repeated: 0 1 0 1 | 2 3 2 3 | ...
  std::vector<std::uint8_t> expected;
  for (unsigned k = 0; k < 5; ++k)
    for (unsigned j = 0; j < 4; ++j) expected.push_back(static_cast<std::uint8_t>(2 * k + j % 2));
  EXPECT_EQ(test::bytes_of(c.sink().buffers[0]), expected);
  EXPECT_EQ(c.x().transform_calls.load(), 1u);
}

TEST(BaseTransform, TransformSizeCacheHitsOnTheSecondBufferOfTheSameSize) {
  transform_chain c("copy", "unit-double");
  ASSERT_TRUE(c.send_caps("application/x-test,unit=2"));
  ASSERT_EQ(c.src().push(test::pattern_buffer(10)), flow::ok);
  const auto after_first = c.x().unit_size_calls.load();
  ASSERT_GT(after_first, 0u);

  ASSERT_EQ(c.src().push(test::pattern_buffer(10)), flow::ok);
  EXPECT_EQ(c.x().unit_size_calls.load(), after_first) << "a same-size buffer must hit the cache";

  ASSERT_EQ(c.src().push(test::pattern_buffer(6)), flow::ok);
  EXPECT_GT(c.x().unit_size_calls.load(), after_first) << "another size is computed";
  EXPECT_EQ(c.sink().alloc_sizes, (std::vector<std::size_t>{20, 20, 12}));
}

TEST(BaseTransform, SizeThatIsNoMultipleOfTheUnitIsNotNegotiated) {
  transform_chain c("copy", "unit-double");
  ASSERT_TRUE(c.send_caps("application/x-test,unit=2"));
  EXPECT_EQ(c.src().push(test::pattern_buffer(7)), flow::not_negotiated);
  EXPECT_TRUE(c.sink().buffers.empty());
}

TEST(BaseTransform, FindTransformPrefersPassthroughWhenDownstreamAcceptsTheInput) {
  transform_chain c("passthrough", "unit-any", caps_of("application/x-test,unit=[1,16]"));
  ASSERT_TRUE(c.send_caps("application/x-test,unit=2"));
  ASSERT_EQ(c.sink().caps_events.size(), 1u);
  EXPECT_EQ(c.sink().caps_events[0].to_string(), "application/x-test,unit=2");
  EXPECT_TRUE(c.x().is_passthrough());
}

TEST(BaseTransform, FindTransformFixatesToWhatDownstreamAccepts) {
  transform_chain c("passthrough", "unit-any", caps_of("application/x-test,unit=[3,8]"));
  ASSERT_TRUE(c.send_caps("application/x-test,unit=2"));
  ASSERT_EQ(c.sink().caps_events.size(), 1u);
  EXPECT_EQ(c.sink().caps_events[0].to_string(), "application/x-test,unit=3");
  EXPECT_FALSE(c.x().is_passthrough());
  EXPECT_EQ(c.x().configured_in().to_string(), "application/x-test,unit=2");
  EXPECT_EQ(c.x().configured_out().to_string(), "application/x-test,unit=3");
  // Buffers are transformed into the new format: 4 units of 2 bytes -> 4 units of 3.
  ASSERT_EQ(c.src().push(test::pattern_buffer(8)), flow::ok);
  EXPECT_EQ(c.sink().alloc_sizes, std::vector<std::size_t>{12});
}

TEST(BaseTransform, CapsNobodyDownstreamAcceptsAreRefused) {
  transform_chain c("passthrough", "unit-double", caps_of("application/x-test,unit=[10,16]"));
  EXPECT_FALSE(c.send_caps("application/x-test,unit=2"));
  EXPECT_TRUE(c.sink().caps_events.empty());
}

TEST(BaseTransform, SecondCapsEventReconfiguresMidStream) {
  transform_chain c("copy", "unit-double");
  ASSERT_TRUE(c.send_caps("application/x-test,unit=2"));
  ASSERT_EQ(c.src().push(test::pattern_buffer(10)), flow::ok);
  ASSERT_TRUE(c.send_caps("application/x-test,unit=4"));
  ASSERT_EQ(c.src().push(test::pattern_buffer(8)), flow::ok);  // 2 units of 4 -> 2 units of 8

  ASSERT_EQ(c.sink().caps_events.size(), 2u);
  EXPECT_EQ(c.sink().caps_events[0].to_string(), "application/x-test,unit=4");
  EXPECT_EQ(c.sink().caps_events[1].to_string(), "application/x-test,unit=8");
  EXPECT_EQ(c.sink().alloc_sizes, (std::vector<std::size_t>{20, 16}));
  EXPECT_EQ(c.x().set_caps_calls.load(), 2u);
  EXPECT_EQ(c.x().configured_in().to_string(), "application/x-test,unit=4");
  std::vector<std::uint8_t> expected;
  for (unsigned k = 0; k < 2; ++k)
    for (unsigned j = 0; j < 8; ++j) expected.push_back(static_cast<std::uint8_t>(4 * k + j % 4));
  EXPECT_EQ(test::bytes_of(c.sink().buffers[1]), expected);
}

TEST(BaseTransform, RenegotiationCanSwitchBetweenPassthroughAndTransforming) {
  transform_chain c("passthrough", "unit-any", caps_of("application/x-test,unit=[1,4]"));
  ASSERT_TRUE(c.send_caps("application/x-test,unit=2"));
  EXPECT_TRUE(c.x().is_passthrough());
  ASSERT_TRUE(c.send_caps("application/x-test,unit=6"));  // downstream takes at most 4
  EXPECT_FALSE(c.x().is_passthrough());
  EXPECT_EQ(c.sink().caps_events.back().to_string(), "application/x-test,unit=1");
  ASSERT_TRUE(c.send_caps("application/x-test,unit=3"));
  EXPECT_TRUE(c.x().is_passthrough());
}

TEST(BaseTransform, TimestampsAndMetadataAreCopiedToTheOutput) {
  transform_chain c("copy", "unit-double");
  ASSERT_TRUE(c.send_caps("application/x-test,unit=2"));
  buffer b = test::pattern_buffer(4);
  b.pts = 40'000'000;
  b.dts = 39'000'000;
  b.duration = 20'000'000;
  b.offset = 2;
  b.offset_end = 3;
  b.flags = buffer_flags::discont | buffer_flags::marker;
  ASSERT_EQ(c.src().push(std::move(b)), flow::ok);

  ASSERT_EQ(c.sink().buffers.size(), 1u);
  const buffer& got = c.sink().buffers[0];
  EXPECT_EQ(got.pts, 40'000'000);
  EXPECT_EQ(got.dts, 39'000'000);
  EXPECT_EQ(got.duration, 20'000'000);
  EXPECT_EQ(got.offset, 2u);
  EXPECT_EQ(got.offset_end, 3u);
  EXPECT_EQ(got.flags, buffer_flags::discont | buffer_flags::marker);
}

TEST(BaseTransform, BufferBeforeCapsPassesOnlyInPassthrough) {
  transform_chain copy("copy", "unit-double");
  EXPECT_EQ(copy.src().push(test::pattern_buffer(4)), flow::not_negotiated);
  EXPECT_TRUE(copy.sink().buffers.empty());
  transform_chain pass("passthrough", "same");
  EXPECT_EQ(pass.src().push(test::pattern_buffer(4)), flow::ok);
  EXPECT_EQ(pass.sink().buffers.size(), 1u);
}

TEST(BaseTransform, QueryCapsSeesThroughTheTransform) {
  transform_chain c("copy", "unit-double", caps_of("application/x-test,unit={4,8}"));
  // Upstream may send what becomes unit 4 or 8 downstream: unit 2 or 4.
  const caps up = c.x().find_pad("sink")->query_caps();
  EXPECT_TRUE(caps_of("application/x-test,unit=2").is_subset(up)) << up.to_string();
  EXPECT_TRUE(caps_of("application/x-test,unit=4").is_subset(up)) << up.to_string();
  EXPECT_FALSE(caps_of("application/x-test,unit=8").is_subset(up)) << up.to_string();
}

}  // namespace base_transform_test
}  // namespace tessera::core
