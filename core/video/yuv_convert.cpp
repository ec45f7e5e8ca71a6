#include "core/video/yuv_convert.hpp"

#include <algorithm>
#include <cstring>

namespace tessera::core {

namespace {

/// Where the samples of a planar frame lie: U and V samples `step` bytes apart
/// (1 for I420, 2 for NV12's interleaved pairs).
template <class Byte>
struct yuv_planes {
  Byte* y;
  Byte* u;
  Byte* v;
  std::size_t y_stride;
  std::size_t c_stride;
  std::size_t step;
};

/// `plane[i]` is the first byte of plane i (video_info::plane), wherever it lies.
template <class Byte>
yuv_planes<Byte> planes_of(Byte* const plane[3], const video_info& info) {
  const std::size_t y_stride = info.plane(0).stride;
  const std::size_t c_stride = info.plane(1).stride;
  if (info.format() == video_format::nv12) return {plane[0], plane[1], plane[1] + 1, y_stride, c_stride, 2};
  return {plane[0], plane[1], plane[2], y_stride, c_stride, 1};
}

template <class Byte>
yuv_planes<Byte> planes_of(Byte* frame, const video_info& info) {
  Byte* const plane[3] = {frame, frame + info.plane(1).offset, frame + info.plane(2).offset};
  return planes_of(plane, info);
}

constexpr std::uint8_t clamp8(int v) noexcept { return static_cast<std::uint8_t>(std::clamp(v, 0, 255)); }

struct rgb {
  int r, g, b;
};

inline rgb read_rgb(const std::uint8_t* p, video_format f) noexcept {
  if (f == video_format::gray8) return {p[0], p[0], p[0]};
  return {p[0], p[1], p[2]};
}

constexpr std::uint8_t y_of(int r, int g, int b) noexcept {
  return static_cast<std::uint8_t>(((66 * r + 129 * g + 25 * b + 128) >> 8) + 16);
}
constexpr std::uint8_t u_of(int r, int g, int b) noexcept {
  return static_cast<std::uint8_t>(((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128);
}
constexpr std::uint8_t v_of(int r, int g, int b) noexcept {
  return static_cast<std::uint8_t>(((112 * r - 94 * g - 18 * b + 128) >> 8) + 128);
}

void packed_to_yuv(const std::uint8_t* src, const video_info& in, yuv_planes<std::uint8_t> d) noexcept {
  const auto w = static_cast<std::size_t>(in.width());
  const auto h = static_cast<std::size_t>(in.height());
  const std::size_t bpp = in.bytes_per_pixel();
  const std::size_t stride = in.stride();
  for (std::size_t y = 0; y < h; y += 2) {
    const std::uint8_t* row0 = src + y * stride;
    const std::uint8_t* row1 = y + 1 < h ? row0 + stride : nullptr;
    std::uint8_t* y0 = d.y + y * d.y_stride;
    std::uint8_t* y1 = y0 + d.y_stride;
    std::uint8_t* u = d.u + (y / 2) * d.c_stride;
    std::uint8_t* v = d.v + (y / 2) * d.c_stride;
    for (std::size_t x = 0; x < w; x += 2) {
      // The block's pixels that exist (an odd right or bottom edge has fewer).
      int sr = 0, sg = 0, sb = 0, n = 0;
      const auto take = [&](const std::uint8_t* row, std::size_t col, std::uint8_t* yrow) {
        const rgb c = read_rgb(row + col * bpp, in.format());
        yrow[col] = y_of(c.r, c.g, c.b);
        sr += c.r;
        sg += c.g;
        sb += c.b;
        ++n;
      };
      take(row0, x, y0);
      if (x + 1 < w) take(row0, x + 1, y0);
      if (row1) {
        take(row1, x, y1);
        if (x + 1 < w) take(row1, x + 1, y1);
      }
      const int r = (sr + n / 2) / n, g = (sg + n / 2) / n, b = (sb + n / 2) / n;
      u[(x / 2) * d.step] = u_of(r, g, b);
      v[(x / 2) * d.step] = v_of(r, g, b);
    }
  }
}

void yuv_to_packed(yuv_planes<const std::uint8_t> s, std::uint8_t* dst, const video_info& out) noexcept {
  const auto w = static_cast<std::size_t>(out.width());
  const auto h = static_cast<std::size_t>(out.height());
  const std::size_t bpp = out.bytes_per_pixel();
  const video_format f = out.format();
  for (std::size_t y = 0; y < h; ++y) {
    const std::uint8_t* yrow = s.y + y * s.y_stride;
    const std::uint8_t* u = s.u + (y / 2) * s.c_stride;
    const std::uint8_t* v = s.v + (y / 2) * s.c_stride;
    std::uint8_t* d = dst + y * out.stride();
    for (std::size_t x = 0; x < w; ++x, d += bpp) {
      // 16-bit fixed point (8 bits, as the forward direction, is up to 3 off).
      const int c = 76309 * (yrow[x] - 16) + 32768;
      if (f == video_format::gray8) {
        d[0] = clamp8(c >> 16);
        continue;
      }
      const int du = u[(x / 2) * s.step] - 128;
      const int dv = v[(x / 2) * s.step] - 128;
      d[0] = clamp8((c + 104597 * dv) >> 16);
      d[1] = clamp8((c - 25675 * du - 53279 * dv) >> 16);
      d[2] = clamp8((c + 132201 * du) >> 16);
      if (f == video_format::rgba) d[3] = 255;
    }
  }
}

void yuv_to_yuv(yuv_planes<const std::uint8_t> s, yuv_planes<std::uint8_t> d, const video_info& out) noexcept {
  const auto w = static_cast<std::size_t>(out.width());
  const auto h = static_cast<std::size_t>(out.height());
  for (std::size_t y = 0; y < h; ++y) std::memcpy(d.y + y * d.y_stride, s.y + y * s.y_stride, w);
  const std::size_t cw = (w + 1) / 2;
  const std::size_t ch = (h + 1) / 2;
  for (std::size_t y = 0; y < ch; ++y) {
    const std::uint8_t* su = s.u + y * s.c_stride;
    const std::uint8_t* sv = s.v + y * s.c_stride;
    std::uint8_t* du = d.u + y * d.c_stride;
    std::uint8_t* dv = d.v + y * d.c_stride;
    for (std::size_t x = 0; x < cw; ++x) {
      du[x * d.step] = su[x * s.step];
      dv[x * d.step] = sv[x * s.step];
    }
  }
}

}  // namespace

void convert_yuv_frame(const std::uint8_t* src, const video_info& in, std::uint8_t* dst,
                       const video_info& out) noexcept {
  const std::uint8_t* const planes[3] = {src, src + in.plane(1).offset, src + in.plane(2).offset};
  convert_yuv_frame(planes, in, dst, out);
}

void convert_yuv_frame(const std::uint8_t* const src_planes[3], const video_info& in, std::uint8_t* dst,
                       const video_info& out) noexcept {
  const bool in_yuv = is_planar_yuv(in.format());
  const bool out_yuv = is_planar_yuv(out.format());
  if (in_yuv && out_yuv) return yuv_to_yuv(planes_of(src_planes, in), planes_of(dst, out), out);
  if (in_yuv) return yuv_to_packed(planes_of(src_planes, in), dst, out);
  if (out_yuv) return packed_to_yuv(src_planes[0], in, planes_of(dst, out));
}

}  // namespace tessera::core
