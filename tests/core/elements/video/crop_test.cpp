// crop on known frames: the output is a window on the input's memory (same bytes,
// nothing copied), rows keep the input's stride, and every element that reads frames
// after it (invert, videoconvert, videoscale, jpegenc, websink) reads the window's
// pixels and nothing else. Expected pixels are picked out of the input here, by index.
#include "core/elements/video/crop.hpp"

#include "core/elements/web/websink.hpp"
#include "core/memory/counters.hpp"
#include "tests/core/support/file_test_support.hpp"
#include "tests/core/elements/video/video_test_support.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <gtest/gtest.h>
#include <turbojpeg.h>

#include <algorithm>
#include <cstdlib>

namespace tessera::core {
namespace crop_test {

using namespace video_test;

/// A `w`x`h` frame of `bpp`-byte pixels whose bytes all differ from their neighbours.
std::vector<std::uint8_t> numbered_frame(int w, int h, int bpp) {
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(w * h * bpp));
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 37 + 11);
  return bytes;
}

struct window {
  int left, right, top, bottom;
};

/// The window's pixels of a packed `w`-wide frame, packed: what the crop must show.
std::vector<std::uint8_t> cut(const std::vector<std::uint8_t>& frame, int w, int h, int bpp, window m) {
  std::vector<std::uint8_t> out;
  for (int y = m.top; y < h - m.bottom; ++y)
    for (int x = m.left; x < w - m.right; ++x)
      for (int i = 0; i < bpp; ++i) out.push_back(frame[static_cast<std::size_t>((y * w + x) * bpp + i)]);
  return out;
}

/// The rows of a frame with `stride`, packed (what a strided sample shows).
std::vector<std::uint8_t> packed_rows(const std::vector<std::uint8_t>& bytes, const video_info& info) {
  std::vector<std::uint8_t> out;
  for (int y = 0; y < info.height(); ++y) {
    const auto* row = bytes.data() + static_cast<std::size_t>(y) * info.stride();
    out.insert(out.end(), row, row + info.row_bytes());
  }
  return out;
}

void set_window(element& e, window m) {
  EXPECT_TRUE(e.set_property("left", property_value{std::int64_t{m.left}}));
  EXPECT_TRUE(e.set_property("right", property_value{std::int64_t{m.right}}));
  EXPECT_TRUE(e.set_property("top", property_value{std::int64_t{m.top}}));
  EXPECT_TRUE(e.set_property("bottom", property_value{std::int64_t{m.bottom}}));
}

TEST(Crop, OutputIsAWindowOnTheInputMemoryWithTheInputStride) {
  for (video_format f : {video_format::rgba, video_format::rgb, video_format::gray8}) {
    SCOPED_TRACE(std::string(to_string(f)));
    const int bpp = static_cast<int>(bytes_per_pixel(f));
    const window m{1, 2, 1, 1};
    harness rig("crop");
    set_window(*rig.middle, m);
    ASSERT_TRUE(rig.pusher->start_stream(video_caps(to_string(f), 6, 4)));
    const auto bytes = numbered_frame(6, 4, bpp);
    buffer in = frame_buffer(bytes, 2);
    const auto* base = static_cast<const std::uint8_t*>(data_address(in));
    const auto before = memory_counters_snapshot();
    ASSERT_EQ(rig.pusher->src().push(std::move(in)), flow::ok);
    const auto after = memory_counters_snapshot();
    auto s = rig.out->pull_sample(2s);
    ASSERT_TRUE(s);
    const video_info info = info_of(*s);
    EXPECT_EQ(info.width(), 3);
    EXPECT_EQ(info.height(), 2);
    EXPECT_EQ(info.stride(), static_cast<std::size_t>(6 * bpp));  // the input's rows
    EXPECT_EQ(s->caps.structure_at(0)->get_int("stride"), std::int64_t{6 * bpp});
    // One input row and one output row of pixels: the last row needs no padding.
    EXPECT_EQ(s->buffer.size(), static_cast<std::size_t>(6 * bpp + 3 * bpp));
    EXPECT_EQ(data_address(s->buffer), base + (6 * 1 + 1) * bpp);  // (1, 1) of the same memory
    EXPECT_EQ(packed_rows(bytes_of(s->buffer), info), cut(bytes, 6, 4, bpp, m));
    EXPECT_EQ(s->buffer.offset, 2u);
    EXPECT_EQ(after.copies, before.copies);
    EXPECT_EQ(after.allocations, before.allocations);
  }
}

TEST(Crop, CuttingOnlyRowsGivesPackedVideo) {
  harness rig("crop");
  set_window(*rig.middle, {0, 0, 1, 2});
  ASSERT_TRUE(rig.pusher->start_stream(video_caps("RGB", 5, 4)));
  const auto bytes = numbered_frame(5, 4, 3);
  ASSERT_EQ(rig.pusher->src().push(frame_buffer(bytes)), flow::ok);
  auto s = rig.out->pull_sample(2s);
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->caps.is_equal(video_caps("RGB", 5, 1))) << s->caps.to_string();
  EXPECT_EQ(bytes_of(s->buffer), cut(bytes, 5, 4, 3, {0, 0, 1, 2}));
}

TEST(Crop, ASharedInputStaysWholeAndNothingIsCopied) {
  harness rig("crop");
  set_window(*rig.middle, {2, 1, 0, 1});
  ASSERT_TRUE(rig.pusher->start_stream(video_caps("GRAY8", 8, 3)));
  const auto bytes = numbered_frame(8, 3, 1);
  buffer original = frame_buffer(bytes);
  const auto before = memory_counters_snapshot();
  ASSERT_EQ(rig.pusher->src().push(original.share()), flow::ok);  // what a tee hands on
  const auto after = memory_counters_snapshot();
  auto s = rig.out->pull_sample(2s);
  ASSERT_TRUE(s);
  EXPECT_EQ(packed_rows(bytes_of(s->buffer), info_of(*s)), cut(bytes, 8, 3, 1, {2, 1, 0, 1}));
  EXPECT_EQ(bytes_of(original), bytes);
  EXPECT_EQ(original.size(), bytes.size());
  EXPECT_EQ(after.copies, before.copies);
  EXPECT_EQ(after.copied_bytes, before.copied_bytes);
}

TEST(Crop, AlignIsDroppedOnlyWhenTheWindowStartsOffTheAlignment) {
  // RGBA, 16 pixels a row (64 bytes): left=4 starts 16 bytes in (aligned), left=1
  // 4 bytes in, top=1 64 bytes in (aligned).
  struct want {
    window m;
    bool aligned;
  };
  for (const want& w : {want{{4, 0, 0, 0}, true}, want{{1, 0, 0, 0}, false}, want{{0, 0, 1, 0}, true},
                        want{{3, 1, 1, 0}, false}}) {
    SCOPED_TRACE(std::to_string(w.m.left) + "," + std::to_string(w.m.top));
    harness rig("crop");
    set_window(*rig.middle, w.m);
    ASSERT_TRUE(rig.pusher->start_stream(video_caps("RGBA", 16, 2)));
    buffer in = frame_buffer(numbered_frame(16, 2, 4));
    ASSERT_TRUE(static_cast<unsigned>(in.perms()) & static_cast<unsigned>(perm::align));
    ASSERT_EQ(rig.pusher->src().push(std::move(in)), flow::ok);
    auto s = rig.out->pull_sample(2s);
    ASSERT_TRUE(s);
    EXPECT_EQ((static_cast<unsigned>(s->buffer.perms()) & static_cast<unsigned>(perm::align)) != 0, w.aligned);
    EXPECT_TRUE(static_cast<unsigned>(s->buffer.perms()) & static_cast<unsigned>(perm::read));
  }
}

TEST(Crop, NoMarginsIsPassthrough) {
  harness rig("crop");
  ASSERT_TRUE(rig.pusher->start_stream(video_caps("RGBA", 4, 2)));
  buffer in = frame_buffer(numbered_frame(4, 2, 4));
  const void* address = data_address(in);
  ASSERT_EQ(rig.pusher->src().push(std::move(in)), flow::ok);
  auto s = rig.out->pull_sample(2s);
  ASSERT_TRUE(s);
  EXPECT_TRUE(dynamic_cast<base_transform*>(rig.middle)->is_passthrough());
  EXPECT_EQ(data_address(s->buffer), address);
  EXPECT_TRUE(s->caps.is_equal(video_caps("RGBA", 4, 2)));
}

TEST(Crop, ACropLargerThanTheFrameIsRefusedWithTheSizes) {
  {
    harness rig("crop");
    set_window(*rig.middle, {4, 2, 0, 0});
    EXPECT_FALSE(rig.pusher->start_stream(video_caps("RGBA", 6, 4)));
    const std::string e = wait_error(*rig.p);
    EXPECT_NE(e.find("crop"), std::string::npos) << e;
    EXPECT_NE(e.find("4+2 columns"), std::string::npos) << e;
    EXPECT_NE(e.find("6 pixels wide"), std::string::npos) << e;
  }
  {
    harness rig("crop");
    set_window(*rig.middle, {0, 0, 3, 1});
    EXPECT_FALSE(rig.pusher->start_stream(video_caps("RGBA", 6, 4)));
    const std::string e = wait_error(*rig.p);
    EXPECT_NE(e.find("3+1 rows"), std::string::npos) << e;
    EXPECT_NE(e.find("4 pixels high"), std::string::npos) << e;
  }
  // Fixed by a capsfilter: refused when linking, before anything runs.
  auto r = build_pipeline("testsrc ! video/x-raw,width=64,height=48 ! crop left=60 right=4 ! fakesink",
                          test_runtime().registry(), "t");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("crop0"), std::string::npos) << r.error().message;
}

TEST(Crop, MarginsChangedWhilePlayingApplyFromTheNextFrameOrFailClearly) {
  harness rig("crop");
  ASSERT_TRUE(rig.pusher->start_stream(video_caps("GRAY8", 6, 4)));
  const auto bytes = numbered_frame(6, 4, 1);
  ASSERT_EQ(rig.pusher->src().push(frame_buffer(bytes)), flow::ok);
  auto whole = rig.out->pull_sample(2s);
  ASSERT_TRUE(whole);
  EXPECT_EQ(bytes_of(whole->buffer), bytes);
  set_window(*rig.middle, {1, 1, 2, 0});
  ASSERT_EQ(rig.pusher->src().push(frame_buffer(bytes)), flow::ok);
  auto cropped = rig.out->pull_sample(2s);
  ASSERT_TRUE(cropped);
  EXPECT_EQ(info_of(*cropped).width(), 4);
  EXPECT_EQ(packed_rows(bytes_of(cropped->buffer), info_of(*cropped)), cut(bytes, 6, 4, 1, {1, 1, 2, 0}));
  set_window(*rig.middle, {3, 3, 0, 0});
  EXPECT_EQ(rig.pusher->src().push(frame_buffer(bytes)), flow::not_negotiated);
  const std::string e = wait_error(*rig.p);
  EXPECT_NE(e.find("3+3 columns"), std::string::npos) << e;
}

TEST(Crop, BadPropertyValuesAreRefusedWithTheRange) {
  auto e = test_runtime().registry().make("crop").value();
  for (const char* name : {"left", "right", "top", "bottom"}) {
    auto r = e->set_property_from_string(name, "-1");
    ASSERT_FALSE(r) << name;
    EXPECT_NE(r.error().message.find(name), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("[0, 2147483647]"), std::string::npos) << r.error().message;
  }
  EXPECT_FALSE(e->set_property_from_string("left", "ten"));
}

// ------------------------------------------------ elements that read a cropped frame
// testsrc's snow (grey noise, the same for the same frame size and number) is read
// whole by one pipeline and through crop ! <element> by another; the expected
// output is computed here from the window of the whole frame.

constexpr int frame_w = 40;
constexpr int frame_h = 30;
const window cut_window{3, 2, 1, 2};
constexpr int cut_w = frame_w - 3 - 2;
constexpr int cut_h = frame_h - 1 - 2;

std::string snow(std::string_view format) {
  return "testsrc pattern=snow num-buffers=1 width=" + std::to_string(frame_w) + " height=" + std::to_string(frame_h) +
         " ! video/x-raw,format=" + std::string(format) + ",width=" + std::to_string(frame_w) +
         ",height=" + std::to_string(frame_h);
}
const std::string crop_window = " ! crop left=3 right=2 top=1 bottom=2";

/// The one frame appsink `out` of `description` receives.
std::optional<sample> only_frame(const std::string& description) {
  auto p = build(description);
  if (!p) return std::nullopt;
  auto r = run_to_eos(*p);
  EXPECT_TRUE(r.eos) << (r.errors.empty() ? "" : r.errors[0]);
  if (r.samples.size() != 1) return std::nullopt;
  return std::move(r.samples[0]);
}

/// The window of the whole snow frame, packed.
std::vector<std::uint8_t> expected_window(std::string_view format, int bpp) {
  auto whole = only_frame(snow(format) + " ! appsink name=out sync=false");
  EXPECT_TRUE(whole);
  if (!whole) return {};
  return cut(bytes_of(whole->buffer), frame_w, frame_h, bpp, cut_window);
}

/// Greys decoded from a JPEG by TurboJPEG, called here directly.
std::vector<std::uint8_t> decode_gray(const std::uint8_t* jpeg, std::size_t size, int& w, int& h) {
  tjhandle t = tjInitDecompress();
  int subsamp = 0;
  int colorspace = 0;
  std::vector<std::uint8_t> out;
  if (tjDecompressHeader3(t, jpeg, static_cast<unsigned long>(size), &w, &h, &subsamp, &colorspace) == 0) {
    out.resize(static_cast<std::size_t>(w * h));
    if (tjDecompress2(t, jpeg, static_cast<unsigned long>(size), out.data(), w, w, h, TJPF_GRAY, 0) != 0) out.clear();
  }
  tjDestroy(t);
  return out;
}

/// Largest difference between two grey pictures of the same size.
int max_difference(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
  EXPECT_EQ(a.size(), b.size());
  int d = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) d = std::max(d, std::abs(int(a[i]) - int(b[i])));
  return d;
}

TEST(Crop, InvertReadsOnlyTheWindow) {
  auto want = expected_window("RGBA", 4);
  for (std::size_t i = 0; i < want.size(); ++i)
    if (i % 4 != 3) want[i] = static_cast<std::uint8_t>(255 - want[i]);
  auto s = only_frame(snow("RGBA") + crop_window + " ! invert ! appsink name=out sync=false");
  ASSERT_TRUE(s);
  EXPECT_EQ(packed_rows(bytes_of(s->buffer), info_of(*s)), want);
}

TEST(Crop, VideoconvertReadsTheRowsAtTheirStride) {
  const auto window_px = expected_window("RGBA", 4);
  std::vector<std::uint8_t> want;
  for (std::size_t i = 0; i + 3 < window_px.size(); i += 4)
    want.push_back(static_cast<std::uint8_t>(bt601(window_px[i], window_px[i + 1], window_px[i + 2])));
  for (const char* to : {"GRAY8", "RGB"}) {
    SCOPED_TRACE(to);
    auto s = only_frame(snow("RGBA") + crop_window + " ! videoconvert ! video/x-raw,format=" + to +
                        " ! appsink name=out sync=false");
    ASSERT_TRUE(s);
    EXPECT_TRUE(info_of(*s).is_packed());
    if (std::string_view(to) == "GRAY8") {
      EXPECT_EQ(bytes_of(s->buffer), want);
    } else {
      std::vector<std::uint8_t> rgb;
      for (std::size_t i = 0; i < window_px.size(); ++i)
        if (i % 4 != 3) rgb.push_back(window_px[i]);
      EXPECT_EQ(bytes_of(s->buffer), rgb);
    }
  }
}

TEST(Crop, VideoscaleReadsTheRowsAtTheirStride) {
  // Nearest, twice as large: output (x, y) is window pixel (x / 2, y / 2).
  const auto window_px = expected_window("RGB", 3);
  std::vector<std::uint8_t> want;
  for (int y = 0; y < 2 * cut_h; ++y)
    for (int x = 0; x < 2 * cut_w; ++x)
      for (int i = 0; i < 3; ++i) want.push_back(window_px[static_cast<std::size_t>(((y / 2) * cut_w + x / 2) * 3 + i)]);
  auto s = only_frame(snow("RGB") + crop_window + " ! videoscale method=nearest-neighbour ! video/x-raw,width=" +
                      std::to_string(2 * cut_w) + ",height=" + std::to_string(2 * cut_h) +
                      " ! appsink name=out sync=false");
  ASSERT_TRUE(s);
  EXPECT_TRUE(info_of(*s).is_packed());
  EXPECT_EQ(bytes_of(s->buffer), want);
}

TEST(Crop, JpegencEncodesTheWindow) {
  const auto want = expected_window("GRAY8", 1);
  auto s = only_frame(snow("GRAY8") + crop_window + " ! jpegenc quality=100 ! appsink name=out sync=false");
  ASSERT_TRUE(s);
  const auto jpeg = bytes_of(s->buffer);
  int w = 0;
  int h = 0;
  const auto grey = decode_gray(jpeg.data(), jpeg.size(), w, h);
  EXPECT_EQ(w, cut_w);
  EXPECT_EQ(h, cut_h);
  EXPECT_LE(max_difference(grey, want), 4);  // quality 100 on grey: rounding only
}

TEST(Crop, WebsinkEncodesTheWindow) {
  const auto want = expected_window("GRAY8", 1);
  auto p = build(snow("GRAY8") + crop_window + " ! websink name=out quality=100 sync=false");
  ASSERT_TRUE(p);
  EXPECT_TRUE(play_to_eos(*p).eos);
  auto* sink = dynamic_cast<websink*>(p->find("out"));
  ASSERT_NE(sink, nullptr);
  const auto frame = sink->last_frame();  // the preroll frame is always encoded
  p->set_state(state::null_state);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->width, cut_w);
  EXPECT_EQ(frame->height, cut_h);
  int w = 0;
  int h = 0;
  const auto grey = decode_gray(reinterpret_cast<const std::uint8_t*>(frame->data.get()), frame->size, w, h);
  EXPECT_EQ(w, cut_w);
  EXPECT_EQ(h, cut_h);
  EXPECT_LE(max_difference(grey, want), 4);
}

TEST(Crop, TwoCropsInARowMakeOneWindowOnTheFirstFrame) {
  auto whole = only_frame(snow("RGBA") + " ! appsink name=out sync=false");
  ASSERT_TRUE(whole);
  const auto want = cut(bytes_of(whole->buffer), frame_w, frame_h, 4, {3 + 2, 2, 1, 2});
  const auto before = memory_counters_snapshot();
  auto s = only_frame(snow("RGBA") + " ! crop left=3 top=1 ! crop left=2 right=2 bottom=2 ! appsink name=out sync=false");
  const auto after = memory_counters_snapshot();
  ASSERT_TRUE(s);
  const video_info info = info_of(*s);
  EXPECT_EQ(info.width(), frame_w - 7);
  EXPECT_EQ(info.height(), frame_h - 3);
  EXPECT_EQ(info.stride(), static_cast<std::size_t>(frame_w * 4));  // still the source's rows
  EXPECT_EQ(packed_rows(bytes_of(s->buffer), info), want);
  EXPECT_EQ(after.copies, before.copies);
}

TEST(Crop, FilesinkWritesTheWindowsRowsPacked) {
  const auto want = expected_window("RGBA", 4);
  file_test::temp_dir dir;
  const auto path = dir / "window.rgba";
  auto p = build(snow("RGBA") + crop_window + " ! filesink location=" + file_test::quoted(path));
  ASSERT_TRUE(p);
  EXPECT_TRUE(play_to_eos(*p).eos);
  p->set_state(state::null_state);
  const auto written = file_test::read_file(path);
  ASSERT_EQ(written.size(), want.size());
  EXPECT_EQ(0, std::memcmp(written.data(), want.data(), want.size()));
}

}  // namespace crop_test
}  // namespace tessera::core
