#pragma once
/// The planes of a linear raw video frame, mapped for reading where they lie: what
/// a converter or an encoder needs to read I420/NV12 (or packed) pixels without first
/// gathering the frame into one block.
///
/// A decoder's frame (avsrc) is one memory per plane, each with its padded rows
/// (av_frame_memory.hpp): each is mapped on its own, no copy. Any other buffer is
/// mapped whole (map() may merge several memories into one copy), through a share so
/// the caller's buffer is left as it is, and the planes found at video_info::plane's
/// offsets. The maps live as long as the object; move it to keep them (an encoder
/// hands it to the AVBufferRef that outlives the call).

#include "core/memory/buffer.hpp"
#include "core/memory/buffer_map.hpp"
#include "core/video/video_info.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tessera::core {

struct frame_planes {
  /// The first byte of each plane (video_info::plane); unused entries are null.
  const std::uint8_t* first[3] = {};
  std::vector<memory_map> plane_maps;  ///< one memory per plane
  std::optional<buffer_map> whole;     ///< anything else
};

/// Maps the planes of `in`, described by `info` (linear). Errors name `who`: a map
/// that failed, a buffer smaller than the frame (errc::invalid_argument).
result<frame_planes> map_frame_planes(const video_info& info, const buffer& in, const std::string& who);

}  // namespace tessera::core
