// Decoded frames whose rows FFmpeg pads (linesize rounded up past the width: 854
// pixels get 896-byte Y rows and 448-byte chroma rows) through the elements that read
// raw frames: the padding must never be taken for pixels. Checked against what
// `ffmpeg -f rawvideo` makes of the same clip.
#include "tests/core/elements/av/avsrc_test_support.hpp"
#include "tests/core/elements/video/video_test_support.hpp"

#include "core/memory/counters.hpp"

#include <algorithm>
#include <cstdlib>

namespace tessera::core {
namespace avsrc_padded_rows_test {

using namespace avsrc_test;

// Not a multiple of 32 or 64: every decoder pads these rows.
constexpr const char* odd_size = "854x480";
constexpr std::size_t frames_in_clip = 25;

struct decoded {
  std::vector<std::uint8_t> bytes;  // every frame, packed, one after the other
  std::size_t frames = 0;
  std::string caps;                 // of the first frame
  std::string error;
};

/// `avsrc location=clip ! <middle> ! appsink caps=<sink_caps>` to its end.
decoded run(const fs::path& clip, const std::string& middle, const std::string& sink_caps) {
  decoded out;
  auto p = video_test::build("avsrc location=" + quoted(clip) + " ! " + middle + " ! appsink name=out sync=false caps=\"" +
                             sink_caps + "\"");
  if (!p) return out;
  const auto r = video_test::run_to_eos(*p, "out", std::chrono::seconds(60));
  if (!r.errors.empty()) out.error = r.errors.front();
  for (const sample& s : r.samples) {
    // The rows as the caps place them, without any padding they declare.
    const auto bytes = video_test::bytes_of(s.buffer);
    const video_info info = video_test::info_of(s);
    EXPECT_GE(bytes.size(), info.size()) << s.caps.to_string();
    if (bytes.size() < info.size()) break;
    for (std::size_t i = 0; i < info.plane_count(); ++i) {
      const video_plane p = info.plane(i);
      for (std::size_t y = 0; y < p.rows; ++y) {
        const auto row = bytes.begin() + static_cast<std::ptrdiff_t>(p.offset + y * p.stride);
        out.bytes.insert(out.bytes.end(), row, row + static_cast<std::ptrdiff_t>(p.row_bytes));
      }
    }
    ++out.frames;
  }
  if (!r.samples.empty()) out.caps = r.samples.front().caps.to_string();
  return out;
}

/// The largest difference between two byte strings of one size, and where.
std::pair<int, std::size_t> worst_difference(const std::vector<std::uint8_t>& a, const std::vector<std::byte>& b) {
  int worst = 0;
  std::size_t at = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    const int d = std::abs(int(a[i]) - int(std::to_integer<std::uint8_t>(b[i])));
    if (d > worst) worst = d, at = i;
  }
  return {worst, at};
}

class AvsrcPaddedRows : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_ffmpeg()) GTEST_SKIP() << "no ffmpeg CLI";
    clip_ = make_clip(dir_, "odd.mp4", "-c:v libx264 -g 30 -pix_fmt yuv420p", odd_size, 1);
  }
  temp_dir dir_;
  fs::path clip_;
};

// swscale's yuv2rgb tables land up to 3 away from our 16-bit BT.601 (as in
// videoconvert_yuv_test); reading the padding as pixels shifts every row after the
// first and differs by far more.
TEST_F(AvsrcPaddedRows, VideoconvertToRgbaEqualsFfmpegsWithinRounding) {
  const auto reference = ffmpeg_raw(dir_, clip_, "rgba");
  const auto got = run(clip_, "videoconvert", "video/x-raw,format=RGBA");
  ASSERT_EQ(got.error, "");
  ASSERT_EQ(got.frames, frames_in_clip);
  ASSERT_EQ(got.bytes.size(), reference.size()) << got.caps;
  const auto [worst, at] = worst_difference(got.bytes, reference);
  EXPECT_LE(worst, 3) << "byte " << at << " (frame " << at / (854 * 480 * 4) << ")";
}

TEST_F(AvsrcPaddedRows, VideoconvertToNv12AndGray8EqualFfmpegs) {
  // I420 to NV12 only moves bytes: exact. GRAY8 is the full-range grey of Y, as
  // swscale's gray conversion (within its rounding).
  const auto nv12 = run(clip_, "videoconvert", "video/x-raw,format=NV12");
  ASSERT_EQ(nv12.error, "");
  const auto nv12_ref = ffmpeg_raw(dir_, clip_, "nv12");
  ASSERT_EQ(nv12.bytes.size(), nv12_ref.size()) << nv12.caps;
  EXPECT_EQ(worst_difference(nv12.bytes, nv12_ref).first, 0);
  const auto gray = run(clip_, "videoconvert", "video/x-raw,format=GRAY8");
  ASSERT_EQ(gray.error, "");
  const auto gray_ref = ffmpeg_raw(dir_, clip_, "gray");
  ASSERT_EQ(gray.bytes.size(), gray_ref.size()) << gray.caps;
  EXPECT_LE(worst_difference(gray.bytes, gray_ref).first, 2);
}

TEST_F(AvsrcPaddedRows, VideoconvertRepacksI420ForPackedRowsExactly) {
  // Through RGB and back would round; straight to a sink that takes only packed I420
  // (the strides of the caps the test's capsfilter fixes) videoconvert copies the
  // planes' rows without their padding.
  const auto got = run(clip_, "videoconvert ! video/x-raw,format=I420,stride=854,chroma-stride=427", "video/x-raw");
  ASSERT_EQ(got.error, "");
  ASSERT_EQ(got.frames, frames_in_clip);
  const auto reference = ffmpeg_raw(dir_, clip_, "yuv420p");
  ASSERT_EQ(got.bytes.size(), reference.size()) << got.caps;
  EXPECT_EQ(worst_difference(got.bytes, reference).first, 0);
}

TEST_F(AvsrcPaddedRows, FilesinkWritesThePlanesWithoutTheirPadding) {
  const fs::path out = dir_ / "out.yuv";
  auto p = video_test::build("avsrc location=" + quoted(clip_) + " ! filesink location=" + quoted(out));
  ASSERT_TRUE(p);
  const auto o = video_test::play_to_eos(*p, std::chrono::seconds(60));
  p->set_state(state::null_state);
  ASSERT_TRUE(o.eos) << (o.errors.empty() ? "" : o.errors.front());
  const auto written = read_file(out);
  const auto reference = ffmpeg_raw(dir_, clip_, "yuv420p");
  ASSERT_EQ(written.size(), reference.size());
  EXPECT_TRUE(written == reference);
}

TEST_F(AvsrcPaddedRows, AvsrcsOwnConversionForAnRgbOnlyElementIsWhole) {
  // invert takes RGB formats only: avsrc converts with swscale into padded rows (its
  // SIMD leaves the last partial group of 8 pixels of a tight row unwritten: columns
  // 848..853 came out black). Inverted twice, the frames are ffmpeg's.
  const auto reference = ffmpeg_raw(dir_, clip_, "rgba");
  const auto got = run(clip_, "invert ! invert ! videoconvert", "video/x-raw,format=RGBA");
  ASSERT_EQ(got.error, "");
  ASSERT_EQ(got.bytes.size(), reference.size()) << got.caps;
  EXPECT_LE(worst_difference(got.bytes, reference).first, 3);
}

TEST_F(AvsrcPaddedRows, AvencEncodesTheDecodersPlanesWhereTheyLie) {
  // One memory per padded plane goes to libx264 as three plane pointers with their
  // strides: no frame is merged into a copy (before: 75 copies, 16 MB for 25 frames).
  auto p = video_test::build("avsrc location=" + quoted(clip_) + " ! avenc codec=h264 speed=ultrafast ! fakesink");
  ASSERT_TRUE(p);
  const auto copied_before = memory_counters_snapshot().copied_bytes;
  const auto o = video_test::play_to_eos(*p, std::chrono::seconds(60));
  p->set_state(state::null_state);
  ASSERT_TRUE(o.eos) << (o.errors.empty() ? "" : o.errors.front());
  EXPECT_EQ(memory_counters_snapshot().copied_bytes, copied_before);
}

}  // namespace avsrc_padded_rows_test
}  // namespace tessera::core
