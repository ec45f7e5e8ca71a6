// avenc and avmux: what the encoders give (caps, key frames, timestamps), the
// force-key-unit event, and recordings read back with libavformat (the same
// library ffprobe uses; tests/integration/recordings.py checks them with the CLI).
#include "core/elements/av/avenc.hpp"
#include "core/elements/av/avenc_h264.hpp"

#include "tests/core/elements/video/video_test_support.hpp"

#include "tests/core/support/test_runtime.hpp"

#include <gtest/gtest.h>

extern "C" {
#include <libavformat/avformat.h>
}

#include <filesystem>
#include <set>

namespace tessera::core {
namespace avenc_test {

using namespace video_test;

bool is_key(const sample& s) { return !has_any(s.buffer.flags, buffer_flags::delta_unit); }

TEST(H264Bitstream, SplitsAnnexBAndBuildsAvcc) {
  const std::vector<std::uint8_t> stream = {0, 0, 0, 1, 0x67, 0x64, 0x00, 0x1f, 0xac, 0, 0, 1, 0x68, 0xee,
                                            0x3c, 0,    0,    0,    1,    0x65, 0x88, 0x84, 0};
  const auto nals = h264::split_annexb(stream);
  ASSERT_EQ(nals.size(), 3u);
  EXPECT_EQ(h264::nal_type(nals[0]), 7);
  EXPECT_EQ(nals[0].size(), 5u);
  EXPECT_EQ(h264::nal_type(nals[1]), 8);
  EXPECT_EQ(nals[1].size(), 3u);
  EXPECT_EQ(h264::nal_type(nals[2]), 5);
  EXPECT_EQ(nals[2].size(), 3u);  // the trailing zero byte is no part of it
  const auto avcc = h264::avcc_from_annexb(stream).value();
  EXPECT_EQ(avcc, (std::vector<std::uint8_t>{1, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0, 5, 0x67, 0x64, 0x00, 0x1f, 0xac, 1,
                                             0, 3, 0x68, 0xee, 0x3c}));
  EXPECT_EQ(h264::codec_string(avcc).value(), "avc1.64001f");
  EXPECT_EQ(h264::annexb_to_avc(stream),
            (std::vector<std::uint8_t>{0, 0, 0, 5, 0x67, 0x64, 0x00, 0x1f, 0xac, 0, 0, 0, 3, 0x68, 0xee, 0x3c, 0, 0, 0,
                                       3, 0x65, 0x88, 0x84}));
  EXPECT_EQ(h264::from_hex(h264::to_hex(avcc)).value(), avcc);
  EXPECT_EQ(h264::from_hex("01zz").error().message, "hex data has a bad character at 2");
  EXPECT_FALSE(h264::avcc_from_annexb(std::vector<std::uint8_t>{0, 0, 1, 0x65, 1}));
}

TEST(Avenc, H264AvcCarriesCodecDataAndMarksDeltaUnits) {
  auto p = build("testsrc num-buffers=30 width=160 height=120 ! videoconvert ! "
                 "avenc codec=h264 key-int-max=10 speed=ultrafast ! appsink name=out sync=false");
  ASSERT_TRUE(p);
  auto r = run_to_eos(*p, "out", 60s);
  EXPECT_TRUE(r.eos);
  EXPECT_TRUE(r.errors.empty()) << r.errors.front();
  ASSERT_EQ(r.samples.size(), 30u);  // EOS drained what the lookahead held
  const structure& s = *r.samples[0].caps.structure_at(0);
  EXPECT_EQ(s.name(), "video/x-h264");
  EXPECT_EQ(s.get_string("stream-format"), "avc");
  EXPECT_EQ(s.get_string("alignment"), "au");
  EXPECT_EQ(s.get_int("width"), 160);
  const auto codec_data = h264::from_hex(s.get_string("codec_data").value()).value();
  EXPECT_TRUE(h264::codec_string(codec_data));
  std::set<std::int64_t> pts;
  int keys = 0;
  for (const sample& x : r.samples) {
    pts.insert(x.buffer.pts);
    if (is_key(x)) ++keys;
    // Length-prefixed NAL units: the first 4 bytes are a length within the buffer.
    const auto bytes = bytes_of(x.buffer);
    ASSERT_GE(bytes.size(), 5u);
    const std::uint32_t len = bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3];
    EXPECT_LE(len + 4, bytes.size());
  }
  EXPECT_TRUE(is_key(r.samples[0]));
  EXPECT_EQ(keys, 3);  // frames 0, 10, 20
  EXPECT_EQ(pts.size(), 30u);
  EXPECT_EQ(*pts.begin(), 0);
  EXPECT_NEAR(static_cast<double>(*pts.rbegin()), 29 * 1e9 / 30, 1e3);
}

TEST(Avenc, H264ByteStreamWhenDownstreamAsks) {
  auto p = build("testsrc num-buffers=3 width=64 height=64 ! videoconvert ! avenc codec=h264 ! "
                 "video/x-h264,stream-format=byte-stream ! appsink name=out sync=false");
  ASSERT_TRUE(p);
  auto r = run_to_eos(*p, "out", 60s);
  ASSERT_EQ(r.samples.size(), 3u);
  EXPECT_FALSE(r.samples[0].caps.structure_at(0)->has_field("codec_data"));
  const auto bytes = bytes_of(r.samples[0].buffer);
  ASSERT_GE(bytes.size(), 4u);
  EXPECT_EQ(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + 3), (std::vector<std::uint8_t>{0, 0, 0}));
  bool sps = false;
  for (auto nal : h264::split_annexb(bytes)) sps = sps || h264::nal_type(nal) == 7;
  EXPECT_TRUE(sps);  // in-band headers before the key frame
}

struct codec_case {
  const char* codec;
  const char* media_type;
};

class AvencCodecs : public ::testing::TestWithParam<codec_case> {};

TEST_P(AvencCodecs, EncodesEveryFrame) {
  auto p = build(std::string("testsrc num-buffers=5 width=64 height=48 ! videoconvert ! avenc speed=ultrafast codec=") +
                 GetParam().codec + " ! appsink name=out sync=false");
  ASSERT_TRUE(p);
  auto r = run_to_eos(*p, "out", 60s);
  EXPECT_TRUE(r.errors.empty()) << r.errors.front();
  ASSERT_EQ(r.samples.size(), 5u);
  EXPECT_EQ(r.samples[0].caps.structure_at(0)->name(), GetParam().media_type);
  EXPECT_TRUE(is_key(r.samples[0]));
  if (std::string(GetParam().codec) == "mjpeg") {
    const auto b = bytes_of(r.samples[1].buffer);
    EXPECT_EQ(b[0], 0xff);
    EXPECT_EQ(b[1], 0xd8);
    EXPECT_TRUE(is_key(r.samples[1]));  // every JPEG stands alone
  } else {
    EXPECT_FALSE(is_key(r.samples[1]));
  }
}

INSTANTIATE_TEST_SUITE_P(All, AvencCodecs,
                         ::testing::Values(codec_case{"vp8", "video/x-vp8"}, codec_case{"vp9", "video/x-vp9"},
                                           codec_case{"mjpeg", "image/jpeg"}));

TEST(Avenc, RefusesRawVideoItCannotEncode) {
  // avenc takes I420 (and NV12 for H.264) only: RGB is refused when linking.
  auto p = build_pipeline("testsrc num-buffers=1 ! video/x-raw,format=RGB ! avenc codec=vp8 ! fakesink",
                          test_runtime().registry(), "t");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("I420"), std::string::npos) << p.error().message;
}

TEST(Avenc, Nv12GoesToH264ButNotToVp8) {
  auto p = build("testsrc num-buffers=2 width=64 height=48 ! videoconvert ! video/x-raw,format=NV12 ! "
                 "avenc codec=h264 speed=ultrafast ! appsink name=out sync=false");
  ASSERT_TRUE(p);
  auto r = run_to_eos(*p, "out", 60s);
  EXPECT_TRUE(r.errors.empty()) << r.errors.front();
  EXPECT_EQ(r.samples.size(), 2u);
  auto q = build_pipeline("testsrc num-buffers=2 ! videoconvert ! video/x-raw,format=NV12 ! avenc codec=vp8 ! fakesink",
                          test_runtime().registry(), "t");
  EXPECT_FALSE(q);  // libvpx takes I420 only
}

TEST(Avenc, ForceKeyUnitMakesTheNextFrameAKeyFrame) {
  auto p = build("testsrc is-live=false num-buffers=40 width=64 height=48 ! videoconvert ! "
                 "avenc name=enc codec=h264 tune=zerolatency key-int-max=1000 ! appsink name=out sync=false max-buffers=1");
  ASSERT_TRUE(p);
  auto* out = dynamic_cast<appsink*>(p->find("out"));
  auto* enc = dynamic_cast<avenc*>(p->find("enc"));
  ASSERT_TRUE(out && enc);
  p->set_state(state::playing);
  std::vector<sample> got;
  bool asked = false;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (got.size() < 40 && std::chrono::steady_clock::now() < deadline) {
    auto s = out->pull_sample(1s);
    if (!s) continue;
    got.push_back(std::move(*s));
    if (got.size() == 5 && !asked) {
      EXPECT_TRUE(out->sinkpad().push_event(event_force_key_unit{}));
      asked = true;
    }
  }
  p->set_state(state::null_state);
  ASSERT_EQ(got.size(), 40u);
  EXPECT_EQ(enc->key_units_forced(), 1u);
  int keys = 0;
  for (const sample& s : got) keys += is_key(s) ? 1 : 0;
  // Frame 0, and one more after the request (zerolatency: the encoder holds nothing,
  // so it is among the frames the source produced after it).
  EXPECT_EQ(keys, 2);
  EXPECT_FALSE(is_key(got[5 - 1]));
}

/// Plays a live 30 fps testsrc into `enc_props` avenc and an appsink (sync, as a live
/// sink renders) until `packets` packets came out; returns the pipeline's latency
/// and the frames avenc saw its encoder hold.
struct live_latency {
  clock_time latency = time_none;
  std::int64_t delay_frames = -1;
  std::size_t packets = 0;
};

live_latency play_live(const std::string& enc_props, std::size_t packets) {
  live_latency out;
  auto p = build("testsrc is-live=true width=160 height=120 framerate=30/1 ! videoconvert ! avenc name=enc codec=h264 " +
                 enc_props + " ! appsink name=out max-buffers=1000");
  if (!p) return out;
  auto* sink = dynamic_cast<appsink*>(p->find("out"));
  auto* enc = dynamic_cast<avenc*>(p->find("enc"));
  EXPECT_TRUE(sink && enc);
  if (!sink || !enc) return out;
  p->set_state(state::playing);
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (out.packets < packets && std::chrono::steady_clock::now() < deadline)
    if (sink->pull_sample(1s)) ++out.packets;
  out.latency = p->latency().value_or(time_none);
  out.delay_frames = enc->delay_frames();
  p->set_state(state::null_state);
  return out;
}

// GstVideoEncoder's latency: x264 holds frames before it gives a packet (here its
// frame threads and sync lookahead: 4 frames on 2 cores), and the pipeline's latency
// grows by those frames' duration (posted before the packet that revealed it leaves
// avenc); zerolatency holds none, so the latency is the live source's frame plus the
// sink's processing deadline. Before, avenc added nothing: both the same.
TEST(Avenc, LatencyIsUpstreamsPlusTheFramesTheEncoderHolds) {
  constexpr clock_time frame = 33'333'333;  // 1/30 s
  const live_latency zero = play_live("tune=zerolatency", 10);
  ASSERT_EQ(zero.packets, 10u);
  EXPECT_EQ(zero.delay_frames, 0);
  EXPECT_GE(zero.latency, frame);
  EXPECT_LT(zero.latency, 2 * frame);
  const live_latency held = play_live("tune=none", 10);
  ASSERT_EQ(held.packets, 10u);
  EXPECT_GE(held.delay_frames, 1);
  EXPECT_EQ(held.latency, zero.latency + held.delay_frames * frame);
}

/// A recording read back: codec, frames, duration.
struct probe {
  std::string codec;
  int frames = 0;
  int key_frames = 0;
  double duration_s = 0;
  std::string error;
};

probe probe_file(const std::string& path) {
  probe pr;
  AVFormatContext* fc = nullptr;
  if (int r = avformat_open_input(&fc, path.c_str(), nullptr, nullptr); r < 0) {
    pr.error = "cannot open " + path;
    return pr;
  }
  avformat_find_stream_info(fc, nullptr);
  pr.codec = avcodec_get_name(fc->streams[0]->codecpar->codec_id);
  if (fc->duration > 0) pr.duration_s = static_cast<double>(fc->duration) / AV_TIME_BASE;
  AVPacket* pkt = av_packet_alloc();
  while (av_read_frame(fc, pkt) >= 0) {
    ++pr.frames;
    if (pkt->flags & AV_PKT_FLAG_KEY) ++pr.key_frames;
    av_packet_unref(pkt);
  }
  av_packet_free(&pkt);
  avformat_close_input(&fc);
  return pr;
}

struct mux_case {
  const char* encoder;  // avenc properties
  const char* mux;      // avmux properties
  const char* ext;
  const char* codec;    // as FFmpeg names it
  bool exact_duration;  // mpegts has no duration field: estimated from timestamps
};

class AvmuxRecordings : public ::testing::TestWithParam<mux_case> {};

TEST_P(AvmuxRecordings, ReadBackWithTheRightFramesAndDuration) {
  const auto dir = std::filesystem::temp_directory_path() / ("tessera-avmux-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / (std::string("rec.") + GetParam().ext)).string();
  auto p = build(std::string("testsrc num-buffers=60 width=160 height=120 ! videoconvert ! avenc speed=ultrafast ") +
                 GetParam().encoder + " ! avmux " + GetParam().mux + " ! filesink location=" + path);
  ASSERT_TRUE(p);
  const outcome o = play_to_eos(*p, 60s);
  p->set_state(state::null_state);
  EXPECT_TRUE(o.eos);
  EXPECT_TRUE(o.errors.empty()) << o.errors.front();
  const probe pr = probe_file(path);
  EXPECT_EQ(pr.error, "");
  EXPECT_EQ(pr.codec, GetParam().codec);
  EXPECT_EQ(pr.frames, 60);
  EXPECT_GE(pr.key_frames, 1);
  if (GetParam().exact_duration)
    EXPECT_NEAR(pr.duration_s, 2.0, 0.05);
  else
    EXPECT_NEAR(pr.duration_s, 2.0, 0.1);
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(
    All, AvmuxRecordings,
    ::testing::Values(mux_case{"codec=h264", "format=mp4", "mp4", "h264", true},
                      mux_case{"codec=h264 key-int-max=15", "format=mp4 fragmented=true", "mp4", "h264", true},
                      mux_case{"codec=vp8", "format=webm", "webm", "vp8", true},
                      mux_case{"codec=vp9", "format=matroska", "mkv", "vp9", true},
                      mux_case{"codec=h264", "format=mpegts", "ts", "h264", false},
                      mux_case{"codec=mjpeg", "format=matroska", "mkv", "mjpeg", true}));

TEST(Avmux, RefusesACodecItsContainerCannotHold) {
  // WebM holds VP8 and VP9 only: H.264 does not link.
  auto p = build_pipeline("testsrc ! videoconvert ! avenc codec=h264 ! avmux format=webm ! fakesink",
                          test_runtime().registry(), "t");
  EXPECT_FALSE(p);
}

}  // namespace avenc_test
}  // namespace tessera::core
