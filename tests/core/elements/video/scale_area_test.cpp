// frame_scaler's area (box) filter, websink's downscaler: hand-worked tiny frames,
// a double-precision reference on textured frames of awkward ratios, flat frames that
// must stay exactly flat, and the aliasing bilinear shows and area does not.
#include "core/elements/video/scale_kernels.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

namespace tessera::core {
namespace scale_area_test {

using bytes = std::vector<std::uint8_t>;

bytes scale(scale_method m, const bytes& in, int bpp, int iw, int ih, int ow, int oh, std::size_t src_stride = 0) {
  if (src_stride == 0) src_stride = static_cast<std::size_t>(iw * bpp);
  bytes out(static_cast<std::size_t>(ow * oh * bpp), 0xEE);
  frame_scaler s(m, static_cast<std::size_t>(bpp), iw, ih, ow, oh);
  s.scale(in.data(), src_stride, out.data(), static_cast<std::size_t>(ow * bpp));
  return out;
}

/// Exact coverage-weighted mean of channel c under output pixel (ox, oy).
double reference_area(const bytes& in, int iw, int ih, int bpp, int ow, int oh, int ox, int oy, int c) {
  const double x0 = double(ox) * iw / ow, x1 = double(ox + 1) * iw / ow;
  const double y0 = double(oy) * ih / oh, y1 = double(oy + 1) * ih / oh;
  double sum = 0;
  for (int y = static_cast<int>(std::floor(y0)); y < std::min(ih, static_cast<int>(std::ceil(y1))); ++y)
    for (int x = static_cast<int>(std::floor(x0)); x < std::min(iw, static_cast<int>(std::ceil(x1))); ++x) {
      const double wx = std::min(x1, x + 1.0) - std::max(x0, double(x));
      const double wy = std::min(y1, y + 1.0) - std::max(y0, double(y));
      sum += wx * wy * in[static_cast<std::size_t>((y * iw + x) * bpp + c)];
    }
  return sum / ((x1 - x0) * (y1 - y0));
}

bytes textured(int w, int h, int bpp) {
  bytes v(static_cast<std::size_t>(w * h * bpp));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < bpp; ++c)
        v[static_cast<std::size_t>((y * w + x) * bpp + c)] =
            static_cast<std::uint8_t>((x * 53 + y * 97 + c * 71 + x * y * 13) % 256);
  return v;
}

TEST(ScaleArea, HalvingAveragesEachTwoByTwoBlock) {
  // RGBA 4x2 -> 2x1: each output is the mean of a 2x2 block, per channel.
  const bytes in = {0,  0,  0,  255, 100, 10, 20, 255, 200, 0, 0, 0, 100, 0, 0, 0,
                    40, 60, 80, 255, 60,  30, 40, 255, 0,   0, 0, 0, 0,   0, 0, 1};
  const bytes out = scale(scale_method::area, in, 4, 4, 2, 2, 1);
  EXPECT_EQ(out, (bytes{50, 25, 35, 255, 75, 0, 0, 0}));  // (0+100+40+60)/4 = 50, ...; 1/4 rounds to 0
}

TEST(ScaleArea, ThreeToTwoWeighsPixelsByTheirCoverage) {
  // GRAY8 3x1 -> 2x1: output 0 covers pixel 0 and half of pixel 1 (weights 2/3, 1/3).
  const bytes out = scale(scale_method::area, bytes{0, 90, 180}, 1, 3, 1, 2, 1);
  EXPECT_EQ(out, (bytes{30, 150}));
}

TEST(ScaleArea, MatchesTheExactMeanWithinOneOnAwkwardRatios) {
  struct size_case {
    int bpp, iw, ih, ow, oh;
  };
  for (const auto& k : {size_case{4, 97, 61, 23, 17}, size_case{3, 64, 48, 37, 29}, size_case{1, 50, 50, 7, 3},
                        size_case{4, 30, 20, 30, 7}, size_case{3, 13, 11, 1, 1}}) {
    const bytes in = textured(k.iw, k.ih, k.bpp);
    const bytes out = scale(scale_method::area, in, k.bpp, k.iw, k.ih, k.ow, k.oh);
    int worst = 0;
    for (int y = 0; y < k.oh; ++y)
      for (int x = 0; x < k.ow; ++x)
        for (int c = 0; c < k.bpp; ++c) {
          const double want = reference_area(in, k.iw, k.ih, k.bpp, k.ow, k.oh, x, y, c);
          const int got = out[static_cast<std::size_t>((y * k.ow + x) * k.bpp + c)];
          worst = std::max(worst, static_cast<int>(std::ceil(std::abs(got - want) - 0.5)));
        }
    EXPECT_LE(worst, 1) << k.bpp << " bpp " << k.iw << "x" << k.ih << " -> " << k.ow << "x" << k.oh;
  }
}

TEST(ScaleArea, AFlatFrameStaysExactlyFlat) {
  // 1920x1080 -> 853x480 (the 480p viewer of a 1080p sink), RGB, with padded rows.
  const int iw = 1920, ih = 1080, ow = 853, oh = 480;
  const std::size_t stride = iw * 3 + 16;
  bytes in(stride * ih);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<std::uint8_t>(i % stride < iw * 3 ? 77 + i % stride % 3 : 0);
  const bytes out = scale(scale_method::area, in, 3, iw, ih, ow, oh, stride);
  for (std::size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], 77 + i % 3) << "byte " << i;
}

TEST(ScaleArea, AFinePatternBecomesItsMeanWhereBilinearAliases) {
  // One-pixel stripes shrunk 4:1: each output covers two black and two white columns.
  const int iw = 64, ih = 8;
  bytes in(static_cast<std::size_t>(iw * ih));
  for (int y = 0; y < ih; ++y)
    for (int x = 0; x < iw; ++x) in[static_cast<std::size_t>(y * iw + x)] = x % 2 ? 255 : 0;
  const bytes area = scale(scale_method::area, in, 1, iw, ih, 16, 2);
  for (auto v : area) EXPECT_NEAR(v, 128, 1);
  // About 3:1, bilinear's two taps often fall on one column: stripes come out as
  // near black and near white. Area mixes the three columns under each output, so
  // every value is between 1/3 and 2/3 of white.
  const bytes bilinear = scale(scale_method::bilinear, in, 1, iw, ih, 21, 2);
  const bytes area3 = scale(scale_method::area, in, 1, iw, ih, 21, 2);
  EXPECT_GT(*std::ranges::max_element(bilinear) - *std::ranges::min_element(bilinear), 200);
  EXPECT_GE(*std::ranges::min_element(area3), 80);
  EXPECT_LE(*std::ranges::max_element(area3), 175);
}

}  // namespace scale_area_test
}  // namespace tessera::core
