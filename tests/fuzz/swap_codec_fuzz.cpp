// Fuzz target: the swap file's tile codec (LZ4 or raw, with a checksum). The first
// byte chooses: even, round trip the rest (compressed or not) and require the same
// bytes back; odd, decode the rest as stored bytes of a damaged swap file, which must
// be refused unless it really decodes to bytes with the claimed checksum.

#include "core/tiles/swap_codec.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

using namespace tessera::core;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto mode = data[0];
  const std::span<const std::byte> rest(reinterpret_cast<const std::byte*>(data + 1), size - 1);
  if (mode % 2 == 0) {
    std::vector<std::byte> stored;
    auto how = encode_for_swap(rest, (mode & 2) != 0, stored);
    TESSERA_FUZZ_CHECK(how.has_value(), "encode_for_swap failed");
    std::vector<std::byte> back(rest.size());
    TESSERA_FUZZ_CHECK(decode_from_swap(stored, *how, back, "fuzz").has_value(), "a stored tile did not decode");
    TESSERA_FUZZ_CHECK(std::memcmp(back.data(), rest.data(), rest.size()) == 0, "a tile came back different");
    return 0;
  }
  // Damaged: the raw size and the claimed encoding come from the input too.
  const std::size_t raw_size = rest.empty() ? 0 : std::size_t(rest[0]) * 64;
  swap_encoding how{.compressed = (mode & 2) != 0, .checksum = swap_checksum(rest.subspan(0, rest.size() / 2))};
  std::vector<std::byte> into(raw_size);
  if (decode_from_swap(rest, how, into, "fuzz")) TESSERA_FUZZ_CHECK(swap_checksum(into) == how.checksum, "a decode passed with the wrong checksum");
  return 0;
}
