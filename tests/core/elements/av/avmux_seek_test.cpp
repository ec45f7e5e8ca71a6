// A recording whose source is sought (a flushing seek while PLAYING): the muxer goes on
// with the frames that come after the seek, in running time as GstAggregator's muxers
// (mp4mux, matroskamux) do, so the file's timestamps keep increasing and its duration
// is the time recorded. Read back with libavformat, as ffprobe does.
#include "tests/core/elements/av/avsrc_test_support.hpp"
#include "tests/core/elements/video/video_test_support.hpp"

extern "C" {
#include <libavformat/avformat.h>
}

#include <cstdio>
#include <thread>

namespace tessera::core {
namespace avmux_seek_test {

using namespace avsrc_test;
using namespace std::chrono_literals;

struct recording {
  std::string error;
  int frames = 0;
  double duration_s = 0;
  bool dts_increasing = true;
  std::int64_t first_dts = 0;
  double last_end_s = 0;  // the last packet's pts + duration
};

recording read_back(const fs::path& path) {
  recording r;
  AVFormatContext* fc = nullptr;
  if (avformat_open_input(&fc, path.c_str(), nullptr, nullptr) < 0) {
    r.error = "cannot open " + path.string();
    return r;
  }
  avformat_find_stream_info(fc, nullptr);
  if (fc->duration > 0) r.duration_s = static_cast<double>(fc->duration) / AV_TIME_BASE;
  const AVRational tb = fc->streams[0]->time_base;
  AVPacket* pkt = av_packet_alloc();
  std::int64_t last_dts = AV_NOPTS_VALUE;
  while (av_read_frame(fc, pkt) >= 0) {
    if (r.frames == 0) r.first_dts = pkt->dts;
    if (last_dts != AV_NOPTS_VALUE && pkt->dts <= last_dts) r.dts_increasing = false;
    last_dts = pkt->dts;
    r.last_end_s = std::max(r.last_end_s, static_cast<double>(pkt->pts + pkt->duration) * av_q2d(tb));
    ++r.frames;
    av_packet_unref(pkt);
  }
  av_packet_free(&pkt);
  avformat_close_input(&fc);
  return r;
}

struct seek_case {
  const char* format;
  clock_time to;         // where the seek goes, 1 s into the recording
  int frames_after;      // frames of the clip from there to its end
};

/// ffprobe's own reading: "nb_read_frames=N" and "duration=S" lines, and any error it
/// prints (decoding every frame, -count_frames).
std::string ffprobe(const fs::path& path) {
  const std::string cmd = "ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames "
                          "-show_entries format=duration -of default=nw=1 \"" + path.string() + "\" 2>&1";
  std::string out;
  if (FILE* f = ::popen(cmd.c_str(), "r")) {
    char buf[256];
    while (std::fgets(buf, sizeof buf, f)) out += buf;
    ::pclose(f);
  }
  return out;
}

class AvmuxAfterSeek : public ::testing::TestWithParam<seek_case> {};

TEST_P(AvmuxAfterSeek, RecordingGoesOnInRunningTime) {
  if (!have_ffmpeg()) GTEST_SKIP() << "no ffmpeg CLI";
  temp_dir dir;
  // 4 s at 25 fps, a key frame every second; played at its own pace (is-live).
  const fs::path clip = make_clip(dir, "in.mp4", "-c:v libx264 -g 25 -pix_fmt yuv420p", "160x120", 4);
  const std::string format = GetParam().format;
  const fs::path out = dir / ("rec." + std::string(format == "mp4" ? "mp4" : "mkv"));
  auto p = video_test::build("avsrc is-live=true location=" + quoted(clip) +
                             " ! avenc codec=h264 tune=zerolatency speed=ultrafast name=enc ! avmux format=" +
                             format + " ! filesink location=" + quoted(out));
  ASSERT_TRUE(p);
  p->set_state(state::playing);
  std::this_thread::sleep_for(1s);
  seek_request r;
  r.start = GetParam().to;
  r.flags = seek_flags::flush | seek_flags::key_unit;
  ASSERT_TRUE(p->seek(r));
  const auto end = wait_for_end(*p, 30s);
  p->set_state(state::null_state);
  ASSERT_TRUE(end);
  ASSERT_EQ(end->type, message_type::eos) << end->get_string("message").value_or("");
  const recording rec = read_back(out);
  ASSERT_EQ(rec.error, "");
  EXPECT_TRUE(rec.dts_increasing);
  // About 1 s before the seek (25 frames, give or take the machine's pace), then the
  // frames from the seek to the end; the timeline is continuous: duration = frames x
  // 40 ms. Before, a seek forward left a gap (3 s recorded, 4 s long) and one back
  // ended the recording with libavformat's "non monotonically increasing dts".
  EXPECT_GE(rec.frames, GetParam().frames_after + 5);
  EXPECT_LE(rec.frames, GetParam().frames_after + 45);
  EXPECT_NEAR(rec.last_end_s, rec.frames * 0.04, 0.041);
  EXPECT_NEAR(rec.duration_s, rec.frames * 0.04, 0.081);
  // And the CLI: every frame decodes, no complaint, the same count.
  const std::string probed = ffprobe(out);
  EXPECT_NE(probed.find("nb_read_frames=" + std::to_string(rec.frames) + "\n"), std::string::npos) << probed;
  EXPECT_EQ(probed.find("rror"), std::string::npos) << probed;
}

INSTANTIATE_TEST_SUITE_P(Containers, AvmuxAfterSeek,
                         ::testing::Values(seek_case{"mp4", 2'000'000'000, 50}, seek_case{"matroska", 2'000'000'000, 50},
                                           seek_case{"mp4", 0, 100}, seek_case{"matroska", 0, 100}),
                         [](const auto& info) {
                           return std::string(info.param.format) + (info.param.to > 0 ? "Forward" : "Back");
                         });

}  // namespace avmux_seek_test
}  // namespace tessera::core
