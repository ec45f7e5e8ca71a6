#include "core/tiles/swap_codec.hpp"

#include <lz4.h>

#include <bit>
#include <cstring>
#include <string>

namespace tessera::core {

std::uint64_t swap_checksum(std::span<const std::byte> bytes) noexcept {
  constexpr std::uint64_t k1 = 0x9E3779B185EBCA87ull;
  constexpr std::uint64_t k2 = 0xC2B2AE3D27D4EB4Full;
  std::uint64_t h = 0x27D4EB2F165667C5ull ^ (bytes.size() * k1);
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, bytes.data() + i, 8);
    h = std::rotl(h ^ (w * k2), 31) * k1;
  }
  for (; i < bytes.size(); ++i) h = std::rotl(h ^ (std::to_integer<std::uint64_t>(bytes[i]) * k1), 11) * k2;
  h ^= h >> 33;
  h *= k2;
  h ^= h >> 29;
  return h;
}

result<swap_encoding> encode_for_swap(std::span<const std::byte> raw, bool compress, std::vector<std::byte>& out) {
  swap_encoding how;
  how.checksum = swap_checksum(raw);
  if (compress && raw.size() <= static_cast<std::size_t>(LZ4_MAX_INPUT_SIZE)) {
    const int src_size = static_cast<int>(raw.size());
    out.resize(static_cast<std::size_t>(LZ4_compressBound(src_size)));
    const int n = LZ4_compress_default(reinterpret_cast<const char*>(raw.data()), reinterpret_cast<char*>(out.data()),
                                       src_size, static_cast<int>(out.size()));
    // It pays when it saves at least an eighth: below that the decode on every
    // swap-in costs more than the disk bytes saved.
    if (n > 0 && static_cast<std::size_t>(n) <= raw.size() - raw.size() / 8) {
      out.resize(static_cast<std::size_t>(n));
      how.compressed = true;
      return how;
    }
  }
  out.assign(raw.begin(), raw.end());
  return how;
}

result<void> decode_from_swap(std::span<const std::byte> stored, const swap_encoding& how,
                              std::span<std::byte> into, const std::string& what) {
  if (how.compressed) {
    const int n = LZ4_decompress_safe(reinterpret_cast<const char*>(stored.data()), reinterpret_cast<char*>(into.data()),
                                      static_cast<int>(stored.size()), static_cast<int>(into.size()));
    if (n != static_cast<int>(into.size())) {
      return fail(errc::io_error, what + " is corrupt: its LZ4 data does not decode to " +
                                      std::to_string(into.size()) + " bytes");
    }
  } else {
    if (stored.size() != into.size()) {
      return fail(errc::io_error, what + " is corrupt: " + std::to_string(stored.size()) + " stored bytes for a " +
                                      std::to_string(into.size()) + "-byte tile");
    }
    std::memcpy(into.data(), stored.data(), stored.size());
  }
  if (swap_checksum(into) != how.checksum) {
    return fail(errc::io_error, what + " is corrupt: its checksum does not match the bytes swapped out");
  }
  return {};
}

}  // namespace tessera::core
