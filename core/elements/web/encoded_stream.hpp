#pragma once
/// Encoded video for browsers (docs/api.md, "Encoded video"): the WebSocket message of
/// one frame and the decoder configuration of a stream, from its caps.
///
/// Message: 1 byte of flags (bit 0: key frame), the pts in microseconds as an 8-byte
/// big-endian integer (0 when unknown), then the access unit as the caps say it
/// (H.264 avc: length-prefixed NAL units, which is what WebCodecs expects with a
/// `description`; VP8/VP9 frames as they are). Plain functions: any thread.

#include "core/caps/caps.hpp"
#include "core/elements/web/frame_subscriber.hpp"
#include "core/support/result.hpp"

#include <cstddef>
#include <memory>

namespace tessera::core {

inline constexpr std::size_t encoded_message_header = 9;
inline constexpr std::uint8_t encoded_key_frame_flag = 1;

/// The message for access unit `au` (`size` bytes).
std::shared_ptr<const std::byte[]> make_encoded_message(const std::byte* au, std::size_t size, bool key,
                                                        clock_time pts);

/// The configuration of fixed video/x-h264 (stream-format=avc, codec_data),
/// video/x-vp8 or video/x-vp9 caps; errc::not_negotiated naming what is missing.
result<encoded_video_config> encoded_config_from_caps(const caps& c);

/// Whether `c` is encoded video websink passes on (not raw, not JPEG).
bool is_encoded_video(const caps& c);

}  // namespace tessera::core
