#include "core/elements/video/testsrc.hpp"

#include "core/memory/counters.hpp"
#include "tests/core/elements/video/video_test_support.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace tessera::core {
namespace testsrc_test {

using namespace video_test;

/// The bytes of colour (r, g, b, a) in `format`, computed here on their own.
std::vector<int> expect_color(std::string_view format, int r, int g, int b, int a = 255) {
  if (format == "RGBA") return {r, g, b, a};
  if (format == "RGB") return {r, g, b};
  return {bt601(r, g, b)};
}

const std::vector<std::string> formats = {"RGBA", "RGB", "GRAY8"};

std::vector<std::uint8_t> one_frame(const std::string& description, video_info* info_out = nullptr) {
  auto p = build(description + " ! appsink name=out sync=false");
  if (!p) return {};
  auto r = run_to_eos(*p);
  EXPECT_TRUE(r.eos);
  EXPECT_TRUE(r.errors.empty()) << r.errors.front();
  EXPECT_FALSE(r.samples.empty());
  if (r.samples.empty()) return {};
  if (info_out) *info_out = info_of(r.samples[0]);
  return bytes_of(r.samples[0].buffer);
}

TEST(Testsrc, SmpteShowsTheSevenBarsAt75PercentAndTheBottomRows) {
  // 140 wide: bars of 20 pixels; 120 high: bars to row 80, castellations to row 90.
  const int top[7][3] = {{191, 191, 191}, {191, 191, 0}, {0, 191, 191}, {0, 191, 0},
                         {191, 0, 191},   {191, 0, 0},   {0, 0, 191}};
  for (const auto& f : formats) {
    SCOPED_TRACE(f);
    video_info info = video_info::make(video_format::rgba, 1, 1).value();
    const auto frame = one_frame("testsrc pattern=smpte num-buffers=1 width=140 height=120 format=" + f, &info);
    ASSERT_EQ(frame.size(), info.size());
    for (int i = 0; i < 7; ++i) {
      for (int x : {i * 20, i * 20 + 10, i * 20 + 19})
        for (int y : {0, 40, 79}) EXPECT_EQ(pixel(frame, info, x, y), expect_color(f, top[i][0], top[i][1], top[i][2]));
      // Below the bars: blue, black, magenta, black, cyan, black, white (the bars reversed, black between).
      const auto& mid = (i % 2) ? std::array<int, 3>{0, 0, 0}
                                : std::array<int, 3>{top[6 - i][0], top[6 - i][1], top[6 - i][2]};
      EXPECT_EQ(pixel(frame, info, i * 20 + 10, 85), expect_color(f, mid[0], mid[1], mid[2]));
    }
    // Bottom quarter: -I, white, +Q, pluge (0, 0, 19), black.
    EXPECT_EQ(pixel(frame, info, 5, 100), expect_color(f, 0, 33, 76));
    EXPECT_EQ(pixel(frame, info, 30, 119), expect_color(f, 255, 255, 255));
    EXPECT_EQ(pixel(frame, info, 50, 100), expect_color(f, 50, 0, 106));
    EXPECT_EQ(pixel(frame, info, 75, 100), expect_color(f, 0, 0, 0));
    EXPECT_EQ(pixel(frame, info, 95, 100), expect_color(f, 19, 19, 19));
    EXPECT_EQ(pixel(frame, info, 139, 119), expect_color(f, 0, 0, 0));
  }
}

TEST(Testsrc, CheckersAreEightPixelBlocksStartingBlack) {
  for (const auto& f : formats) {
    SCOPED_TRACE(f);
    video_info info = video_info::make(video_format::rgba, 1, 1).value();
    const auto frame = one_frame("testsrc pattern=checkers num-buffers=1 width=36 height=20 format=" + f, &info);
    ASSERT_EQ(frame.size(), info.size());
    for (int y = 0; y < 20; ++y)
      for (int x = 0; x < 36; ++x) {
        const int v = ((x / 8 + y / 8) % 2) ? 255 : 0;
        ASSERT_EQ(pixel(frame, info, x, y), expect_color(f, v, v, v)) << x << "," << y;
      }
  }
}

TEST(Testsrc, GradientIsAHorizontalGreyRamp) {
  for (const auto& f : formats) {
    SCOPED_TRACE(f);
    video_info info = video_info::make(video_format::rgba, 1, 1).value();
    const auto frame = one_frame("testsrc pattern=gradient num-buffers=1 width=100 height=3 format=" + f, &info);
    ASSERT_EQ(frame.size(), info.size());
    for (int x = 0; x < 100; ++x) {
      const int v = static_cast<int>(std::lround(x * 255.0 / 99.0));
      EXPECT_EQ(pixel(frame, info, x, 0), expect_color(f, v, v, v)) << x;
      EXPECT_EQ(pixel(frame, info, x, 2), expect_color(f, v, v, v)) << x;
    }
  }
}

TEST(Testsrc, SolidUsesTheForegroundColourWithItsAlpha) {
  for (const auto& f : formats) {
    SCOPED_TRACE(f);
    video_info info = video_info::make(video_format::rgba, 1, 1).value();
    // 0x80112233: alpha 0x80, R 0x11, G 0x22, B 0x33.
    const auto frame = one_frame(
        "testsrc pattern=solid foreground-color=2148606515 num-buffers=1 width=17 height=5 format=" + f, &info);
    ASSERT_EQ(frame.size(), info.size());
    for (int y = 0; y < 5; ++y)
      for (int x = 0; x < 17; ++x) ASSERT_EQ(pixel(frame, info, x, y), expect_color(f, 0x11, 0x22, 0x33, 0x80));
  }
}

TEST(Testsrc, BallIsADiscThatMovesWithTheFrameNumber) {
  auto p = build(
      "testsrc pattern=ball num-buffers=31 width=160 height=120 foreground-color=4294901760 "
      "background-color=4278190335 ! appsink name=out sync=false");
  ASSERT_TRUE(p);
  auto r = run_to_eos(*p);
  ASSERT_EQ(r.samples.size(), 31u);
  const int radius = std::max(1, std::min(160, 120) / 10);
  for (int n : {0, 30}) {
    SCOPED_TRACE(n);
    // The documented motion: sine across, cosine down, periods of 90 and 64 frames.
    const double tx = 160 - 2 * radius - 1;
    const double ty = 120 - 2 * radius - 1;
    const int cx = radius + static_cast<int>(std::lround(tx * (0.5 + 0.5 * std::sin(2 * std::numbers::pi * n / 90))));
    const int cy = radius + static_cast<int>(std::lround(ty * (0.5 + 0.5 * std::cos(2 * std::numbers::pi * n / 64))));
    const auto info = info_of(r.samples[n]);
    const auto frame = bytes_of(r.samples[n].buffer);
    for (int y = 0; y < 120; ++y)
      for (int x = 0; x < 160; ++x) {
        const bool inside = (x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius;
        // Foreground opaque red, background opaque blue.
        ASSERT_EQ(pixel(frame, info, x, y), inside ? expect_color("RGBA", 255, 0, 0) : expect_color("RGBA", 0, 0, 255))
            << x << "," << y;
      }
  }
  EXPECT_NE(bytes_of(r.samples[0].buffer), bytes_of(r.samples[30].buffer));
}

TEST(Testsrc, SnowIsGreyNoiseThatRepeatsPerFrameNumber) {
  auto run = [] {
    auto p = build("testsrc pattern=snow num-buffers=3 width=64 height=64 ! appsink name=out sync=false");
    auto r = run_to_eos(*p);
    std::vector<std::vector<std::uint8_t>> frames;
    for (auto& s : r.samples) frames.push_back(bytes_of(s.buffer));
    return frames;
  };
  const auto a = run();
  const auto b = run();
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a[0], a[1]);
  EXPECT_NE(a[1], a[2]);
  double sum = 0, sum2 = 0;
  for (std::size_t i = 0; i < a[0].size(); i += 4) {
    ASSERT_EQ(a[0][i], a[0][i + 1]);
    ASSERT_EQ(a[0][i], a[0][i + 2]);
    ASSERT_EQ(a[0][i + 3], 255);
    sum += a[0][i];
    sum2 += a[0][i] * a[0][i];
  }
  const double n = a[0].size() / 4.0;
  const double mean = sum / n;
  const double sd = std::sqrt(sum2 / n - mean * mean);
  EXPECT_NEAR(mean, 127.5, 8.0);
  EXPECT_NEAR(sd, 73.9, 6.0);  // a uniform byte
}

TEST(Testsrc, TimestampsDurationsAndOffsetsFollowTheFramerate) {
  auto p = build("testsrc num-buffers=5 framerate=30000/1001 width=8 height=8 ! appsink name=out sync=false");
  ASSERT_TRUE(p);
  auto r = run_to_eos(*p);
  ASSERT_EQ(r.samples.size(), 5u);
  for (std::int64_t n = 0; n < 5; ++n) {
    const std::int64_t pts = n * 1001 * 1'000'000'000 / 30000;
    const std::int64_t next = (n + 1) * 1001 * 1'000'000'000 / 30000;
    const buffer& b = r.samples[n].buffer;
    EXPECT_EQ(b.pts, pts);
    EXPECT_EQ(b.duration, next - pts);
    EXPECT_EQ(b.offset, static_cast<std::uint64_t>(n));
    EXPECT_EQ(b.offset_end, static_cast<std::uint64_t>(n + 1));
  }
  EXPECT_TRUE(has_any(r.samples[0].buffer.flags, buffer_flags::discont));
  EXPECT_FALSE(has_any(r.samples[1].buffer.flags, buffer_flags::discont));
}

TEST(Testsrc, NumBuffersEndsTheStreamWithEos) {
  auto p = build("testsrc num-buffers=7 width=16 height=16 ! appsink name=out sync=false");
  ASSERT_TRUE(p);
  auto r = run_to_eos(*p);
  EXPECT_TRUE(r.eos);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.samples.size(), 7u);
}

TEST(Testsrc, AStillImageIsOneFrameWithoutDuration) {
  auto p = build("testsrc framerate=0/1 width=16 height=16 ! appsink name=out sync=false");
  ASSERT_TRUE(p);
  auto r = run_to_eos(*p);
  EXPECT_TRUE(r.eos);
  ASSERT_EQ(r.samples.size(), 1u);
  EXPECT_EQ(r.samples[0].buffer.pts, 0);
  EXPECT_EQ(r.samples[0].buffer.duration, clock_none);
}

TEST(Testsrc, LiveModeHandsFramesOutAtTheirClockTime) {
  auto p = build("testsrc is-live=true num-buffers=4 framerate=20/1 width=8 height=8 ! appsink name=out sync=false");
  ASSERT_TRUE(p);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run_to_eos(*p);
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  ASSERT_EQ(r.samples.size(), 4u);
  EXPECT_GE(elapsed, 140ms);  // the 4th frame is due at 150 ms
  for (std::int64_t n = 0; n < 4; ++n) EXPECT_EQ(r.samples[n].buffer.pts, n * 50'000'000);
}

/// Seeks the PAUSED pipeline and returns the first frames that follow.
std::vector<sample> seek_and_pull(clock_time start, clock_time stop, std::size_t count) {
  auto p = build("testsrc framerate=30/1 width=8 height=8 ! appsink name=out sync=false max-buffers=2");
  auto* out = dynamic_cast<appsink*>(p->find("out"));
  p->set_state(state::paused);
  EXPECT_EQ(p->wait_state(5s), state::paused);
  seek_request req;
  req.flags = seek_flags::flush | seek_flags::accurate;
  req.start = start;
  req.stop = stop;
  EXPECT_TRUE(p->seek(req));
  EXPECT_EQ(p->wait_state(5s), state::paused);
  p->set_state(state::playing);
  std::vector<sample> got;
  while (got.size() < count) {
    auto s = out->pull_sample(2s);
    if (!s) break;
    got.push_back(std::move(*s));
  }
  p->set_state(state::null_state);
  return got;
}

TEST(Testsrc, SeekLandsOnTheFrameShownAtThatTime) {
  auto at_one_second = seek_and_pull(1'000'000'000, time_none, 2);
  ASSERT_EQ(at_one_second.size(), 2u);
  EXPECT_EQ(at_one_second[0].buffer.offset, 30u);
  EXPECT_EQ(at_one_second[0].buffer.pts, 1'000'000'000);
  EXPECT_TRUE(has_any(at_one_second[0].buffer.flags, buffer_flags::discont));
  EXPECT_EQ(at_one_second[1].buffer.offset, 31u);
  // 0.51 s falls inside frame 15 (0.5 s to 0.533 s).
  auto inside = seek_and_pull(510'000'000, time_none, 1);
  ASSERT_EQ(inside.size(), 1u);
  EXPECT_EQ(inside[0].buffer.offset, 15u);
  EXPECT_EQ(inside[0].buffer.pts, 500'000'000);
}

TEST(Testsrc, SeekWithAStopEndsTheStreamThere) {
  // Frames at 1.0, 1.033 and 1.067 s start before 1.1 s; the one at 1.1 s does not.
  auto got = seek_and_pull(1'000'000'000, 1'100'000'000, 10);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].buffer.offset, 30u);
  EXPECT_EQ(got[2].buffer.offset, 32u);
}

TEST(Testsrc, BadPropertyValuesAreRefusedWithTheAllowedRange) {
  auto e = test_runtime().registry().make("testsrc").value();
  auto width = e->set_property_from_string("width", "0");
  ASSERT_FALSE(width);
  EXPECT_NE(width.error().message.find("[1, 2147483647]"), std::string::npos) << width.error().message;
  auto pattern = e->set_property_from_string("pattern", "nope");
  ASSERT_FALSE(pattern);
  EXPECT_NE(pattern.error().message.find(
                "{smpte (0), snow (1), checkers (10), solid (17), ball (18), gradient (23)}"),
            std::string::npos)
      << pattern.error().message;
  auto format = e->set_property_from_string("format", "NV12");
  ASSERT_FALSE(format);
  EXPECT_NE(format.error().message.find("{RGBA (0), RGB (1), GRAY8 (2)}"), std::string::npos)
      << format.error().message;
  EXPECT_FALSE(e->set_property_from_string("foreground-color", "4294967296"));
  EXPECT_TRUE(e->set_property_from_string("foreground-color", "4294967295"));
  EXPECT_TRUE(e->set_property_from_string("pattern", "ball"));
  EXPECT_EQ(std::get<enum_value>(e->get_property("pattern").value()).nick, "ball");
}

TEST(Testsrc, PatternTakesGStreamersNumbersAndNicksInAnyCase) {
  // videotestsrc's own values (gst-inspect-1.0 videotestsrc): smpte 0, snow 1,
  // checkers-8 10, solid-color 17, ball 18, gradient 23.
  const std::pair<const char*, const char*> same[] = {{"0", "smpte"},     {"1", "snow"},  {"10", "checkers"},
                                                      {"17", "solid"},    {"18", "ball"}, {"23", "gradient"},
                                                      {"BALL", "ball"},   {"Ball", "ball"}, {"SMPTE", "smpte"},
                                                      {"Gradient", "gradient"}};
  auto e = test_runtime().registry().make("testsrc").value();
  for (auto [text, nick] : same) {
    SCOPED_TRACE(text);
    ASSERT_TRUE(e->set_property_from_string("pattern", text));
    EXPECT_EQ(std::get<enum_value>(e->get_property("pattern").value()).nick, nick);
  }
  ASSERT_TRUE(e->set_property_from_string("format", "gray8"));
  EXPECT_EQ(std::get<enum_value>(e->get_property("format").value()).nick, "GRAY8");
  // A number GStreamer has but testsrc does not draw, and one nobody has.
  for (const char* missing : {"13", "99", "-1"}) {
    auto r = e->set_property_from_string("pattern", missing);
    ASSERT_FALSE(r) << missing;
    const std::string want = std::string("property \"pattern\" has no value \"") + missing +
                             "\"; allowed: {smpte (0), snow (1), checkers (10), solid (17), ball (18), gradient (23)}";
    EXPECT_NE(r.error().message.find(want), std::string::npos) << r.error().message;
  }
  // The same from a launch line.
  auto p = build("testsrc pattern=BALL num-buffers=1 ! fakesink  testsrc pattern=18 num-buffers=1 ! fakesink");
  ASSERT_TRUE(p);
  EXPECT_EQ(std::get<enum_value>(p->find("testsrc0")->get_property("pattern").value()).value, 18);
  EXPECT_EQ(std::get<enum_value>(p->find("testsrc1")->get_property("pattern").value()).nick, "ball");
}

TEST(Testsrc, AHugeFrameIsRefusedBeforeAnythingIsAllocated) {
  auto p = build("testsrc width=100000 height=100000 ! fakesink");
  ASSERT_TRUE(p);
  const auto before = memory_counters_snapshot().allocated_bytes;
  p->set_state(state::playing);
  const std::string error = wait_error(*p);
  EXPECT_NE(error.find("100000x100000"), std::string::npos) << error;
  EXPECT_NE(error.find("exceeds the limit of 67108864 pixels"), std::string::npos) << error;
  p->set_state(state::null_state);
  EXPECT_LT(memory_counters_snapshot().allocated_bytes - before, 1u << 20);
}

TEST(Testsrc, TheFrameLimitIsThePipelines) {
  pipeline_limits limits;
  limits.max_frame_pixels = 1000;
  auto small = build_pipeline("testsrc width=40 height=25 num-buffers=1 ! fakesink", test_runtime().registry(),
                              "ok", limits);
  ASSERT_TRUE(small);
  EXPECT_TRUE(play_to_eos(**small).eos);
  (*small)->set_state(state::null_state);
  auto big = build_pipeline("testsrc width=40 height=26 num-buffers=1 ! fakesink", test_runtime().registry(),
                            "big", limits);
  ASSERT_TRUE(big);
  (*big)->set_state(state::playing);
  const std::string error = wait_error(**big);
  EXPECT_NE(error.find("40x26 exceeds the limit of 1000 pixels"), std::string::npos) << error;
  (*big)->set_state(state::null_state);
}

TEST(Testsrc, ACapsfilterChoosesFormatAndSize) {
  auto p = build("testsrc num-buffers=2 ! video/x-raw,format=GRAY8,width=64,height=48 ! appsink name=out sync=false");
  ASSERT_TRUE(p);
  auto r = run_to_eos(*p);
  ASSERT_EQ(r.samples.size(), 2u);
  const auto info = info_of(r.samples[0]);
  EXPECT_EQ(info.format(), video_format::gray8);
  EXPECT_EQ(info.width(), 64);
  EXPECT_EQ(info.height(), 48);
  EXPECT_EQ(info.framerate(), fraction(30));
  EXPECT_EQ(r.samples[0].buffer.size(), 64u * 48u);
}

TEST(Testsrc, FixationPrefersThePropertiesThenTheNearestAllowedValue) {
  auto p = build(
      "testsrc width=640 height=480 framerate=25/1 num-buffers=1 ! video/x-raw,width=[100,200],format={RGB,GRAY8} ! "
      "appsink name=out sync=false");
  ASSERT_TRUE(p);
  auto r = run_to_eos(*p);
  ASSERT_EQ(r.samples.size(), 1u);
  const auto info = info_of(r.samples[0]);
  EXPECT_EQ(info.width(), 200);   // nearest to 640 in [100, 200]
  EXPECT_EQ(info.height(), 480);  // the property, still allowed
  EXPECT_EQ(info.format(), video_format::rgb);
  EXPECT_EQ(info.framerate(), fraction(25));
}

TEST(Testsrc, ChangingTheWidthWhilePlayingRenegotiates) {
  auto p = build("testsrc width=32 height=8 ! appsink name=out sync=false max-buffers=2");
  ASSERT_TRUE(p);
  auto* src = p->find("testsrc0");
  auto* out = dynamic_cast<appsink*>(p->find("out"));
  p->set_state(state::playing);
  auto first = out->pull_sample(2s);
  ASSERT_TRUE(first);
  EXPECT_EQ(info_of(*first).width(), 32);
  ASSERT_TRUE(src->set_property("width", property_value{std::int64_t{48}}));
  bool resized = false;
  for (int i = 0; i < 50 && !resized; ++i) {
    auto s = out->pull_sample(2s);
    ASSERT_TRUE(s);
    if (info_of(*s).width() == 48) {
      resized = true;
      EXPECT_EQ(s->buffer.size(), 48u * 8u * 4u);
    }
  }
  EXPECT_TRUE(resized);
  p->set_state(state::null_state);
}

// ---------------------------------------------------------------- pad-alloc

TEST(Testsrc, PeerAllocFollowsADownstreamResize) {
  auto r = run_resizing("", 160, 2);
  ASSERT_EQ(r.frames.size(), 6u);
  EXPECT_GE(r.allocations, 6);
  // Two frames as negotiated, then the sink's width, drawn at that size.
  for (std::size_t i = 0; i < 6; ++i) {
    const int expected_width = i < 2 ? 320 : 160;
    const auto info = video_info::from_caps(r.frames[i].caps).value();
    EXPECT_EQ(info.width(), expected_width) << i;
    ASSERT_EQ(r.frames[i].bytes.size(), static_cast<std::size_t>(expected_width) * 24 * 4) << i;
    for (auto byte : r.frames[i].bytes) ASSERT_EQ(std::to_integer<int>(byte), 255);  // solid opaque white, every pixel drawn
  }
  EXPECT_EQ(video_info::from_caps(r.src_caps).value().width(), 160);  // renegotiated on testsrc's src pad
}

TEST(Testsrc, WithoutPeerAllocDownstreamCannotResize) {
  auto r = run_resizing("peer-alloc=false", 160, 0);
  ASSERT_EQ(r.frames.size(), 6u);
  EXPECT_EQ(r.allocations, 0);  // never asked
  for (auto& f : r.frames) {
    EXPECT_EQ(video_info::from_caps(f.caps).value().width(), 320);
    EXPECT_EQ(f.bytes.size(), 320u * 24 * 4);
  }
  EXPECT_EQ(video_info::from_caps(r.src_caps).value().width(), 320);
}

}  // namespace testsrc_test
}  // namespace tessera::core
