// What the bus says while a pipeline starts, as GStreamer's does: one stream-start per
// preroll once every sink has the stream-start event (not again after a flushing
// seek), a state-changed message from every element for each of its steps (a
// prerolling sink's when its preroll completes), the pipeline's with pending
// "void-pending" once it is where it was going, and GStreamer's message type names.
#include "core/graph/bus.hpp"

#include "core/graph/pipeline.hpp"
#include "core/graph/pipeline_builder.hpp"
#include "tests/core/support/file_test_support.hpp"
#include "tests/core/support/test_elements.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

namespace tessera::core {
namespace bus_messages_test {

using namespace std::chrono_literals;
using test::build_test_pipeline;
using test::element_as;
using test::eventually;
using test::harness_sink;

/// Every message on the bus until `last` from the pipeline (included), as
/// "source type old->new pending" lines (old/new/pending only for state-changed).
std::vector<std::string> messages_until(pipeline& p, message_type last, std::chrono::milliseconds timeout = 10s) {
  std::vector<std::string> out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ADD_FAILURE() << "no " << to_string(last) << " from " << p.name() << " within the deadline";
      return out;
    }
    auto m = p.bus().pop(left);
    if (!m) continue;
    std::string line = m->source + " " + std::string(to_string(m->type));
    if (m->type == message_type::state_changed)
      line += " " + m->get_string("old").value_or("?") + "->" + m->get_string("new").value_or("?") + " " +
              m->get_string("pending").value_or("?");
    out.push_back(line);
    if (m->type == last && m->source == p.name()) return out;
  }
}

std::size_t count(const std::vector<std::string>& lines, const std::string& line) {
  return static_cast<std::size_t>(std::count(lines.begin(), lines.end(), line));
}

std::ptrdiff_t index_of(const std::vector<std::string>& lines, const std::string& line) {
  auto it = std::find(lines.begin(), lines.end(), line);
  return it == lines.end() ? -1 : it - lines.begin();
}

std::unique_ptr<pipeline> build_real(std::string_view text, std::string name = "bus") {
  auto p = build_pipeline(text, test_runtime().registry(), std::move(name));
  if (!p) throw std::runtime_error(p.error().message);
  return std::move(p).value();
}

TEST(MessageTypes, HaveGStreamerNames) {
  EXPECT_EQ(to_string(message_type::error), "error");
  EXPECT_EQ(to_string(message_type::warning), "warning");
  EXPECT_EQ(to_string(message_type::eos), "eos");
  EXPECT_EQ(to_string(message_type::state_changed), "state-changed");
  EXPECT_EQ(to_string(message_type::qos), "qos");
  EXPECT_EQ(to_string(message_type::element), "element");
  EXPECT_EQ(to_string(message_type::latency), "latency");
  EXPECT_EQ(to_string(message_type::async_done), "async-done");
  EXPECT_EQ(to_string(message_type::stream_start), "stream-start");
  EXPECT_EQ(to_string(message_type::segment_done), "segment-done");
}

TEST(MessageTypes, StateChangedSaysVoidPendingOnceTheTargetIsReached) {
  const message on_the_way = state_changed_message("p", state::null_state, state::ready, state::playing);
  EXPECT_EQ(on_the_way.get_string("old"), "null");
  EXPECT_EQ(on_the_way.get_string("new"), "ready");
  EXPECT_EQ(on_the_way.get_string("pending"), "playing");
  EXPECT_EQ(state_changed_message("p", state::paused, state::playing, state::playing).get_string("pending"),
            "void-pending");
}

TEST(StreamStart, IsPostedOncePerPrerollByThePipeline) {
  auto p = build_test_pipeline("octsrc num-buffers=3 ! harnesssink");
  ASSERT_EQ(p->set_state(state::paused), state_change::async);
  const auto lines = messages_until(*p, message_type::async_done);
  EXPECT_EQ(count(lines, "p stream-start"), 1u);
  // GStreamer's order: the stream starts before the sink prerolls.
  EXPECT_LT(index_of(lines, "p stream-start"), index_of(lines, "p async-done"));
  EXPECT_LT(index_of(lines, "p stream-start"), index_of(lines, "harnesssink0 state-changed ready->paused void-pending"));

  p->set_state(state::playing);
  const auto played = messages_until(*p, message_type::eos);
  EXPECT_EQ(count(played, "p stream-start"), 0u) << "PLAYING starts no new stream";

  // READY -> PAUSED again: a new stream, a new message.
  ASSERT_EQ(p->set_state(state::ready), state_change::success);
  ASSERT_EQ(p->set_state(state::paused), state_change::async);
  EXPECT_EQ(count(messages_until(*p, message_type::async_done), "p stream-start"), 1u);
  EXPECT_EQ(element_as<harness_sink>(*p, "harnesssink0").stream_start_count(), 2u);
  p->set_state(state::null_state);
}

TEST(StreamStart, WaitsForEverySinkAndIsPostedOnce) {
  auto p = build_test_pipeline("octsrc ! harnesssink  octsrc ! harnesssink");
  element* a = p->find("harnesssink0");
  element* b = p->find("harnesssink1");
  p->stream_start(*a);
  p->stream_start(*a);  // the same sink twice is still one
  EXPECT_FALSE(p->bus().pop_filtered(0ms, {message_type::stream_start})) << "posted before the second sink had it";
  p->stream_start(*b);
  auto m = p->bus().pop_filtered(0ms, {message_type::stream_start});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->source, "p");
  p->stream_start(*b);
  EXPECT_FALSE(p->bus().pop_filtered(0ms, {message_type::stream_start})) << "posted twice in one preroll";
}

TEST(StreamStart, ATeeWithTwoSinksGivesOneMessage) {
  auto p = build_real("fakesrc num-buffers=3 ! tee name=t  t. ! queue ! fakesink  t. ! queue ! fakesink");
  ASSERT_NE(p->set_state(state::playing), state_change::failure);
  const auto lines = messages_until(*p, message_type::eos);
  EXPECT_EQ(count(lines, "bus stream-start"), 1u);
  EXPECT_LT(index_of(lines, "bus stream-start"), index_of(lines, "bus async-done"));
  p->set_state(state::null_state);
}

TEST(StreamStart, EveryElementBetweenSourceAndSinkForwardsIt) {
  // capsfilter and videoconvert (base_transform), identity, queue, tee: if one of
  // them swallowed the event, that branch's sink would never have it and the
  // pipeline would post no stream-start at all.
  auto p = build_real(
      "testsrc num-buffers=2 ! video/x-raw,width=64,height=48 ! identity ! tee name=t  "
      "t. ! queue ! videoconvert ! fakesink  t. ! fakesink");
  ASSERT_NE(p->set_state(state::paused), state_change::failure);
  EXPECT_EQ(count(messages_until(*p, message_type::async_done), "bus stream-start"), 1u);
  p->set_state(state::null_state);
}

TEST(StreamStart, RawvideoparseStartsTheStreamItPullsAndForwardsTheOneItIsPushed) {
  // Pull mode: filesrc has no task, so the parser that drives the pipeline sends the
  // stream-start; push mode (behind a queue): filesrc's goes through the parser.
  file_test::temp_dir dir;
  file_test::write_file(dir / "v.gray", file_test::test_bytes(8 * 4 * 3));
  const std::string location = "filesrc location=\"" + (dir / "v.gray").string() + "\"";
  const std::string parse = "rawvideoparse width=8 height=4 format=GRAY8 framerate=30/1";
  for (const std::string& text : {location + " ! " + parse + " ! fakesink",
                                   location + " blocksize=20 ! queue ! " + parse + " ! fakesink"}) {
    SCOPED_TRACE(text);
    auto p = build_real(text);
    ASSERT_NE(p->set_state(state::playing), state_change::failure);
    EXPECT_EQ(count(messages_until(*p, message_type::eos), "bus stream-start"), 1u);
    p->set_state(state::null_state);
  }
}

TEST(StreamStart, AFlushingSeekStartsNoNewStream) {
  auto p = build_test_pipeline("octsrc seekable=true pts-step=1000000 ! harnesssink");
  auto& sink = element_as<harness_sink>(*p, "harnesssink0");
  ASSERT_EQ(p->set_state(state::paused), state_change::async);
  ASSERT_EQ(count(messages_until(*p, message_type::async_done), "p stream-start"), 1u);
  ASSERT_EQ(sink.stream_start_count(), 1u);

  seek_request r;
  r.flags = seek_flags::flush;
  r.start = 0;
  ASSERT_TRUE(p->seek(r));
  // The seek flushed and the source pushed again: a new preroll buffer arrived.
  EXPECT_TRUE(eventually([&] { return sink.preroll_count() >= 2; }));
  EXPECT_EQ(sink.stream_start_count(), 1u) << "a flushing seek must not send stream-start again";
  EXPECT_FALSE(p->bus().pop_filtered(0ms, {message_type::stream_start}));
  p->set_state(state::null_state);
}

TEST(ElementStateChanged, EveryElementPostsEachStepAndASinkWhenItPrerolled) {
  auto p = build_test_pipeline("octsrc num-buffers=3 ! xform ! harnesssink");
  ASSERT_EQ(p->set_state(state::paused), state_change::async);
  const auto lines = messages_until(*p, message_type::async_done);
  for (const char* e : {"octsrc0", "xform0", "harnesssink0"}) {
    EXPECT_EQ(count(lines, std::string(e) + " state-changed null->ready void-pending"), 1u) << e;
    EXPECT_EQ(count(lines, std::string(e) + " state-changed ready->paused void-pending"), 1u) << e;
  }
  EXPECT_EQ(count(lines, "p state-changed null->ready paused"), 1u);
  EXPECT_EQ(count(lines, "p state-changed ready->paused void-pending"), 1u);
  // Sinks first, like a bin; the pipeline's own message after its elements'.
  EXPECT_LT(index_of(lines, "harnesssink0 state-changed null->ready void-pending"),
            index_of(lines, "octsrc0 state-changed null->ready void-pending"));
  EXPECT_LT(index_of(lines, "octsrc0 state-changed null->ready void-pending"),
            index_of(lines, "p state-changed null->ready paused"));
  // The sink is in PAUSED once it holds its preroll buffer, after the source started.
  EXPECT_LT(index_of(lines, "octsrc0 state-changed ready->paused void-pending"),
            index_of(lines, "harnesssink0 state-changed ready->paused void-pending"));
  EXPECT_LT(index_of(lines, "harnesssink0 state-changed ready->paused void-pending"),
            index_of(lines, "p state-changed ready->paused void-pending"));

  p->set_state(state::null_state);
  std::vector<std::string> down;
  while (auto m = p->bus().pop(0ms))
    if (m->type == message_type::state_changed && m->source == "xform0")
      down.push_back(m->get_string("old").value_or("?") + "->" + m->get_string("new").value_or("?"));
  EXPECT_EQ(down, (std::vector<std::string>{"paused->ready", "ready->null"}));
}

TEST(ElementStateChanged, ALiveSinkIsInPausedAtOnce) {
  auto p = build_test_pipeline("octsrc is-live=true pts-step=5000000 ! harnesssink");
  ASSERT_EQ(p->set_state(state::paused), state_change::no_preroll);
  std::vector<std::string> lines;
  while (auto m = p->bus().pop(0ms))
    if (m->type == message_type::state_changed)
      lines.push_back(m->source + " " + m->get_string("old").value_or("?") + "->" + m->get_string("new").value_or("?"));
  EXPECT_EQ(count(lines, "harnesssink0 ready->paused"), 1u) << "nobody waits for a live sink's preroll";
  EXPECT_EQ(count(lines, "p ready->paused"), 1u);
  p->set_state(state::null_state);
}

}  // namespace bus_messages_test
}  // namespace tessera::core
