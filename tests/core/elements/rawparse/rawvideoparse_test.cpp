#include "core/elements/rawparse/rawvideoparse.hpp"

#include "tests/core/elements/rawparse/rawvideoparse_test_support.hpp"
#include "tests/core/support/test_helpers.hpp"

#include <gtest/gtest.h>

namespace tessera::core {
namespace rawvideoparse_test {

using namespace rawvideoparse_test;
using namespace std::chrono_literals;

TEST(Rawvideoparse, PullsEveryFrameFromFilesrcWithItsPts) {
  temp_dir dir;
  write_file(dir / "v.gray", frames_file_bytes(12));
  auto p = harness_pipeline("filesrc location=" + quoted(dir / "v.gray") + " ! " + parse_props() + " ! harnesssink");
  ASSERT_TRUE(p);
  run_to_eos(*p);
  EXPECT_EQ(parser(*p)->sinkpad().mode(), pad_mode::pull);
  EXPECT_EQ(p->find("filesrc0")->static_pad(pad_direction::src)->mode(), pad_mode::pull);
  const auto got = sink(*p)->records();
  expect_frames(got, 0, 12);
  EXPECT_TRUE(got[0].discont);
  EXPECT_EQ(parser(*p)->srcpad().current_caps().to_string(),
            "video/x-raw,format=GRAY8,width=8,height=4,framerate=30/1,layout=linear,pixel-aspect-ratio=1/1");
}

TEST(Rawvideoparse, SeekInPullModeContinuesFromTheFrameHoldingThePosition) {
  temp_dir dir;
  write_file(dir / "v.gray", frames_file_bytes(12));
  // 7 fps: frame pts are not whole ns, so a seek to a frame's own pts must still land on it.
  for (const bool exact : {false, true}) {
    auto p = harness_pipeline("filesrc location=" + quoted(dir / "v.gray") + " ! " + parse_props("7/1") + " ! harnesssink");
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
    const auto got = sink(*p)->records();
    expect_frames(got, 5, 7, 7, 1);
    EXPECT_TRUE(got[0].discont);
    EXPECT_EQ(parser(*p)->query_position(), pts_of(12, 7, 1));
  }
}

TEST(Rawvideoparse, SeekAfterTheEndPlaysAgainFromThere) {
  temp_dir dir;
  write_file(dir / "v.gray", frames_file_bytes(8));
  auto p = harness_pipeline("filesrc location=" + quoted(dir / "v.gray") + " ! " + parse_props() + " ! harnesssink");
  ASSERT_TRUE(p);
  run_to_eos(*p);
  ASSERT_EQ(sink(*p)->count(), 8u);
  seek_request r;
  r.start = pts_of(3, 30, 1);
  ASSERT_TRUE(p->seek(r));
  auto end = wait_for_end(*p);
  ASSERT_TRUE(end);
  ASSERT_EQ(end->type, message_type::eos) << end->get_string("message").value_or("");
  const auto got = sink(*p)->records();
  expect_frames(std::vector<harness_sink::record>(got.begin() + 8, got.end()), 3, 5);
}

TEST(Rawvideoparse, NonFlushingSeekInPullModeGoesOnFromTheNewFrameAfterThePrerolledOne) {
  temp_dir dir;
  write_file(dir / "v.gray", frames_file_bytes(12));
  auto p = harness_pipeline("filesrc location=" + quoted(dir / "v.gray") + " ! " + parse_props() + " ! harnesssink");
  ASSERT_TRUE(p);
  p->set_state(state::paused);
  ASSERT_EQ(p->wait_state(10s), state::paused);  // frame 0 is held by the sink
  seek_request r;
  r.start = pts_of(7, 30, 1);
  r.flags = seek_flags::none;
  ASSERT_TRUE(p->seek(r));
  run_to_eos(*p);
  const auto got = sink(*p)->records();
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
  auto p = harness_pipeline("filesrc location=" + quoted(dir / "v.gray") + " ! " + parse_props() + " ! harnesssink sync=true");
  ASSERT_TRUE(p);
  ASSERT_NE(p->set_state(state::playing), state_change::failure);
  ASSERT_TRUE(test::eventually([&] { return sink(*p)->count() >= 3; }));
  // filesrc has no task in pull mode: the EOS ends the stream at the next range pulled.
  p->send_eos();
  auto end = wait_for_end(*p);
  ASSERT_TRUE(end);
  EXPECT_EQ(end->type, message_type::eos);
  EXPECT_LT(sink(*p)->count(), 300u);
  expect_frames(sink(*p)->records(), 0, sink(*p)->count());
}

TEST(Rawvideoparse, DurationComesFromTheFileSizeInPullMode) {
  temp_dir dir;
  write_file(dir / "v.gray", frames_file_bytes(40, 7));
  auto p = harness_pipeline("filesrc location=" + quoted(dir / "v.gray") + " ! " + parse_props() + " ! harnesssink");
  ASSERT_TRUE(p);
  EXPECT_EQ(parser(*p)->query_duration(seek_format::time), std::nullopt);  // not started
  p->set_state(state::paused);
  ASSERT_EQ(p->wait_state(10s), state::paused);
  EXPECT_EQ(parser(*p)->query_duration(seek_format::time), pts_of(40, 30, 1));
  EXPECT_EQ(p->duration(), pts_of(40, 30, 1)) << "the pipeline asks its sinks, which ask upstream";
  p->set_state(state::null_state);
}

TEST(Rawvideoparse, FlushingSeekWhilePlayingRestartsCleanly) {
  temp_dir dir;
  write_file(dir / "v.gray", frames_file_bytes(60));
  // sync=true at 200 fps: 0.3 s of playing, so the seek lands mid-stream (where
  // exactly does not matter: the checks hold for any point before the end).
  auto p = harness_pipeline("filesrc location=" + quoted(dir / "v.gray") + " ! " + parse_props("200/1") +
                 " ! harnesssink sync=true");
  ASSERT_TRUE(p);
  ASSERT_NE(p->set_state(state::playing), state_change::failure);
  ASSERT_TRUE(test::eventually([&] { return sink(*p)->count() >= 5; }));
  seek_request r;
  r.start = pts_of(40, 200, 1);
  ASSERT_TRUE(p->seek(r));
  auto end = wait_for_end(*p);
  ASSERT_TRUE(end);
  ASSERT_EQ(end->type, message_type::eos);
  const auto got = sink(*p)->records();
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
      auto p = harness_pipeline("filesrc blocksize=100 location=" + quoted(dir / "v.gray") + between + parse_props("100/1") +
                     " ! harnesssink sync=true");
      ASSERT_TRUE(p);
      ASSERT_NE(p->set_state(state::playing), state_change::failure);
      ASSERT_TRUE(test::eventually([&] { return sink(*p)->count() >= 3; }));
      // Not live: PAUSED prerolls again (GstBaseSink), asynchronously.
      EXPECT_EQ(test::within(10s, "PLAYING -> PAUSED", [&] { return p->set_state(state::paused); }),
                state_change::async);
      EXPECT_EQ(p->wait_state(10s), state::paused);
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
  auto e = test::harness_registry().make("rawvideoparse");
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
  auto p = harness_pipeline("filesrc location=" + quoted(dir / "v.gray") +
                 " ! rawvideoparse width=100000 height=100000 format=GRAY8 ! harnesssink");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->set_state(state::paused), state_change::failure);
  auto err = wait_for_error(*p);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->source, "rawvideoparse0");
  EXPECT_NE(err->get_string("message").value_or("").find("100000x100000"), std::string::npos);
}

TEST(Rawvideoparse, LinkToCapsItDoesNotProduceIsRefused) {
  auto p = build_pipeline("filesrc location=v.gray ! " + parse_props() + " ! video/x-raw,format=RGBA ! harnesssink",
                          test::harness_registry(), "test");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("no common caps"), std::string::npos) << p.error().message;
  EXPECT_NE(p.error().message.find("format=GRAY8"), std::string::npos) << p.error().message;
}

TEST(Rawvideoparse, SourceCapsFollowTheProperties) {
  auto e = test::harness_registry().make("rawvideoparse");
  ASSERT_TRUE(e);
  auto& parse = static_cast<rawvideoparse&>(**e);
  ASSERT_TRUE(parse.set_property_from_string("width", "64"));
  ASSERT_TRUE(parse.set_property_from_string("height", "48"));
  ASSERT_TRUE(parse.set_property_from_string("format", "RGB"));
  ASSERT_TRUE(parse.set_property_from_string("framerate", "30000/1001"));
  EXPECT_EQ(parse.srcpad().query_caps().to_string(),
            "video/x-raw,format=RGB,width=64,height=48,framerate=30000/1001,layout=linear,pixel-aspect-ratio=1/1");
  EXPECT_TRUE(parse.sinkpad().query_caps().is_any());
}

/// Checks that `got` holds frames from `top` down to `bottom`, with their bytes and times.
void expect_frames_backward(const std::vector<harness_sink::record>& got, std::size_t top, std::size_t bottom) {
  ASSERT_EQ(got.size(), top - bottom + 1);
  for (std::size_t i = 0; i < got.size(); ++i) {
    const std::size_t k = top - i;
    EXPECT_EQ(got[i].bytes, expected_frame(k)) << "frame " << k;
    EXPECT_EQ(got[i].pts, pts_of(static_cast<std::int64_t>(k), 30, 1)) << "frame " << k;
    EXPECT_EQ(got[i].offset, k) << "frame " << k;
  }
  EXPECT_TRUE(got.empty() || got[0].discont);
}

std::unique_ptr<pipeline> paused_file_pipeline(const temp_dir& dir, const std::string& between = "") {
  auto p = harness_pipeline("filesrc location=" + quoted(dir / "v.gray") + between + " ! " + parse_props() + " ! harnesssink");
  if (!p) return p;
  p->set_state(state::paused);
  EXPECT_EQ(p->wait_state(10s), state::paused);
  return p;
}

TEST(Rawvideoparse, NegativeRateInPullModePlaysFromTheLastFrameDownToTheStart) {
  temp_dir dir;
  write_file(dir / "v.gray", frames_file_bytes(10, 5));  // 5 stray bytes: not a frame
  auto p = paused_file_pipeline(dir);
  ASSERT_TRUE(p);
  seek_request r;
  r.rate = -1.0;
  r.start = pts_of(2, 30, 1) + 1'000'000;  // inside frame 2
  r.flags = seek_flags::flush;
  ASSERT_TRUE(p->seek(r));
  EXPECT_EQ(p->wait_state(10s), state::paused);
  EXPECT_FALSE(p->state_pending());
  run_to_eos(*p);
  expect_frames_backward(sink(*p)->records(), 9, 2);
}

TEST(Rawvideoparse, NegativeRateWithAStopStartsBeforeTheStop) {
  temp_dir dir;
  write_file(dir / "v.gray", frames_file_bytes(10));
  auto p = paused_file_pipeline(dir);
  ASSERT_TRUE(p);
  seek_request r;
  r.rate = -1.0;
  r.start = 0;
  r.stop = pts_of(4, 30, 1) + 1;  // frame 4 starts before the stop, frame 5 does not
  r.flags = seek_flags::flush;
  ASSERT_TRUE(p->seek(r));
  run_to_eos(*p);
  expect_frames_backward(sink(*p)->records(), 4, 0);
}

TEST(Rawvideoparse, NegativeRateInPushModeIsRefusedAndChangesNothing) {
  temp_dir dir;
  write_file(dir / "v.gray", frames_file_bytes(6));
  auto p = paused_file_pipeline(dir, " ! queue");  // a queue in between: push mode
  ASSERT_TRUE(p);
  ASSERT_EQ(parser(*p)->sinkpad().mode(), pad_mode::push);
  seek_request r;
  r.rate = -1.0;
  r.flags = seek_flags::flush;
  auto refused = p->seek(r);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("rawvideoparse0"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("push mode"), std::string::npos) << refused.error().message;
  EXPECT_FALSE(p->state_pending());
  run_to_eos(*p);
  expect_frames(sink(*p)->records(), 0, 6);  // the prerolled frame 0 was not flushed
}

TEST(Rawvideoparse, SegmentSeekEndsWithSegmentDoneInsteadOfEos) {
  temp_dir dir;
  write_file(dir / "v.gray", frames_file_bytes(10));
  auto p = paused_file_pipeline(dir);
  ASSERT_TRUE(p);
  seek_request r;
  r.start = pts_of(2, 30, 1);
  r.stop = pts_of(5, 30, 1);
  r.flags = seek_flags::flush | seek_flags::segment;
  ASSERT_TRUE(p->seek(r));
  p->bus().clear();
  p->set_state(state::playing);
  auto done = p->bus().pop_filtered(10s, {message_type::segment_done, message_type::eos, message_type::error});
  ASSERT_TRUE(done);
  EXPECT_EQ(done->type, message_type::segment_done);
  EXPECT_EQ(done->source, "rawvideoparse0");
  EXPECT_EQ(done->get_int("position_ns"), pts_of(5, 30, 1));
  EXPECT_FALSE(p->bus().pop_filtered(100ms, {message_type::eos}));
  EXPECT_FALSE(p->is_eos());
  expect_frames(sink(*p)->records(), 2, 3);
  p->set_state(state::null_state);
}

}  // namespace rawvideoparse_test
}  // namespace tessera::core
