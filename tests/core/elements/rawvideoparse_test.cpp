#include "core/elements/parse/rawvideoparse.hpp"

#include "core/elements/basic/capsfilter.hpp"
#include "core/elements/basic/fakesrc.hpp"
#include "core/elements/file/filesrc.hpp"
#include "core/elements/flow/queue.hpp"
#include "core/graph/pipeline_builder.hpp"
#include "core/sched/task_context.hpp"
#include "tests/core/elements/file_test_support.hpp"
#include "tests/core/support/test_helpers.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

namespace tessera::core {
namespace {

using namespace file_test;
using namespace std::chrono_literals;

// Frames of 8x4 GRAY8 (32 bytes): byte i of frame k is (k * 16 + i) % 256, so each
// frame's first byte names it and any shift by a byte shows.
constexpr std::size_t frame_w = 8;
constexpr std::size_t frame_h = 4;
constexpr std::size_t frame_bytes = frame_w * frame_h;

std::byte pixel(std::size_t frame, std::size_t i) { return static_cast<std::byte>((frame * 16 + i) % 256); }

std::vector<std::byte> frames_file_bytes(std::size_t frames, std::size_t extra_bytes = 0) {
  std::vector<std::byte> v;
  for (std::size_t k = 0; k < frames; ++k)
    for (std::size_t i = 0; i < frame_bytes; ++i) v.push_back(pixel(k, i));
  for (std::size_t i = 0; i < extra_bytes; ++i) v.push_back(std::byte{0xee});
  return v;
}

std::vector<std::byte> expected_frame(std::size_t k) {
  std::vector<std::byte> v(frame_bytes);
  for (std::size_t i = 0; i < frame_bytes; ++i) v[i] = pixel(k, i);
  return v;
}

/// pts of frame k at num/den frames per second, rounded down to the ns.
clock_time pts_of(std::int64_t k, std::int64_t num, std::int64_t den) {
  return static_cast<clock_time>((static_cast<__int128>(k) * den * 1'000'000'000) / num);
}

/// A sink that keeps every rendered frame with its timestamps.
class frame_sink final : public base_sink {
 public:
  struct frame {
    clock_time pts = time_none;
    clock_time duration = time_none;
    std::uint64_t offset = 0;
    bool discont = false;
    std::vector<std::byte> bytes;
  };

  frame_sink(const element_factory& f, std::string name) : base_sink(f, std::move(name)) {}
  static std::unique_ptr<element_factory> factory() {
    return make_factory<frame_sink>("framesink", "Frame sink", "Sink", "Keeps rendered frames (tests)",
                                    {pad_template{"sink", pad_direction::sink, pad_presence::always, caps::new_any()}},
                                    base_sink::common_properties(false));
  }
  std::vector<frame> frames() const {
    std::lock_guard lock(mutex_);
    return frames_;
  }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return frames_.size();
  }

 protected:
  flow render(buffer& b) override {
    frame f;
    f.pts = b.pts;
    f.duration = b.duration;
    f.offset = b.offset;
    f.discont = (static_cast<std::uint32_t>(b.flags) & static_cast<std::uint32_t>(buffer_flags::discont)) != 0;
    auto map = b.map(map_access::read);
    if (!map) return flow::error;
    f.bytes.assign(map->data(), map->data() + map->size());
    std::lock_guard lock(mutex_);
    frames_.push_back(std::move(f));
    return flow::ok;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<frame> frames_;
};

element_registry& test_registry() {
  static element_registry r;
  static const bool filled = [] {
    r.add(filesrc::factory());
    r.add(fakesrc::factory());
    r.add(capsfilter::factory());
    r.add(queue::factory());
    r.add(rawvideoparse::factory());
    r.add(frame_sink::factory());
    return true;
  }();
  (void)filled;
  return r;
}

std::unique_ptr<pipeline> build(const std::string& desc) {
  auto p = build_pipeline(desc, test_registry(), "test");
  EXPECT_TRUE(p) << (p ? "" : p.error().message);
  return p ? std::move(p).value() : nullptr;
}

std::string parse_props(const std::string& framerate = "30/1") {
  return "rawvideoparse width=8 height=4 format=GRAY8 framerate=" + framerate;
}

rawvideoparse* parser(pipeline& p) { return static_cast<rawvideoparse*>(p.find("rawvideoparse0")); }
frame_sink* sink(pipeline& p) { return static_cast<frame_sink*>(p.find("framesink0")); }

/// Checks that `got` holds frames first, first + 1, ... with their bytes and times.
void expect_frames(const std::vector<frame_sink::frame>& got, std::size_t first, std::size_t count,
                   std::int64_t num = 30, std::int64_t den = 1) {
  ASSERT_EQ(got.size(), count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t k = first + i;
    EXPECT_EQ(got[i].bytes, expected_frame(k)) << "frame " << k;
    EXPECT_EQ(got[i].pts, pts_of(static_cast<std::int64_t>(k), num, den)) << "frame " << k;
    EXPECT_EQ(got[i].duration, pts_of(static_cast<std::int64_t>(k) + 1, num, den) - pts_of(static_cast<std::int64_t>(k), num, den))
        << "frame " << k;
    EXPECT_EQ(got[i].offset, k) << "frame " << k;
  }
}

void run_to_eos(pipeline& p) {
  ASSERT_NE(p.set_state(state::playing), state_change::failure);
  auto end = wait_for_end(p);
  ASSERT_TRUE(end) << "no EOS";
  ASSERT_EQ(end->type, message_type::eos) << end->get_string("message").value_or("");
}

TEST(Rawvideoparse, PullsEveryFrameFromFilesrcWithItsPts) {
  temp_dir dir;
  write_file(dir / "v.gray", frames_file_bytes(12));
  auto p = build("filesrc location=" + quoted(dir / "v.gray") + " ! " + parse_props() + " ! framesink");
  ASSERT_TRUE(p);
  run_to_eos(*p);
  EXPECT_EQ(parser(*p)->sinkpad().mode(), pad_mode::pull);
  EXPECT_EQ(p->find("filesrc0")->static_pad(pad_direction::src)->mode(), pad_mode::pull);
  const auto got = sink(*p)->frames();
  expect_frames(got, 0, 12);
  EXPECT_TRUE(got[0].discont);
  EXPECT_EQ(parser(*p)->srcpad().current_caps().to_string(),
            "video/x-raw,format=GRAY8,width=8,height=4,framerate=30/1,layout=linear");
}

TEST(Rawvideoparse, PushModeThroughAQueueReassemblesFramesAcrossBuffers) {
  temp_dir dir;
  write_file(dir / "v.gray", frames_file_bytes(9));
  // 20-byte blocks: most frames straddle two or three buffers.
  auto p = build("filesrc blocksize=20 location=" + quoted(dir / "v.gray") + " ! queue ! " + parse_props("25/2") +
                 " ! framesink");
  ASSERT_TRUE(p);
  run_to_eos(*p);
  EXPECT_EQ(parser(*p)->sinkpad().mode(), pad_mode::push);
  expect_frames(sink(*p)->frames(), 0, 9, 25, 2);
}

TEST(Rawvideoparse, PushModeSharesInputWhenABufferHoldsWholeFrames) {
  temp_dir dir;
  write_file(dir / "v.gray", frames_file_bytes(16));
  const auto before = memory_counters_snapshot();
  {
    auto p = build("filesrc blocksize=" + std::to_string(4 * frame_bytes) + " location=" + quoted(dir / "v.gray") +
                   " ! queue ! " + parse_props() + " ! framesink");
    ASSERT_TRUE(p);
    run_to_eos(*p);
    expect_frames(sink(*p)->frames(), 0, 16);
  }
  EXPECT_EQ(test::counters_since(before).copied_bytes, 0u);

  // Control: frames that straddle buffers are copied once each, and only those.
  const auto before_spanning = memory_counters_snapshot();
  {
    auto p = build("filesrc blocksize=48 location=" + quoted(dir / "v.gray") + " ! queue ! " + parse_props() +
                   " ! framesink");
    ASSERT_TRUE(p);
    run_to_eos(*p);
    expect_frames(sink(*p)->frames(), 0, 16);
  }
  // 48-byte blocks against 32-byte frames: frames 1, 4, 7, ... (every third, from 1)
  // straddle a block boundary: 16 frames -> frames 1,4,7,10,13 -> 5 copies.
  EXPECT_EQ(test::counters_since(before_spanning).copied_bytes, 5 * frame_bytes);
}

TEST(Rawvideoparse, PushModeFromFakesrcTimestampsFrames) {
  auto p = build("fakesrc num-buffers=6 size=32 filltype=pattern ! " + parse_props() + " ! framesink");
  ASSERT_TRUE(p);
  run_to_eos(*p);
  EXPECT_EQ(parser(*p)->sinkpad().mode(), pad_mode::push);
  const auto got = sink(*p)->frames();
  ASSERT_EQ(got.size(), 6u);
  for (std::size_t k = 0; k < got.size(); ++k) {
    EXPECT_EQ(got[k].pts, pts_of(static_cast<std::int64_t>(k), 30, 1));
    ASSERT_EQ(got[k].bytes.size(), frame_bytes);
    for (std::size_t i = 0; i < frame_bytes; ++i) EXPECT_EQ(got[k].bytes[i], static_cast<std::byte>(i));
  }
}

TEST(Rawvideoparse, ShortLastFrameIsDroppedWithAWarningInBothModes) {
  temp_dir dir;
  write_file(dir / "v.gray", frames_file_bytes(5, 13));
  for (const std::string between : {" ! ", " ! queue ! "}) {
    auto p = build("filesrc blocksize=40 location=" + quoted(dir / "v.gray") + between + parse_props() + " ! framesink");
    ASSERT_TRUE(p);
    std::mutex mutex;
    std::vector<std::string> warnings;  // wait_for_end drops what it does not wait for: listen instead
    const auto id = p->bus().subscribe([&](const message& m) {
      if (m.type != message_type::warning) return;
      std::lock_guard lock(mutex);
      warnings.push_back(m.get_string("message").value_or(""));
    });
    run_to_eos(*p);
    p->bus().unsubscribe(id);
    expect_frames(sink(*p)->frames(), 0, 5);
    std::lock_guard lock(mutex);
    ASSERT_EQ(warnings.size(), 1u) << between;
    const std::string& text = warnings[0];
    EXPECT_NE(text.find("dropping 13 bytes at byte 160"), std::string::npos) << text;
  }
}

TEST(Rawvideoparse, SeekInPullModeContinuesFromTheFrameHoldingThePosition) {
  temp_dir dir;
  write_file(dir / "v.gray", frames_file_bytes(12));
  // 7 fps: frame pts are not whole ns, so a seek to a frame's own pts must still land on it.
  for (const bool exact : {false, true}) {
    auto p = build("filesrc location=" + quoted(dir / "v.gray") + " ! " + parse_props("7/1") + " ! framesink");
    ASSERT_TRUE(p);
    p->set_state(state::paused);
    ASSERT_EQ(p->wait_state(10s), state::paused);
    const clock_time target = exact ? pts_of(5, 7, 1) : pts_of(5, 7, 1) + 100'000'000;
    seek_request r;
    r.start = target;
    r.flags = seek_flags::flush;
    ASSERT_TRUE(p->seek(r)) << "seek to " << target;
    ASSERT_EQ(p->wait_state(10s), state::paused);
    run_to_eos(*p);
    const auto got = sink(*p)->frames();
    expect_frames(got, 5, 7, 7, 1);
    EXPECT_TRUE(got[0].discont);
    EXPECT_EQ(parser(*p)->query_position(), pts_of(12, 7, 1));
  }
}

TEST(Rawvideoparse, NonFlushingSeekInPullModeGoesOnFromTheNewFrameAfterThePrerolledOne) {
  temp_dir dir;
  write_file(dir / "v.gray", frames_file_bytes(12));
  auto p = build("filesrc location=" + quoted(dir / "v.gray") + " ! " + parse_props() + " ! framesink");
  ASSERT_TRUE(p);
  p->set_state(state::paused);
  ASSERT_EQ(p->wait_state(10s), state::paused);  // frame 0 is held by the sink
  seek_request r;
  r.start = pts_of(7, 30, 1);
  r.flags = seek_flags::none;
  ASSERT_TRUE(p->seek(r));
  run_to_eos(*p);
  const auto got = sink(*p)->frames();
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got[0].offset, 0u);
  EXPECT_EQ(got[0].bytes, expected_frame(0));
  for (std::size_t i = 1; i < got.size(); ++i) {
    EXPECT_EQ(got[i].offset, 6 + i);
    EXPECT_EQ(got[i].bytes, expected_frame(6 + i));
    EXPECT_EQ(got[i].pts, pts_of(static_cast<std::int64_t>(6 + i), 30, 1));
  }
  EXPECT_TRUE(got[1].discont);
}

TEST(Rawvideoparse, EosSentToThePipelineEndsAPullModeStream) {
  temp_dir dir;
  write_file(dir / "v.gray", frames_file_bytes(300));
  auto p = build("filesrc location=" + quoted(dir / "v.gray") + " ! " + parse_props() + " ! framesink sync=true");
  ASSERT_TRUE(p);
  ASSERT_NE(p->set_state(state::playing), state_change::failure);
  ASSERT_TRUE(test::eventually([&] { return sink(*p)->count() >= 3; }));
  // filesrc has no task in pull mode: the EOS ends the stream at the next range pulled.
  p->send_eos();
  auto end = wait_for_end(*p);
  ASSERT_TRUE(end);
  EXPECT_EQ(end->type, message_type::eos);
  EXPECT_LT(sink(*p)->count(), 300u);
  expect_frames(sink(*p)->frames(), 0, sink(*p)->count());
}

TEST(Rawvideoparse, SeekInPushModeBecomesAByteSeekUpstream) {
  temp_dir dir;
  write_file(dir / "v.gray", frames_file_bytes(10));
  auto p = build("filesrc blocksize=64 location=" + quoted(dir / "v.gray") + " ! queue ! " + parse_props() +
                 " ! framesink");
  ASSERT_TRUE(p);
  p->set_state(state::paused);
  ASSERT_EQ(p->wait_state(10s), state::paused);
  seek_request r;
  r.start = pts_of(6, 30, 1) + 1000;
  ASSERT_TRUE(p->seek(r));
  run_to_eos(*p);
  EXPECT_EQ(parser(*p)->sinkpad().mode(), pad_mode::push);
  expect_frames(sink(*p)->frames(), 6, 4);
}

TEST(Rawvideoparse, SeekInPushModeIsRefusedWhenUpstreamCannotSeek) {
  auto p = build("fakesrc size=32 filltype=pattern ! " + parse_props() + " ! framesink");
  ASSERT_TRUE(p);
  p->set_state(state::paused);
  ASSERT_EQ(p->wait_state(10s), state::paused);
  seek_request r;
  r.start = ns_per_second;
  EXPECT_FALSE(p->seek(r));
  const auto warnings = test::pop_all(p->bus(), message_type::warning, 200ms);
  ASSERT_EQ(warnings.size(), 1u);
  const std::string text = warnings[0].get_string("message").value_or("");
  EXPECT_NE(text.find("refused a seek to byte 960"), std::string::npos) << text;
  p->set_state(state::null_state);
}

TEST(Rawvideoparse, DurationComesFromTheFileSizeInPullMode) {
  temp_dir dir;
  write_file(dir / "v.gray", frames_file_bytes(40, 7));
  auto p = build("filesrc location=" + quoted(dir / "v.gray") + " ! " + parse_props() + " ! framesink");
  ASSERT_TRUE(p);
  EXPECT_EQ(parser(*p)->query_duration(), std::nullopt);  // not started
  p->set_state(state::paused);
  ASSERT_EQ(p->wait_state(10s), state::paused);
  EXPECT_EQ(parser(*p)->query_duration(), pts_of(40, 30, 1));
  p->set_state(state::null_state);
}

TEST(Rawvideoparse, FlushingSeekWhilePlayingRestartsCleanly) {
  temp_dir dir;
  write_file(dir / "v.gray", frames_file_bytes(60));
  // sync=true at 200 fps: 0.3 s of playing, so the seek lands mid-stream (where
  // exactly does not matter: the checks hold for any point before the end).
  auto p = build("filesrc location=" + quoted(dir / "v.gray") + " ! " + parse_props("200/1") +
                 " ! framesink sync=true");
  ASSERT_TRUE(p);
  ASSERT_NE(p->set_state(state::playing), state_change::failure);
  ASSERT_TRUE(test::eventually([&] { return sink(*p)->count() >= 5; }));
  seek_request r;
  r.start = pts_of(40, 200, 1);
  ASSERT_TRUE(p->seek(r));
  auto end = wait_for_end(*p);
  ASSERT_TRUE(end);
  ASSERT_EQ(end->type, message_type::eos);
  const auto got = sink(*p)->frames();
  // Frames 0..j in order, then 40..59 in order: nothing after the flush comes from before it.
  // The first frame after the flush is marked discont.
  std::size_t i = 1;
  while (i < got.size() && !got[i].discont) ++i;
  ASSERT_GE(i, 5u);
  for (std::size_t k = 0; k < i; ++k) EXPECT_EQ(got[k].offset, k);
  ASSERT_EQ(got.size() - i, 20u);
  for (std::size_t k = 0; k < 20; ++k) {
    EXPECT_EQ(got[i + k].offset, 40 + k);
    EXPECT_EQ(got[i + k].bytes, expected_frame(40 + k));
  }
}

TEST(Rawvideoparse, StateChangesInTheMiddleOfAFileStopCleanlyAndFreeEverything) {
  temp_dir dir;
  write_file(dir / "v.gray", frames_file_bytes(400));
  for (const std::string between : {" ! ", " ! queue ! "}) {
    const auto before = memory_counters_snapshot();
    {
      auto p = build("filesrc blocksize=100 location=" + quoted(dir / "v.gray") + between + parse_props("100/1") +
                     " ! framesink sync=true");
      ASSERT_TRUE(p);
      ASSERT_NE(p->set_state(state::playing), state_change::failure);
      ASSERT_TRUE(test::eventually([&] { return sink(*p)->count() >= 3; }));
      EXPECT_EQ(test::within(10s, "PLAYING -> PAUSED", [&] { return p->set_state(state::paused); }),
                state_change::success);
      EXPECT_EQ(test::within(10s, "PAUSED -> READY", [&] { return p->set_state(state::ready); }),
                state_change::success);
      // Again from the start after READY.
      ASSERT_NE(p->set_state(state::playing), state_change::failure);
      ASSERT_TRUE(test::eventually([&] { return sink(*p)->count() >= 6; }));
      EXPECT_EQ(test::within(10s, "PLAYING -> NULL", [&] { return p->set_state(state::null_state); }),
                state_change::success);
      EXPECT_LT(sink(*p)->count(), 400u);
    }
    const auto after = memory_counters_snapshot();
    EXPECT_EQ(after.live_memories, before.live_memories) << between;
    EXPECT_EQ(after.live_bytes, before.live_bytes) << between;
  }
}

TEST(Rawvideoparse, BadPropertiesAreRefusedWithTheAllowedRange) {
  auto e = test_registry().make("rawvideoparse");
  ASSERT_TRUE(e);
  auto& parse = **e;
  auto width = parse.set_property_from_string("width", "0");
  ASSERT_FALSE(width);
  EXPECT_NE(width.error().message.find("width"), std::string::npos) << width.error().message;
  EXPECT_NE(width.error().message.find("2147483647"), std::string::npos) << width.error().message;
  auto rate = parse.set_property_from_string("framerate", "0/1");
  ASSERT_FALSE(rate);
  EXPECT_NE(rate.error().message.find("framerate"), std::string::npos) << rate.error().message;
  EXPECT_NE(rate.error().message.find("[0.001, 2147483647]"), std::string::npos) << rate.error().message;
  auto format = parse.set_property_from_string("format", "NV12");
  ASSERT_FALSE(format);
  EXPECT_NE(format.error().message.find("GRAY8"), std::string::npos) << format.error().message;
}

TEST(Rawvideoparse, FrameLargerThanThePipelineLimitFailsToStart) {
  temp_dir dir;
  write_file(dir / "v.gray", frames_file_bytes(1));
  auto p = build("filesrc location=" + quoted(dir / "v.gray") +
                 " ! rawvideoparse width=100000 height=100000 format=GRAY8 ! framesink");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->set_state(state::paused), state_change::failure);
  auto err = wait_for_error(*p);
  ASSERT_TRUE(err);
  EXPECT_NE(err->get_string("message").value_or("").find("rawvideoparse0"), std::string::npos);
}

// The sink side of push mode: one input buffer holding several frames is pushed
// frame by frame in one chain call. If PLAYING arrives after the first (the preroll
// frame, held by the sink) the later ones must not overtake it.
TEST(Rawvideoparse, SinkKeepsFrameOrderWhenPlayingStartsInTheMiddleOfAChainCall) {
  auto made = test_registry().make("framesink");
  ASSERT_TRUE(made);
  auto& s = static_cast<frame_sink&>(**made);
  ASSERT_EQ(s.set_state_step(state::ready), state_change::success);
  ASSERT_NE(s.set_state_step(state::paused), state_change::failure);
  task_context ctx;
  auto frame = [](std::size_t k) {
    buffer b = buffer::allocate(frame_bytes).value();
    auto m = b.map(map_access::write).value();
    for (std::size_t i = 0; i < frame_bytes; ++i) m.data()[i] = pixel(k, i);
    b.pts = static_cast<clock_time>(k);
    b.offset = k;
    return b;
  };
  {
    task_context::scope in_task(ctx);
    ASSERT_EQ(s.chain(s.sinkpad(), frame(0)), flow::ok);  // the preroll frame: held
    ASSERT_EQ(s.set_state_step(state::playing), state_change::success);
    ASSERT_EQ(s.chain(s.sinkpad(), frame(1)), flow::ok);
    ASSERT_EQ(s.chain(s.sinkpad(), frame(2)), flow::ok);
  }
  boost::asio::io_context io;
  flow drained = flow::error;
  boost::asio::co_spawn(io, ctx.drain(flow::ok), [&](std::exception_ptr, flow f) { drained = f; });
  io.run_for(5s);
  EXPECT_EQ(drained, flow::ok);
  const auto got = s.frames();
  ASSERT_EQ(got.size(), 3u);
  for (std::size_t k = 0; k < 3; ++k) EXPECT_EQ(got[k].offset, k);
  (void)s.set_state_step(state::paused);
  (void)s.set_state_step(state::ready);
}

TEST(Rawvideoparse, LinkToCapsItDoesNotProduceIsRefused) {
  auto p = build_pipeline("filesrc location=v.gray ! " + parse_props() + " ! video/x-raw,format=RGBA ! framesink",
                          test_registry(), "test");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("no common caps"), std::string::npos) << p.error().message;
  EXPECT_NE(p.error().message.find("format=GRAY8"), std::string::npos) << p.error().message;
}

TEST(Rawvideoparse, SourceCapsFollowTheProperties) {
  auto e = test_registry().make("rawvideoparse");
  ASSERT_TRUE(e);
  auto& parse = static_cast<rawvideoparse&>(**e);
  ASSERT_TRUE(parse.set_property_from_string("width", "64"));
  ASSERT_TRUE(parse.set_property_from_string("height", "48"));
  ASSERT_TRUE(parse.set_property_from_string("format", "RGB"));
  ASSERT_TRUE(parse.set_property_from_string("framerate", "30000/1001"));
  EXPECT_EQ(parse.srcpad().query_caps().to_string(),
            "video/x-raw,format=RGB,width=64,height=48,framerate=30000/1001,layout=linear");
  EXPECT_TRUE(parse.sinkpad().query_caps().is_any());
}

}  // namespace
}  // namespace tessera::core
