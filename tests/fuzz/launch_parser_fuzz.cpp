// Fuzz target: the launch-description parser (gst-launch syntax) on any text. Every
// input must end in a description or an error naming a position, never a crash, and
// within the driver's time budget (descriptions arrive from remote clients).

#include "core/parse/parse_launch.hpp"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = tessera::core::parse_launch(text);
  if (!parsed) (void)parsed.error().message;
  return 0;
}
