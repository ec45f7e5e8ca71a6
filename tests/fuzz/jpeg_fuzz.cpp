// Fuzz target: jpegdec's decoder on any bytes (JPEG arrives from files and remote
// streams). Headers that parse and fit 16 Mpixel are decoded into RGBA; corrupt data
// must be an error, never a crash or a read past the input.

#include "core/video/video_info.hpp"
#include "core/elements/codec/jpeg_decoder.hpp"

#include <cstdint>
#include <vector>

using namespace tessera::core;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static jpeg_decoder decoder;
  const auto* bytes = reinterpret_cast<const std::byte*>(data);
  auto header = decoder.read_header(bytes, size);
  if (!header || std::int64_t(header->width) * header->height > 16 * 1024 * 1024) return 0;
  auto info = video_info::make(header->grey ? video_format::gray8 : video_format::rgba, header->width, header->height);
  if (!info) return 0;
  std::vector<std::byte> pixels(info->size());
  (void)decoder.decode(bytes, size, *info, pixels.data());
  return 0;
}
