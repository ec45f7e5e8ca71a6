// rawvideoparse in push mode (an upstream that cannot answer range requests): the
// byte adapter, byte seeks sent upstream, and the sink keeping frame order.
#include "core/elements/rawparse/rawvideoparse.hpp"

#include "core/sched/task_context.hpp"
#include "tests/core/elements/rawparse/rawvideoparse_test_support.hpp"
#include "tests/core/support/test_helpers.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <mutex>

namespace tessera::core {
namespace rawvideoparse_push_test {

using namespace rawvideoparse_test;
using namespace std::chrono_literals;

TEST(Rawvideoparse, PushModeThroughAQueueReassemblesFramesAcrossBuffers) {
  temp_dir dir;
  write_file(dir / "v.gray", frames_file_bytes(9));
  // 20-byte blocks: most frames straddle two or three buffers.
  auto p = harness_pipeline("filesrc blocksize=20 location=" + quoted(dir / "v.gray") + " ! queue ! " + parse_props("25/2") +
                 " ! harnesssink");
  ASSERT_TRUE(p);
  run_to_eos(*p);
  EXPECT_EQ(parser(*p)->sinkpad().mode(), pad_mode::push);
  expect_frames(sink(*p)->records(), 0, 9, 25, 2);
}

TEST(Rawvideoparse, PushModeSharesInputWhenABufferHoldsWholeFrames) {
  temp_dir dir;
  write_file(dir / "v.gray", frames_file_bytes(16));
  const auto before = memory_counters_snapshot();
  {
    auto p = harness_pipeline("filesrc blocksize=" + std::to_string(4 * frame_bytes) + " location=" + quoted(dir / "v.gray") +
                   " ! queue ! " + parse_props() + " ! harnesssink");
    ASSERT_TRUE(p);
    run_to_eos(*p);
    expect_frames(sink(*p)->records(), 0, 16);
  }
  EXPECT_EQ(test::counters_since(before).copied_bytes, 0u);

  // Control: frames that straddle buffers are copied once each, and only those.
  const auto before_spanning = memory_counters_snapshot();
  {
    auto p = harness_pipeline("filesrc blocksize=48 location=" + quoted(dir / "v.gray") + " ! queue ! " + parse_props() +
                   " ! harnesssink");
    ASSERT_TRUE(p);
    run_to_eos(*p);
    expect_frames(sink(*p)->records(), 0, 16);
  }
  // 48-byte blocks against 32-byte frames: frames 1, 4, 7, ... (every third, from 1)
  // straddle a block boundary: 16 frames -> frames 1,4,7,10,13 -> 5 copies.
  EXPECT_EQ(test::counters_since(before_spanning).copied_bytes, 5 * frame_bytes);
}

TEST(Rawvideoparse, PushModeFromFakesrcTimestampsFrames) {
  auto p = harness_pipeline("fakesrc num-buffers=6 size=32 filltype=pattern ! " + parse_props() + " ! harnesssink");
  ASSERT_TRUE(p);
  run_to_eos(*p);
  EXPECT_EQ(parser(*p)->sinkpad().mode(), pad_mode::push);
  const auto got = sink(*p)->records();
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
    auto p = harness_pipeline("filesrc blocksize=40 location=" + quoted(dir / "v.gray") + between + parse_props() + " ! harnesssink");
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
    expect_frames(sink(*p)->records(), 0, 5);
    std::lock_guard lock(mutex);
    ASSERT_EQ(warnings.size(), 1u) << between;
    const std::string& text = warnings[0];
    EXPECT_NE(text.find("dropping 13 bytes at byte 160"), std::string::npos) << text;
  }
}

TEST(Rawvideoparse, SeekInPushModeBecomesAByteSeekUpstream) {
  temp_dir dir;
  write_file(dir / "v.gray", frames_file_bytes(10));
  auto p = harness_pipeline("filesrc blocksize=64 location=" + quoted(dir / "v.gray") + " ! queue ! " + parse_props() +
                 " ! harnesssink");
  ASSERT_TRUE(p);
  p->set_state(state::paused);
  ASSERT_EQ(p->wait_state(10s), state::paused);
  seek_request r;
  r.start = pts_of(6, 30, 1) + 1000;
  ASSERT_TRUE(p->seek(r));
  run_to_eos(*p);
  EXPECT_EQ(parser(*p)->sinkpad().mode(), pad_mode::push);
  expect_frames(sink(*p)->records(), 6, 4);
}

TEST(Rawvideoparse, SeekInPushModeIsRefusedWhenUpstreamCannotSeek) {
  auto p = harness_pipeline("fakesrc size=32 filltype=pattern ! " + parse_props() + " ! harnesssink");
  ASSERT_TRUE(p);
  p->set_state(state::paused);
  ASSERT_EQ(p->wait_state(10s), state::paused);
  seek_request r;
  r.start = ns_per_second;
  auto refused = p->seek(r);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("rawvideoparse0: cannot seek to"), std::string::npos)
      << refused.error().message;
  // Upstream says why it refused the byte seek, then the parser why it cannot seek.
  const auto warnings = test::pop_all(p->bus(), message_type::warning, 200ms);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0].source, "fakesrc0");
  EXPECT_NE(warnings[0].get_string("message").value_or("").find("cannot seek in bytes"), std::string::npos);
  EXPECT_EQ(warnings[1].source, "rawvideoparse0");
  const std::string text = warnings[1].get_string("message").value_or("");
  EXPECT_NE(text.find("refused a seek to byte 960"), std::string::npos) << text;
  p->set_state(state::null_state);
}


// The sink side of push mode: one input buffer holding several frames is pushed
// frame by frame in one chain call. If PLAYING arrives after the first (the preroll
// frame, held by the sink) the later ones must not overtake it.
TEST(Rawvideoparse, SinkKeepsFrameOrderWhenPlayingStartsInTheMiddleOfAChainCall) {
  auto made = test::harness_registry().make("harnesssink");
  ASSERT_TRUE(made);
  auto& s = static_cast<harness_sink&>(**made);
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
  const auto got = s.records();
  ASSERT_EQ(got.size(), 3u);
  for (std::size_t k = 0; k < 3; ++k) EXPECT_EQ(got[k].offset, k);
  (void)s.set_state_step(state::paused);
  (void)s.set_state_step(state::ready);
}

}  // namespace rawvideoparse_push_test
}  // namespace tessera::core
