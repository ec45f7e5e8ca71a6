#include "core/tiles/swap_codec.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace tessera::core {
namespace swap_codec_test {

std::vector<std::byte> noise(std::size_t n) {
  std::mt19937 gen(11);
  std::vector<std::byte> v(n);
  for (auto& b : v) b = std::byte(gen() & 0xff);
  return v;
}

TEST(SwapCodec, CompressesOnlyWhenItSavesAnEighthAndRoundTrips) {
  for (const bool compress : {true, false}) {
    std::vector<std::byte> flat(16384, std::byte{0x42});
    std::vector<std::byte> stored;
    auto how = encode_for_swap(flat, compress, stored).value();
    EXPECT_EQ(how.compressed, compress);
    if (compress) EXPECT_LT(stored.size(), flat.size() / 8);
    std::vector<std::byte> back(flat.size());
    ASSERT_TRUE(decode_from_swap(stored, how, back, "tile"));
    EXPECT_EQ(back, flat);
  }
  const auto rnd = noise(16384);
  std::vector<std::byte> stored;
  auto how = encode_for_swap(rnd, true, stored).value();
  EXPECT_FALSE(how.compressed);
  EXPECT_EQ(stored, rnd);
}

TEST(SwapCodec, DamagedBytesAreReportedNotReturned) {
  std::vector<std::byte> flat(4096, std::byte{7});
  std::vector<std::byte> stored;
  auto how = encode_for_swap(flat, true, stored).value();
  ASSERT_TRUE(how.compressed);
  std::vector<std::byte> back(flat.size());
  // LZ4 data cut short: it does not decode to the tile size.
  auto cut = decode_from_swap(std::span(stored).first(stored.size() / 2), how, back, "tile 3");
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error(), errc::io_error);
  EXPECT_NE(cut.error().message.find("tile 3 is corrupt"), std::string::npos) << cut.error().message;
  // Raw bytes with one bit flipped: the checksum catches it.
  const auto rnd = noise(4096);
  auto raw_how = encode_for_swap(rnd, false, stored).value();
  stored[100] ^= std::byte{1};
  auto flipped = decode_from_swap(stored, raw_how, back, "tile 4");
  ASSERT_FALSE(flipped);
  EXPECT_NE(flipped.error().message.find("tile 4 is corrupt: its checksum does not match"), std::string::npos);
}

}  // namespace swap_codec_test
}  // namespace tessera::core
