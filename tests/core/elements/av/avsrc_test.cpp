#include "tests/core/elements/av/avsrc_test_support.hpp"

#include "core/memory/counters.hpp"
#include "tests/core/support/test_helpers.hpp"

#include <gtest/gtest.h>

namespace tessera::core {
namespace avsrc_test {

using namespace avsrc_test;
using namespace std::chrono_literals;

struct clip_case {
  const char* name;
  const char* file;
  const char* codec_args;
  const char* pix_fmt;  // what the decoder gives, for ffmpeg's reference
  const char* size;
};

class AvsrcDecode : public ::testing::TestWithParam<clip_case> {};

// Every frame, in order, with pts k/25 s and the pixels ffmpeg itself decodes, taken
// from the decoder's buffers without a copy.
TEST_P(AvsrcDecode, FramesEqualFfmpegsOwnDecodeWithoutACopy) {
  if (!have_ffmpeg()) GTEST_SKIP() << "no ffmpeg CLI";
  const clip_case& c = GetParam();
  temp_dir dir;
  const fs::path clip = make_clip(dir, c.file, c.codec_args, c.size);
  const auto reference = ffmpeg_raw(dir, clip, c.pix_fmt);
  auto p = harness_pipeline("avsrc location=" + quoted(clip) + " ! harnesssink");
  ASSERT_TRUE(p);
  const auto copied_before = memory_counters_snapshot().copied_bytes;
  auto end = play(*p);
  ASSERT_TRUE(end);
  ASSERT_EQ(end->type, message_type::eos) << end->get_string("message").value_or("");
  const auto frames = decoded_frames(*p);
  ASSERT_EQ(frames.size(), 75u);
  ASSERT_FALSE(frames[0].bytes.empty());
  const std::size_t frame_bytes = frames[0].bytes.size();
  ASSERT_EQ(reference.size(), frame_bytes * 75) << frames[0].caps;
  for (std::size_t k = 0; k < frames.size(); ++k) {
    EXPECT_EQ(frames[k].pts, frame_pts(static_cast<std::int64_t>(k))) << "frame " << k;
    EXPECT_EQ(frames[k].duration, frame_pts(1)) << "frame " << k;
    EXPECT_TRUE(frames[k].zero_copy) << "frame " << k;
    const bool same = std::equal(frames[k].bytes.begin(), frames[k].bytes.end(),
                                 reference.begin() + static_cast<std::ptrdiff_t>(k * frame_bytes));
    EXPECT_TRUE(same) << "frame " << k << " differs from ffmpeg's";
    if (!same) break;
  }
  EXPECT_TRUE(frames[0].discont);
  const std::string size(c.size);
  const std::string want = "format=I420,width=" + size.substr(0, size.find('x')) + ",height=" +
                           size.substr(size.find('x') + 1) + ",framerate=25/1";
  EXPECT_NE(frames[0].caps.find(want), std::string::npos)
      << frames[0].caps;
  EXPECT_EQ(memory_counters_snapshot().copied_bytes, copied_before) << "decoder to sink copied bytes";
}

INSTANTIATE_TEST_SUITE_P(
    Clips, AvsrcDecode,
    ::testing::Values(clip_case{"H264Mp4", "a.mp4", "-c:v libx264 -g 30 -pix_fmt yuv420p", "yuv420p", "320x240"},
                      clip_case{"Vp9Webm", "a.webm", "-c:v libvpx-vp9 -g 30 -deadline realtime -cpu-used 8", "yuv420p",
                                "320x240"},
                      clip_case{"H264MpegTs", "a.ts", "-c:v libx264 -g 30 -pix_fmt yuv420p -f mpegts", "yuv420p",
                                "320x240"},
                      clip_case{"Mjpeg", "a.avi", "-c:v mjpeg -q:v 3", "yuvj420p", "320x240"},
                      clip_case{"H264TightRows", "b.mp4", "-c:v libx264 -g 30 -pix_fmt yuv420p", "yuv420p", "640x360"}),
    [](const auto& info) { return std::string(info.param.name); });

// 25 fps, a keyframe every 30 frames: 0, 1.2 s, 2.4 s. A seek to 2 s lands on frame 50
// (accurate: decoded from the keyframe at 1.2 s, frames before 2 s dropped) or on the
// keyframe before it (key-unit, the segment then starts there).
TEST(Avsrc, SeekLandsOnTheFrameAtThePositionOrOnTheKeyframeBefore) {
  if (!have_ffmpeg()) GTEST_SKIP() << "no ffmpeg CLI";
  temp_dir dir;
  for (const char* file : {"s.mp4", "s.ts"}) {
    const fs::path clip = make_clip(dir, file, std::string("-c:v libx264 -g 30 -keyint_min 30 -sc_threshold 0 -pix_fmt yuv420p") +
                                                   (std::string(file) == "s.ts" ? " -f mpegts" : ""), "320x240", 4);
    const auto reference = ffmpeg_raw(dir, clip, "yuv420p");
    const std::size_t frame_bytes = 320 * 240 * 3 / 2;
    for (const bool key_unit : {false, true}) {
      auto p = harness_pipeline("avsrc location=" + quoted(clip) + " ! harnesssink");
      ASSERT_TRUE(p);
      p->set_state(state::paused);
      ASSERT_EQ(p->wait_state(10s), state::paused);
      seek_request r;
      r.start = 2'000'000'000;
      r.flags = seek_flags::flush | (key_unit ? seek_flags::key_unit : seek_flags::accurate);
      ASSERT_TRUE(p->seek(r));
      ASSERT_EQ(p->wait_state(10s), state::paused);
      auto end = play(*p);
      ASSERT_TRUE(end && end->type == message_type::eos) << file;
      const auto frames = decoded_frames(*p);
      // The flush drops the prerolled frame 0: the frames from the landing one to the end.
      const std::size_t first = key_unit ? 30 : 50;
      std::string all;
      for (const auto& f : frames) all += std::to_string(f.pts / 1'000'000) + " ";
      ASSERT_EQ(frames.size(), 100 - first) << file << (key_unit ? " key-unit" : " accurate") << ": " << all;
      EXPECT_EQ(frames[0].pts, frame_pts(static_cast<std::int64_t>(first))) << file;
      EXPECT_TRUE(frames[0].discont);
      EXPECT_TRUE(std::equal(frames[0].bytes.begin(), frames[0].bytes.end(),
                             reference.begin() + static_cast<std::ptrdiff_t>(first * frame_bytes)))
          << file << ": the first frame after the seek is not frame " << first;
    }
  }
}

TEST(Avsrc, DurationIsTheFilesOnceOpen) {
  if (!have_ffmpeg()) GTEST_SKIP() << "no ffmpeg CLI";
  temp_dir dir;
  const fs::path clip = make_clip(dir, "d.mp4", "-c:v libx264", "160x120", 4);
  auto p = harness_pipeline("avsrc location=" + quoted(clip) + " ! harnesssink");
  ASSERT_TRUE(p);
  p->set_state(state::paused);
  ASSERT_EQ(p->wait_state(10s), state::paused);
  EXPECT_EQ(p->duration(), 4'000'000'000);
  p->set_state(state::null_state);
}

TEST(Avsrc, LoopStartsAgainWithTimestampsGoingOn) {
  if (!have_ffmpeg()) GTEST_SKIP() << "no ffmpeg CLI";
  temp_dir dir;
  const fs::path clip = make_clip(dir, "l.mp4", "-c:v libx264", "160x120", 1);
  auto p = harness_pipeline("avsrc location=" + quoted(clip) + " loop=true ! harnesssink");
  ASSERT_TRUE(p);
  p->set_state(state::playing);
  ASSERT_TRUE(test::eventually([&] { return sink(*p)->count() >= 60; }));
  p->set_state(state::null_state);
  const auto frames = decoded_frames(*p);
  for (std::size_t k = 0; k < 60; ++k) EXPECT_EQ(frames[k].pts, frame_pts(static_cast<std::int64_t>(k))) << k;
  EXPECT_EQ(frames[25].bytes, frames[0].bytes) << "the second round starts with the first frame";
  EXPECT_TRUE(frames[25].discont);
}

TEST(Avsrc, AudioIsInterleavedFloatEqualToFfmpegs) {
  if (!have_ffmpeg()) GTEST_SKIP() << "no ffmpeg CLI";
  temp_dir dir;
  const fs::path clip = dir / "a.m4a";
  ASSERT_TRUE(ffmpeg("-f lavfi -i sine=frequency=440:sample_rate=48000 -ac 2 -t 1 -c:a aac \"" + clip.string() + "\""));
  ASSERT_TRUE(ffmpeg("-i \"" + clip.string() + "\" -f f32le \"" + (dir / "a.f32").string() + "\""));
  const auto reference = read_file(dir / "a.f32");
  auto p = harness_pipeline("avsrc location=" + quoted(clip) + " media=audio ! harnesssink");
  ASSERT_TRUE(p);
  auto end = play(*p);
  ASSERT_TRUE(end && end->type == message_type::eos) << end->get_string("message").value_or("");
  std::vector<std::byte> got;
  for (const auto& f : decoded_frames(*p)) got.insert(got.end(), f.bytes.begin(), f.bytes.end());
  EXPECT_EQ(decoded_frames(*p)[0].caps, "audio/x-raw,format=F32LE,rate=48000,channels=2,layout=interleaved");
  EXPECT_EQ(got, reference);
}

// --- bad input: a clear bus error naming the problem, nothing hangs ---

std::string error_of(const std::string& desc, pipeline_limits limits = {}) {
  auto p = harness_pipeline(desc, std::move(limits));
  if (!p) return "did not build";
  p->set_state(state::playing);
  auto m = wait_for_error(*p, 20s);
  p->set_state(state::null_state);
  return m ? m->get_string("message").value_or("") : "no error";
}

TEST(AvsrcBadInput, MissingFile) {
  temp_dir dir;
  const std::string msg = error_of("avsrc location=" + quoted(dir / "none.mp4") + " ! harnesssink");
  EXPECT_NE(msg.find("none.mp4"), std::string::npos) << msg;
  EXPECT_NE(msg.find("No such file"), std::string::npos) << msg;
}

TEST(AvsrcBadInput, TruncatedMp4) {
  if (!have_ffmpeg()) GTEST_SKIP() << "no ffmpeg CLI";
  temp_dir dir;
  const fs::path clip = make_clip(dir, "t.mp4", "-c:v libx264", "160x120", 2);
  auto bytes = read_file(clip);
  bytes.resize(bytes.size() / 2);
  write_file(clip, bytes);
  const std::string msg = error_of("avsrc location=" + quoted(clip) + " ! harnesssink");
  EXPECT_NE(msg.find("t.mp4"), std::string::npos) << msg;
  EXPECT_NE(msg.find("moov atom not found"), std::string::npos) << msg;
}

TEST(AvsrcBadInput, CorruptH264) {
  if (!have_ffmpeg()) GTEST_SKIP() << "no ffmpeg CLI";
  temp_dir dir;
  const fs::path clip = make_clip(dir, "c.h264", "-c:v libx264 -f h264", "160x120", 2);
  auto bytes = read_file(clip);
  // Keep the stream's first bytes (start code, SPS) so it probes as H.264; garble the rest.
  for (std::size_t i = 64; i < bytes.size(); ++i) bytes[i] = static_cast<std::byte>((i * 131 + 17) % 253);
  write_file(clip, bytes);
  const std::string msg = error_of("avsrc location=" + quoted(clip) + " ! harnesssink");
  EXPECT_NE(msg.find("c.h264"), std::string::npos) << msg;
  EXPECT_TRUE(msg.find("corrupt") != std::string::npos || msg.find("Invalid data") != std::string::npos) << msg;
}

TEST(AvsrcBadInput, LocationOutsideTheMediaRootIsRefused) {
  temp_dir root;
  pipeline_limits l;
  l.media_root = root.path();
  auto p = build_pipeline("avsrc location=../etc/hostname ! harnesssink", test::harness_registry(), "test", l);
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("outside the media root"), std::string::npos) << p.error().message;
}

TEST(AvsrcBadInput, UriNotAllowedIsRefused) {
  pipeline_limits l;
  l.allowed_uri_prefixes = {"rtsp://cam1"};
  for (const char* uri : {"http://169.254.169.254/latest", "rtsp://cam1.evil.example/x", "rtsp://cam1@evil.example/"}) {
    auto p = build_pipeline(std::string("avsrc uri=\"") + uri + "\" ! harnesssink", test::harness_registry(), "test", l);
    ASSERT_FALSE(p) << uri;
    EXPECT_NE(p.error().message.find("--allow-uri"), std::string::npos) << p.error().message;
  }
  auto ok = build_pipeline("avsrc uri=rtsp://cam1:8554/x ! harnesssink", test::harness_registry(), "test", l);
  EXPECT_TRUE(ok) << ok.error().message;
  auto dev = build_pipeline("avsrc device=/dev/video0 ! harnesssink", test::harness_registry(), "test", l);
  ASSERT_FALSE(dev);
  EXPECT_NE(dev.error().message.find("--allow-device"), std::string::npos) << dev.error().message;
}

}  // namespace avsrc_test
}  // namespace tessera::core
