#include "core/elements/av/avenc_h264.hpp"

namespace tessera::core::h264 {

std::vector<std::span<const std::uint8_t>> split_annexb(std::span<const std::uint8_t> s) {
  std::vector<std::span<const std::uint8_t>> out;
  const std::size_t n = s.size();
  // Position just after the next start code at or after `from`, or n.
  const auto next_start = [&](std::size_t from, std::size_t& code_at) {
    for (std::size_t i = from; i + 2 < n; ++i) {
      if (s[i] == 0 && s[i + 1] == 0 && s[i + 2] == 1) {
        code_at = (i > from && s[i - 1] == 0) ? i - 1 : i;
        return i + 3;
      }
    }
    code_at = n;
    return n;
  };
  std::size_t code_at = 0;
  std::size_t begin = next_start(0, code_at);
  while (begin < n) {
    std::size_t next_code = n;
    const std::size_t next = next_start(begin, next_code);
    std::size_t end = next_code;
    while (end > begin && s[end - 1] == 0) --end;  // trailing zero bytes belong to no NAL
    if (end > begin) out.push_back(s.subspan(begin, end - begin));
    begin = next;
  }
  return out;
}

result<bytes> avcc_from_annexb(std::span<const std::uint8_t> headers) {
  std::vector<std::span<const std::uint8_t>> sps, pps;
  for (auto nal : split_annexb(headers)) {
    if (nal_type(nal) == 7) sps.push_back(nal);
    if (nal_type(nal) == 8) pps.push_back(nal);
  }
  if (sps.empty() || pps.empty() || sps[0].size() < 4)
    return fail(errc::invalid_argument, "h264: the stream headers lack an SPS or a PPS");
  bytes out = {1, sps[0][1], sps[0][2], sps[0][3], 0xff /* 4-byte lengths */,
               static_cast<std::uint8_t>(0xe0 | sps.size())};
  const auto put = [&](std::span<const std::uint8_t> nal) {
    out.push_back(static_cast<std::uint8_t>(nal.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(nal.size()));
    out.insert(out.end(), nal.begin(), nal.end());
  };
  for (auto n : sps) put(n);
  out.push_back(static_cast<std::uint8_t>(pps.size()));
  for (auto n : pps) put(n);
  return out;
}

bytes annexb_to_avc(std::span<const std::uint8_t> au) {
  bytes out;
  out.reserve(au.size() + 16);
  for (auto nal : split_annexb(au)) {
    const auto len = static_cast<std::uint32_t>(nal.size());
    out.insert(out.end(), {static_cast<std::uint8_t>(len >> 24), static_cast<std::uint8_t>(len >> 16),
                           static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len)});
    out.insert(out.end(), nal.begin(), nal.end());
  }
  return out;
}

result<std::string> codec_string(std::span<const std::uint8_t> avcc) {
  if (avcc.size() < 4 || avcc[0] != 1) return fail(errc::invalid_argument, "h264: codec_data is not an avcC record");
  return "avc1." + to_hex(avcc.subspan(1, 3));
}

std::string to_hex(std::span<const std::uint8_t> b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (std::uint8_t v : b) {
    s.push_back(digits[v >> 4]);
    s.push_back(digits[v & 15]);
  }
  return s;
}

result<bytes> from_hex(std::string_view hex) {
  const auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2) return fail(errc::invalid_argument, "hex data of odd length " + std::to_string(hex.size()));
  bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = digit(hex[2 * i]), lo = digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return fail(errc::invalid_argument, "hex data has a bad character at " + std::to_string(2 * i + (hi < 0 ? 0 : 1)));
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

}  // namespace tessera::core::h264
