// crop on tiled frames (layout=tiled): the output stays tiled with the same pixels as
// the linear crop; a window starting on a tile boundary is made of the input's own
// tile memories (nothing copied), any other window copies exactly its pixels.
// Expected pixels are picked out of the uncropped frame here, by index.
#include "core/elements/video/crop.hpp"

#include "core/memory/counters.hpp"
#include "tests/core/elements/video/tiled_video_test_support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tessera::core {
namespace crop_tiled_test {

using namespace tiled_video_test;

struct window {
  int left, right, top, bottom;
};

std::string props(window m) {
  return "left=" + std::to_string(m.left) + " right=" + std::to_string(m.right) + " top=" + std::to_string(m.top) +
         " bottom=" + std::to_string(m.bottom);
}

/// The window's pixels of packed `w`-wide rows, packed.
std::vector<std::uint8_t> cut(const std::vector<std::uint8_t>& frame, int w, int h, int bpp, window m) {
  std::vector<std::uint8_t> out;
  for (int y = m.top; y < h - m.bottom; ++y)
    for (int x = m.left; x < w - m.right; ++x)
      for (int i = 0; i < bpp; ++i) out.push_back(frame[(static_cast<std::size_t>(y) * w + x) * bpp + i]);
  return out;
}

std::vector<std::uint8_t> numbered_frame(int w, int h, int bpp) {
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(w) * h * bpp);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 37 + 11 + i / 251);
  return bytes;
}

void set_window(element& e, window m) {
  EXPECT_TRUE(e.set_property("left", property_value{std::int64_t{m.left}}));
  EXPECT_TRUE(e.set_property("right", property_value{std::int64_t{m.right}}));
  EXPECT_TRUE(e.set_property("top", property_value{std::int64_t{m.top}}));
  EXPECT_TRUE(e.set_property("bottom", property_value{std::int64_t{m.bottom}}));
}

TEST(CropTiled, TiledOutputHasTheLinearCropsPixelsForAlignedAndUnalignedWindows) {
  constexpr int w = 200, h = 150;  // 4x3 tiles, partial at the right and bottom
  const std::vector<window> windows = {{64, 0, 0, 0},  {0, 0, 64, 0},  {64, 10, 64, 3}, {128, 70, 0, 85},
                                       {1, 2, 3, 4},   {10, 0, 5, 0},  {63, 1, 65, 0},  {0, 199 - 64, 0, 0},
                                       {70, 60, 1, 1}, {130, 0, 100, 0}};
  for (const char* format : {"RGBA", "RGB", "GRAY8"}) {
    const int bpp = bpp_of(format);
    const std::string src = "testsrc pattern=smpte num-buffers=2 width=200 height=150 format=" + std::string(format);
    const auto whole = samples_of(src + " ! appsink name=out sync=false");
    ASSERT_EQ(whole.size(), 2u);
    for (const window& m : windows) {
      SCOPED_TRACE(std::string(format) + " " + props(m));
      const auto linear = samples_of(src + " ! crop " + props(m) + " ! appsink name=out sync=false");
      const auto tiled = samples_of(src + " tiled=true ! crop " + props(m) + " ! appsink name=out sync=false");
      ASSERT_EQ(linear.size(), 2u);
      ASSERT_EQ(tiled.size(), 2u);
      for (std::size_t i = 0; i < 2; ++i) {
        const auto expected = cut(pixels_of(whole[i]), w, h, bpp, m);
        const video_info info = info_of(tiled[i]);
        EXPECT_EQ(info.layout(), video_layout::tiled);
        EXPECT_EQ(info.width(), w - m.left - m.right);
        EXPECT_EQ(info.height(), h - m.top - m.bottom);
        EXPECT_FALSE(tiled[i].caps.structure_at(0)->has_field("stride")) << tiled[i].caps.to_string();
        EXPECT_EQ(pixels_of(linear[i]), expected) << "frame " << i;
        EXPECT_EQ(pixels_of(tiled[i]), expected) << "frame " << i;
        EXPECT_EQ(tiled[i].buffer.pts, linear[i].buffer.pts);
      }
    }
  }
}

TEST(CropTiled, BothPadsSayTiled) {
  const auto [in, out] = negotiated_caps(
      "testsrc num-buffers=1 width=130 height=70 tiled=true ! crop name=c left=3 top=2 ! appsink name=out sync=false",
      "c");
  EXPECT_TRUE(tiled_caps("RGBA", 130, 70).is_subset(in)) << in.to_string();
  EXPECT_TRUE(tiled_caps("RGBA", 127, 68).is_subset(out)) << out.to_string();
}

TEST(CropTiled, AnAlignedWindowSharesTheInputTilesAndCopiesNothing) {
  constexpr int w = 200, h = 150;  // 4x3 tiles
  for (const char* format : {"RGBA", "RGB", "GRAY8"}) {
    SCOPED_TRACE(format);
    const int bpp = bpp_of(format);
    const window m{64, 20, 64, 6};  // 116x80 from (64, 64): input tiles 1..2 of rows 1..2
    harness rig("crop");
    set_window(*rig.middle, m);
    ASSERT_TRUE(rig.pusher->start_stream(tiled_caps(format, w, h)));
    const auto bytes = numbered_frame(w, h, bpp);
    buffer original = tiled_frame(bytes, w, h, bpp);
    original.pts = 1234;
    const auto before = memory_counters_snapshot();
    ASSERT_EQ(rig.pusher->src().push(original.share()), flow::ok);  // what a tee hands on
    const auto after = memory_counters_snapshot();
    auto s = rig.out->pull_sample(2s);
    ASSERT_TRUE(s);
    EXPECT_EQ(after.copies, before.copies);
    EXPECT_EQ(after.copied_bytes, before.copied_bytes);
    EXPECT_EQ(after.allocations, before.allocations);
    EXPECT_TRUE(tiled_caps(format, 116, 80).is_subset(s->caps)) << s->caps.to_string();
    ASSERT_EQ(s->buffer.n_memory(), 4u);  // 2x2 output tiles
    for (std::size_t row = 0; row < 2; ++row)
      for (std::size_t column = 0; column < 2; ++column)
        EXPECT_TRUE(s->buffer.peek_memory(row * 2 + column) == original.peek_memory((row + 1) * 4 + column + 1))
            << "output tile " << row * 2 + column;
    EXPECT_EQ(s->buffer.pts, 1234);
    EXPECT_EQ(untile(s->buffer, 116, 80, bpp), cut(bytes, w, h, bpp, m));
    EXPECT_EQ(untile(original, w, h, bpp), bytes);  // the input is whole
  }
}

TEST(CropTiled, AnUnalignedWindowCopiesExactlyItsPixels) {
  constexpr int w = 200, h = 150;
  for (const window m : {window{1, 2, 3, 4}, window{64, 0, 5, 0}, window{5, 0, 64, 0}, window{100, 99, 149, 0}}) {
    for (const char* format : {"RGBA", "RGB", "GRAY8"}) {
      SCOPED_TRACE(std::string(format) + " " + props(m));
      const int bpp = bpp_of(format);
      harness rig("crop");
      set_window(*rig.middle, m);
      ASSERT_TRUE(rig.pusher->start_stream(tiled_caps(format, w, h)));
      const auto bytes = numbered_frame(w, h, bpp);
      buffer in = tiled_frame(bytes, w, h, bpp);
      const auto before = memory_counters_snapshot();
      ASSERT_EQ(rig.pusher->src().push(std::move(in)), flow::ok);
      const auto after = memory_counters_snapshot();
      auto s = rig.out->pull_sample(2s);
      ASSERT_TRUE(s);
      const int ow = w - m.left - m.right;
      const int oh = h - m.top - m.bottom;
      EXPECT_EQ(after.copied_bytes - before.copied_bytes, static_cast<std::uint64_t>(ow) * oh * bpp);
      EXPECT_EQ(s->buffer.n_memory(), static_cast<std::size_t>(tiles_for(ow) * tiles_for(oh)));
      EXPECT_EQ(untile(s->buffer, ow, oh, bpp), cut(bytes, w, h, bpp, m));
    }
  }
}

TEST(CropTiled, NoMarginsIsPassthrough) {
  harness rig("crop");
  ASSERT_TRUE(rig.pusher->start_stream(tiled_caps("GRAY8", 70, 70)));
  buffer in = tiled_frame(numbered_frame(70, 70, 1), 70, 70, 1);
  const memory first = in.peek_memory(0);
  ASSERT_EQ(rig.pusher->src().push(std::move(in)), flow::ok);
  auto s = rig.out->pull_sample(2s);
  ASSERT_TRUE(s);
  EXPECT_TRUE(dynamic_cast<base_transform*>(rig.middle)->is_passthrough());
  EXPECT_TRUE(s->buffer.peek_memory(0) == first);
}

TEST(CropTiled, ABufferThatIsNotATiledFrameIsRefusedWithTheReason) {
  harness rig("crop");
  set_window(*rig.middle, {1, 0, 0, 0});
  ASSERT_TRUE(rig.pusher->start_stream(tiled_caps("GRAY8", 70, 70)));
  // One linear memory where 2x2 tiles belong.
  EXPECT_NE(rig.pusher->src().push(frame_buffer(numbered_frame(70, 70, 1))), flow::ok);
  const std::string e = wait_error(*rig.p);
  EXPECT_NE(e.find("crop"), std::string::npos) << e;
  EXPECT_NE(e.find("needs 4 tile memories"), std::string::npos) << e;
}

TEST(CropTiled, ACropLargerThanTheFrameIsRefusedWithTheSizes) {
  harness rig("crop");
  set_window(*rig.middle, {0, 0, 60, 10});
  EXPECT_FALSE(rig.pusher->start_stream(tiled_caps("RGB", 100, 70)));
  const std::string e = wait_error(*rig.p);
  EXPECT_NE(e.find("60+10 rows"), std::string::npos) << e;
  EXPECT_NE(e.find("70 pixels high"), std::string::npos) << e;
}

}  // namespace crop_tiled_test
}  // namespace tessera::core
