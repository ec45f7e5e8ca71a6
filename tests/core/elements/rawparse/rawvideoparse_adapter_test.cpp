// The byte adapter behind rawvideoparse's push mode: ranges come out in order, shared
// (no copy) when one input buffer holds them, copied once when they straddle buffers.
#include "core/elements/rawparse/byte_adapter.hpp"

#include "tests/core/support/test_helpers.hpp"

#include <gtest/gtest.h>

namespace tessera::core {
namespace rawvideoparse_adapter_test {

using test::bytes_of;
using test::counters_since;
using test::pattern_buffer;

std::vector<std::uint8_t> run(unsigned first, std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>((first + i) & 0xff);
  return v;
}

const std::byte* data_of(const buffer& b) { return b.peek_memory(0).data(); }

TEST(ByteAdapter, RangesInsideOneBufferAreSharesOfIt) {
  byte_adapter a;
  buffer in = pattern_buffer(96);
  const std::byte* base = data_of(in);
  a.push(std::move(in));
  EXPECT_EQ(a.available(), 96u);
  const auto before = memory_counters_snapshot();
  buffer first = a.take(32).value();
  buffer second = a.take(32).value();
  buffer last = a.take(32).value();
  EXPECT_EQ(counters_since(before).copied_bytes, 0u);
  EXPECT_EQ(counters_since(before).allocations, 0u);
  EXPECT_EQ(a.available(), 0u);
  EXPECT_EQ(data_of(first), base);
  EXPECT_EQ(data_of(second), base + 32);
  EXPECT_EQ(data_of(last), base + 64);
  EXPECT_EQ(bytes_of(first), run(0, 32));
  EXPECT_EQ(bytes_of(second), run(32, 32));
  EXPECT_EQ(bytes_of(last), run(64, 32));
}

TEST(ByteAdapter, AWholeBufferTakenAtOnceStaysWritable) {
  byte_adapter a;
  buffer in = pattern_buffer(64);
  const std::byte* base = data_of(in);
  a.push(std::move(in));
  buffer out = a.take(64).value();
  EXPECT_EQ(data_of(out), base);
  EXPECT_TRUE(out.is_writable());  // nobody else refers to it: an in-place step needs no copy
}

TEST(ByteAdapter, RangesAcrossBuffersAreCopiedOnceInOrder) {
  byte_adapter a;
  a.push(pattern_buffer(20, 0));
  a.push(pattern_buffer(20, 20));
  a.push(pattern_buffer(20, 40));
  EXPECT_EQ(a.available(), 60u);
  const auto before = memory_counters_snapshot();
  buffer span = a.take(50).value();  // all of the first two, 10 bytes of the third
  EXPECT_EQ(counters_since(before).copied_bytes, 50u);
  EXPECT_EQ(bytes_of(span), run(0, 50));
  EXPECT_EQ(a.available(), 10u);
  buffer rest = a.take(10).value();
  EXPECT_EQ(bytes_of(rest), run(50, 10));
  EXPECT_EQ(a.available(), 0u);
}

TEST(ByteAdapter, MultiMemoryInputsAreReadAcrossTheirMemories) {
  byte_adapter a;
  buffer two = pattern_buffer(8, 0);
  buffer more = pattern_buffer(8, 8);
  ASSERT_TRUE(two.append_memory(more.peek_memory(0)));
  a.push(std::move(two));
  a.push(pattern_buffer(8, 16));
  (void)a.take(4).value();
  buffer middle = a.take(16).value();
  buffer tail = a.take(4).value();
  EXPECT_EQ(bytes_of(middle), run(4, 16));
  EXPECT_EQ(bytes_of(tail), run(20, 4));
}

TEST(ByteAdapter, TakingMoreThanAvailableOrNothingIsRefused) {
  byte_adapter a;
  a.push(pattern_buffer(10));
  EXPECT_FALSE(a.take(11));
  EXPECT_FALSE(a.take(0));
  EXPECT_EQ(a.available(), 10u);
  a.push(buffer{});  // empty input: ignored
  EXPECT_EQ(a.available(), 10u);
  a.clear();
  EXPECT_EQ(a.available(), 0u);
  EXPECT_FALSE(a.take(1));
}

}  // namespace rawvideoparse_adapter_test
}  // namespace tessera::core
