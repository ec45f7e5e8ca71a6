#include "core/elements/web/encoded_stream.hpp"

#include "core/elements/av/avenc_h264.hpp"

#include <cstring>

namespace tessera::core {

std::shared_ptr<const std::byte[]> make_encoded_message(const std::byte* au, std::size_t size, bool key,
                                                        clock_time pts) {
  auto block = std::shared_ptr<std::byte[]>(new std::byte[encoded_message_header + size]);
  block[0] = static_cast<std::byte>(key ? encoded_key_frame_flag : 0);
  const auto us = static_cast<std::uint64_t>(is_valid_time(pts) && pts > 0 ? pts / 1000 : 0);
  for (int i = 0; i < 8; ++i) block[1 + i] = static_cast<std::byte>(us >> (56 - 8 * i));
  if (size) std::memcpy(block.get() + encoded_message_header, au, size);
  return block;
}

bool is_encoded_video(const caps& c) {
  const structure* s = c.structure_at(0);
  return s && (s->has_name("video/x-h264") || s->has_name("video/x-vp8") || s->has_name("video/x-vp9"));
}

result<encoded_video_config> encoded_config_from_caps(const caps& c) {
  const structure* s = c.structure_at(0);
  if (!s || !is_encoded_video(c)) return fail(errc::not_negotiated, "not encoded video: " + c.to_string());
  encoded_video_config cfg;
  cfg.media_type = std::string(s->name());
  const auto w = s->get_int("width");
  const auto h = s->get_int("height");
  if (!w || !h) return fail(errc::not_negotiated, "encoded video caps lack a width and height: " + c.to_string());
  cfg.width = static_cast<int>(*w);
  cfg.height = static_cast<int>(*h);
  if (s->has_name("video/x-h264")) {
    const auto format = s->get_string("stream-format");
    const auto hex = s->get_string("codec_data");
    if (!format || *format != "avc" || !hex)
      return fail(errc::not_negotiated, "H.264 for browsers is stream-format=avc with codec_data: " + c.to_string());
    auto avcc = h264::from_hex(*hex);
    if (!avcc) return fail(errc::not_negotiated, "H.264 codec_data: " + avcc.error().message);
    auto codec = h264::codec_string(*avcc);
    if (!codec) return fail(errc::not_negotiated, codec.error().message);
    cfg.codec = *codec;
    cfg.description = std::move(*avcc);
    cfg.mse_mime = "video/mp4; codecs=\"" + cfg.codec + "\"";
  } else if (s->has_name("video/x-vp8")) {
    cfg.codec = "vp8";
    cfg.mse_mime = "video/webm; codecs=\"vp8\"";
  } else {
    // Profile 0, level 1.0, 8 bits (what libvpx-vp9 makes from I420); decoders take
    // the level as a hint.
    cfg.codec = "vp09.00.10.08";
    cfg.mse_mime = "video/webm; codecs=\"vp9\"";
  }
  return cfg;
}

}  // namespace tessera::core
