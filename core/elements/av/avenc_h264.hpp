#pragma once
/// H.264 bitstream helpers for the encoded-video elements (avenc, avmux, websink):
/// the two stream formats GStreamer's caps name, and the codec_data between them.
///
///  - byte-stream (Annex B): NAL units after 00 00 01 / 00 00 00 01 start codes, the
///    SPS and PPS in the stream (MPEG-TS, raw .h264 files);
///  - avc (ISO 14496-15): each NAL unit after its 4-byte big-endian length, the SPS
///    and PPS out of band in an AVCDecoderConfigurationRecord ("avcC", the caps'
///    codec_data; MP4, Matroska, WebCodecs' `description`, MSE).
/// Caps carry codec_data as a hex string (GStreamer prints a (buffer) so).
/// Plain functions: safe from any thread.

#include "core/support/result.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::core::h264 {

using bytes = std::vector<std::uint8_t>;

/// The NAL units of an Annex B stream, without their start codes.
std::vector<std::span<const std::uint8_t>> split_annexb(std::span<const std::uint8_t> stream);
/// The NAL unit type (nal_unit_type, 5 bits: 1 slice, 5 IDR, 7 SPS, 8 PPS).
inline int nal_type(std::span<const std::uint8_t> nal) { return nal.empty() ? 0 : nal[0] & 0x1f; }

/// The avcC record for the SPS and PPS NAL units found in Annex B `headers` (an
/// encoder's global header); errc::invalid_argument when either is missing.
result<bytes> avcc_from_annexb(std::span<const std::uint8_t> headers);
/// One access unit, Annex B to 4-byte length prefixes.
bytes annexb_to_avc(std::span<const std::uint8_t> au);
/// WebCodecs/RFC 6381 codec string "avc1.PPCCLL" (profile, constraints, level from
/// the avcC record); errc::invalid_argument for a record too short.
result<std::string> codec_string(std::span<const std::uint8_t> avcc);

/// Lower-case hex, and back (errc::invalid_argument naming the bad character).
std::string to_hex(std::span<const std::uint8_t> b);
result<bytes> from_hex(std::string_view hex);

}  // namespace tessera::core::h264
