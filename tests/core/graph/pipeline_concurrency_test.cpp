// Pipeline states with real streaming tasks on the shared pool (runs under TSan):
// NULL -> PLAYING, asynchronous preroll in PAUSED, the order of state-changed
// messages, live sources, EOS aggregation over several sinks, errors confined to
// their pipeline, and shutdown while streaming. Every wait has a deadline.
#include "core/graph/pipeline.hpp"

#include "tests/core/support/test_elements.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace tessera::core {
namespace pipeline_concurrency_test {

using namespace std::chrono_literals;
using test::build_test_pipeline;
using test::element_as;
using test::eventually;
using test::push_src;
using test::harness_sink;
using test::within;

struct transition {
  std::string from, to;
  bool operator==(const transition&) const = default;
};
std::ostream& operator<<(std::ostream& os, const transition& t) { return os << t.from << "->" << t.to; }

/// The pipeline's own state changes (each element posts its own as well).
std::vector<transition> state_changes(pipeline& p, std::size_t n, std::chrono::milliseconds timeout) {
  bus& b = p.bus();
  std::vector<transition> out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < n) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    auto m = b.pop_filtered(left, {message_type::state_changed});
    if (!m) break;
    if (m->source != p.name()) continue;
    out.push_back({m->get_string("old").value_or("?"), m->get_string("new").value_or("?")});
  }
  return out;
}

void stop(pipeline& p) {
  EXPECT_EQ(within(10s, "set_state(NULL)", [&] { return p.set_state(state::null_state); }), state_change::success);
}

TEST(PipelineStates, NullToPlayingReachesPlayingAndStreams) {
  auto p = build_test_pipeline("octsrc ! harnesssink");
  auto& sink = element_as<harness_sink>(*p, "harnesssink0");

  EXPECT_EQ(p->set_state(state::playing), state_change::async);
  EXPECT_EQ(p->wait_state(10s), state::playing);
  EXPECT_EQ(p->current_state(), state::playing);
  EXPECT_TRUE(eventually([&] { return sink.render_count() >= 10; }));
  stop(*p);
  EXPECT_EQ(p->current_state(), state::null_state);
}

TEST(PipelineStates, PausedPrerollsExactlyOneBufferAndRendersNone) {
  std::atomic<std::int64_t> prerolls_when_paused{-1};
  auto p = build_test_pipeline("octsrc num-buffers=5 ! harnesssink");
  auto& sink = element_as<harness_sink>(*p, "harnesssink0");
  auto& src = element_as<push_src>(*p, "octsrc0");
  const auto sub = p->bus().subscribe([&](const message& m) {
    if (m.type == message_type::state_changed && m.source == p->name() && m.get_string("new") == "paused")
      prerolls_when_paused = static_cast<std::int64_t>(sink.preroll_count());
  });

  EXPECT_EQ(p->set_state(state::paused), state_change::async);
  EXPECT_EQ(p->wait_state(10s), state::paused);
  EXPECT_FALSE(p->state_pending());
  EXPECT_EQ(prerolls_when_paused.load(), 1) << "PAUSED must be reached only after the preroll";

  std::this_thread::sleep_for(50ms);  // room for anything that should not happen
  EXPECT_EQ(sink.preroll_count(), 1u);
  EXPECT_EQ(sink.render_count(), 0u);
  EXPECT_EQ(src.produced(), 1u) << "the source must wait while the sink holds the preroll buffer";
  p->bus().unsubscribe(sub);
  stop(*p);
}

TEST(PipelineStates, PausedToPlayingRendersThePrerolledBufferAndTheRest) {
  auto p = build_test_pipeline("octsrc num-buffers=5 size=7 ! harnesssink");
  auto& sink = element_as<harness_sink>(*p, "harnesssink0");
  ASSERT_EQ(p->set_state(state::paused), state_change::async);
  ASSERT_EQ(p->wait_state(10s), state::paused);
  ASSERT_EQ(sink.render_count(), 0u);

  p->set_state(state::playing);
  EXPECT_EQ(p->wait_state(10s), state::playing);
  EXPECT_TRUE(eventually([&] { return sink.render_count() == 5; }));
  EXPECT_EQ(sink.preroll_count(), 1u);
  for (const auto& r : sink.records()) EXPECT_EQ(r.size, 7u);
  stop(*p);
}

TEST(PipelineStates, StateChangedMessagesArePostedInOrder) {
  auto p = build_test_pipeline("octsrc ! xform ! harnesssink");
  p->set_state(state::playing);
  ASSERT_EQ(p->wait_state(10s), state::playing);
  EXPECT_EQ(state_changes(*p, 3, 10s),
            (std::vector<transition>{{"null", "ready"}, {"ready", "paused"}, {"paused", "playing"}}));
  stop(*p);
  EXPECT_EQ(state_changes(*p, 3, 10s),
            (std::vector<transition>{{"playing", "paused"}, {"paused", "ready"}, {"ready", "null"}}));
}

TEST(PipelineStates, AsyncDoneFollowsThePrerollStateChange) {
  auto p = build_test_pipeline("octsrc ! harnesssink");
  p->set_state(state::paused);
  ASSERT_EQ(p->wait_state(10s), state::paused);
  std::vector<std::string> seen;
  while (auto m = p->bus().pop(0ms)) {
    if (m->type == message_type::state_changed && m->source == p->name())
      seen.push_back(*m->get_string("old") + "->" + *m->get_string("new"));
    if (m->type == message_type::async_done) seen.push_back("async-done");
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"null->ready", "ready->paused", "async-done"}));
  stop(*p);
}

TEST(PipelineStates, LiveSourceAnswersNoPrerollAndPausesWithoutPreroll) {
  auto p = build_test_pipeline("octsrc is-live=true pts-step=5000000 ! harnesssink");
  auto& sink = element_as<harness_sink>(*p, "harnesssink0");
  auto& src = element_as<push_src>(*p, "octsrc0");

  EXPECT_EQ(p->set_state(state::paused), state_change::no_preroll);
  EXPECT_EQ(p->current_state(), state::paused) << "no waiting for a preroll that a live source never gives";
  EXPECT_FALSE(p->state_pending());
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(src.produced(), 0u) << "a live source produces only in PLAYING";
  EXPECT_EQ(sink.preroll_count(), 0u);

  p->set_state(state::playing);
  EXPECT_EQ(p->wait_state(10s), state::playing);
  EXPECT_TRUE(eventually([&] { return sink.render_count() >= 3; }));
  EXPECT_EQ(sink.preroll_count(), 0u);
  stop(*p);
}

TEST(PipelineStates, EosIsPostedOnceWhenEverySinkHasReachedIt) {
  std::atomic<int> eos_messages{0};
  auto p = build_test_pipeline("octsrc num-buffers=3 ! harnesssink name=a  octsrc name=endless ! harnesssink name=b");
  auto& a = element_as<harness_sink>(*p, "a");
  auto& b = element_as<harness_sink>(*p, "b");
  const auto sub = p->bus().subscribe([&](const message& m) {
    if (m.type == message_type::eos) eos_messages.fetch_add(1);
  });
  p->set_state(state::playing);
  ASSERT_EQ(p->wait_state(10s), state::playing);

  ASSERT_TRUE(eventually([&] { return a.eos_count() == 1; }));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(eos_messages.load(), 0) << "one sink at EOS is not the pipeline at EOS";
  EXPECT_FALSE(p->is_eos());
  EXPECT_GT(b.render_count(), 0u);

  p->send_eos();
  auto eos = p->bus().pop_filtered(10s, {message_type::eos});
  ASSERT_TRUE(eos);
  EXPECT_EQ(eos->source, "p");
  EXPECT_TRUE(p->is_eos());
  EXPECT_EQ(b.eos_count(), 1u);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(eos_messages.load(), 1);
  p->bus().unsubscribe(sub);
  stop(*p);
}

TEST(PipelineStates, ElementErrorStopsItsPipelineButAnotherKeepsStreaming) {
  auto failing = build_test_pipeline("octsrc ! xform error-after=5 ! harnesssink name=s", "p1");
  auto healthy = build_test_pipeline("octsrc ! xform ! harnesssink name=s", "p2");
  auto& s1 = element_as<harness_sink>(*failing, "s");
  auto& s2 = element_as<harness_sink>(*healthy, "s");
  healthy->set_state(state::playing);
  failing->set_state(state::playing);

  auto err = failing->bus().pop_filtered(10s, {message_type::error});
  ASSERT_TRUE(err);
  EXPECT_EQ(err->source, "xform0");
  EXPECT_NE(err->get_string("message").value_or("").find("error-after=5"), std::string::npos);
  EXPECT_TRUE(failing->has_error());
  EXPECT_TRUE(failing->last_error().starts_with("xform0: ")) << failing->last_error();
  EXPECT_NE(failing->last_error().find("error-after=5"), std::string::npos) << failing->last_error();

  std::this_thread::sleep_for(20ms);
  const auto stopped_at = s1.render_count();
  EXPECT_LE(stopped_at, 5u);
  const auto healthy_at = s2.render_count();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(s1.render_count(), stopped_at) << "the failed pipeline must stop streaming";
  EXPECT_TRUE(eventually([&] { return s2.render_count() > healthy_at + 100; })) << "the other pipeline keeps going";
  EXPECT_FALSE(healthy->has_error());
  EXPECT_TRUE(test::pop_all(healthy->bus(), message_type::error, 0ms).empty());
  stop(*failing);
  stop(*healthy);
}

TEST(PipelineStates, SetStateNullWhileStreamingJoinsCleanlyEveryTime) {
  const char* descriptions[] = {
      "octsrc ! xform mode=copy ! harnesssink",
      "octsrc pts-step=1000000 ! xform mode=in-place ! delay delay-ns=200000 ! harnesssink sync=true",
      "octsrc is-live=true pts-step=1000000 ! xform map=unit-any ! harnesssink sync=true",
      "octsrc ! delay delay-ns=50000 ! xform mode=copy map=unit-any ! harnesssink",
  };
  for (int i = 0; i < 50; ++i) {
    const char* text = descriptions[i % 4];
    SCOPED_TRACE(std::string("iteration ") + std::to_string(i) + ": " + text);
    auto p = build_test_pipeline(text);
    auto& sink = element_as<harness_sink>(*p, "harnesssink0");
    p->set_state(state::playing);
    ASSERT_TRUE(eventually([&] { return sink.render_count() >= 2; }));
    // The hang message names the pipeline: `within` aborts, and SCOPED_TRACE with it.
    const std::string what = std::string("set_state(NULL) of ") + text;
    EXPECT_EQ(within(10s, what.c_str(), [&] { return p->set_state(state::null_state); }), state_change::success);
    EXPECT_EQ(p->current_state(), state::null_state);
    const auto errors = test::pop_all(p->bus(), message_type::error, 0ms);
    for (const auto& e : errors) ADD_FAILURE() << "error on a clean stop: " << e.source << ": " << e.get_string("message").value_or("");
    within(10s, "~pipeline", [&] { p.reset(); });
  }
}

/// Posts an error from its streaming thread while set_state holds the pipeline's
/// state lock. Once armed, the next chain call parks (test only: a bounded wait on
/// a pool thread) until this element's own change_state runs under that lock, then
/// posts while change_state lingers; set_state then goes on to join the source's
/// task, which must not be stuck in the post.
class error_on_stop : public element {
 public:
  using element::element;
  static std::vector<property_spec> properties() { return {}; }
  std::atomic<bool> armed{false}, parked{false};
  std::atomic<int> posted{0};

  flow chain(pad&, buffer&& b) override {
    if (armed.exchange(false)) {
      parked = true;
      for (int i = 0; i < 5000 && !in_state_change_.load(); ++i) std::this_thread::sleep_for(1ms);
      post_error(errc::bad_state, name() + ": failing while the pipeline stops");
      posted.fetch_add(1);
    }
    return static_pad(pad_direction::src)->push(std::move(b));
  }

 protected:
  state_change change_state(state from, state to) override {
    if (from == state::playing && to == state::paused) {
      in_state_change_ = true;
      std::this_thread::sleep_for(30ms);  // the streaming thread posts now
    }
    return element::change_state(from, to);
  }

 private:
  std::atomic<bool> in_state_change_{false};
};

TEST(PipelineStates, ErrorPostedWhileSetStateHoldsTheStateLockDoesNotDeadlock) {
  const auto factory = test::test_factory<error_on_stop>(
      "erroronstop", {test::sink_template(caps::new_any()), test::src_template(caps::new_any())});
  for (const bool sync : {false, true}) {
    SCOPED_TRACE(sync ? "sync=true" : "sync=false");
    auto p = std::make_unique<pipeline>("p", test_runtime());
    auto* src = p->add(test::test_registry().make("octsrc", "src").value()).value();
    auto* mid = static_cast<error_on_stop*>(p->add(factory->create(*factory, "mid")).value());
    auto* sink = static_cast<harness_sink*>(p->add(test::test_registry().make("harnesssink", "sink").value()).value());
    sink->set_property("sync", sync).value();
    link(*src->find_pad("src"), *mid->find_pad("sink")).value();
    link(*mid->find_pad("src"), *sink->find_pad("sink")).value();
    p->set_state(state::playing);
    ASSERT_TRUE(eventually([&] { return sink->render_count() >= 2; }));
    mid->armed = true;
    ASSERT_TRUE(eventually([&] { return mid->parked.load(); }));
    stop(*p);
    EXPECT_EQ(mid->posted.load(), 1);
    EXPECT_TRUE(p->has_error());
    within(10s, "~pipeline", [&] { p.reset(); });
  }
}

/// Passes buffers while open, drops them when closed; when slow, each state step
/// around PAUSED lingers 30 ms under the pipeline's state lock.
class gate : public element {
 public:
  using element::element;
  static std::vector<property_spec> properties() { return {}; }
  std::atomic<bool> open{true}, slow{false}, teardown_started{false};

  flow chain(pad&, buffer&& b) override {
    return open.load() ? static_pad(pad_direction::src)->push(std::move(b)) : flow::ok;
  }

 protected:
  state_change change_state(state from, state to) override {
    if (from == state::paused && to == state::ready) teardown_started = true;
    if (slow.load() && (to == state::paused || from == state::paused)) std::this_thread::sleep_for(30ms);
    return element::change_state(from, to);
  }
};

/// A sink whose first preroll waits (bounded) until the gate's teardown has begun,
/// so its async_done lands while set_state(NULL) holds the state lock.
class late_preroll_sink : public harness_sink {
 public:
  using harness_sink::harness_sink;
  gate* g = nullptr;
  std::atomic<bool> in_preroll{false};

 protected:
  flow preroll(buffer& b) override {
    if (!in_preroll.exchange(true))
      for (int i = 0; i < 5000 && !g->teardown_started.load(); ++i) std::this_thread::sleep_for(1ms);
    return harness_sink::preroll(b);
  }
};

TEST(PipelineStates, PrerollOfAnAbandonedPauseDoesNotCompleteTheNextOne) {
  const auto gate_f = test::test_factory<gate>("gate", {test::sink_template(caps::new_any()), test::src_template(caps::new_any())});
  const auto sink_f = test::test_factory<late_preroll_sink>("lps", {test::sink_template(caps::new_any())});
  auto p = std::make_unique<pipeline>("p", test_runtime());
  auto* src = p->add(test::test_registry().make("octsrc", "src").value()).value();
  auto* g = static_cast<gate*>(p->add(gate_f->create(*gate_f, "gate")).value());
  auto* sink = static_cast<late_preroll_sink*>(p->add(sink_f->create(*sink_f, "sink")).value());
  sink->g = g;
  link(*src->find_pad("src"), *g->find_pad("sink")).value();
  link(*g->find_pad("src"), *sink->find_pad("sink")).value();

  ASSERT_EQ(p->set_state(state::paused), state_change::async);
  ASSERT_TRUE(eventually([&] { return sink->in_preroll.load(); }));
  // Abandon this pause while the preroll is under way, and pause again at once,
  // this time with nothing reaching the sink: the second pause cannot complete.
  g->open = false;
  g->slow = true;
  within(10s, "set_state(NULL) then set_state(PAUSED)", [&] {
    EXPECT_EQ(p->set_state(state::null_state), state_change::success);
    EXPECT_EQ(p->set_state(state::paused), state_change::async);
  });
  std::this_thread::sleep_for(100ms);  // the first preroll's async_done has long been handled
  EXPECT_TRUE(p->state_pending()) << "the second pause completed without a preroll";
  EXPECT_EQ(p->current_state(), state::ready);
  EXPECT_EQ(sink->preroll_count(), 1u);
  stop(*p);
}

TEST(PipelineStates, PausingAndResumingKeepsStreaming) {
  auto p = build_test_pipeline("octsrc ! xform mode=in-place ! harnesssink");
  auto& sink = element_as<harness_sink>(*p, "harnesssink0");
  p->set_state(state::playing);
  ASSERT_EQ(p->wait_state(10s), state::playing);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(eventually([&] { return sink.render_count() > 0; }));
    // Not live: PAUSED prerolls again (the sink's next buffer), asynchronously.
    EXPECT_EQ(within(10s, "set_state(PAUSED)", [&] { return p->set_state(state::paused); }), state_change::async);
    EXPECT_EQ(p->wait_state(10s), state::paused);
    const auto paused_at = sink.render_count();
    std::this_thread::sleep_for(20ms);
    EXPECT_LE(sink.render_count(), paused_at + 1) << "rendering must stop in PAUSED";
    p->set_state(state::playing);
    EXPECT_TRUE(eventually([&] { return sink.render_count() > paused_at + 10; }));
  }
  stop(*p);
}

/// Messages of type `types` on `p`'s bus until `n` were seen (or the deadline).
std::vector<std::string> next_messages(pipeline& p, std::size_t n, std::chrono::milliseconds timeout) {
  std::vector<std::string> seen;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (seen.size() < n && std::chrono::steady_clock::now() < deadline) {
    auto m = p.bus().pop_filtered(10ms, {message_type::state_changed, message_type::async_done});
    if (!m || m->source != p.name()) continue;  // the pipeline's own, not each element's
    if (m->type == message_type::async_done)
      seen.push_back("async-done");
    else
      seen.push_back(*m->get_string("old") + "->" + *m->get_string("new"));
  }
  return seen;
}

void play(pipeline& p) {
  p.set_state(state::playing);
  ASSERT_EQ(p.wait_state(10s), state::playing);
  p.bus().clear();
}

// GstBaseSink: PLAYING -> PAUSED is async until the sink holds a buffer again.
TEST(PipelineStates, PlayingToPausedPrerollsAgainWithTheNextBuffer) {
  auto p = build_test_pipeline("octsrc ! harnesssink");
  auto& sink = element_as<harness_sink>(*p, "harnesssink0");
  play(*p);
  ASSERT_TRUE(eventually([&] { return sink.render_count() > 0; }));
  EXPECT_EQ(sink.preroll_count(), 1u);

  EXPECT_EQ(p->set_state(state::paused), state_change::async);
  EXPECT_EQ(p->wait_state(10s), state::paused);
  EXPECT_FALSE(p->state_pending());
  EXPECT_EQ(sink.preroll_count(), 2u) << "the first buffer after PLAYING is a preroll buffer";
  EXPECT_EQ(next_messages(*p, 2, 10s), (std::vector<std::string>{"playing->paused", "async-done"}));
  const auto rendered = sink.render_count();
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(sink.render_count(), rendered) << "nothing renders in PAUSED";
  play(*p);
  EXPECT_TRUE(eventually([&] { return sink.render_count() > rendered + 5; }));
  stop(*p);
}

TEST(PipelineStates, PlayingToPausedPrerollsTheBufferWaitingForItsClockTime) {
  // 200 ms between buffers and sync=true: the sink is waiting for the clock when PAUSED
  // comes; that buffer is the preroll, long before the next one would arrive.
  auto p = build_test_pipeline("octsrc pts-step=200000000 ! harnesssink sync=true");
  auto& sink = element_as<harness_sink>(*p, "harnesssink0");
  play(*p);
  ASSERT_TRUE(eventually([&] { return sink.render_count() >= 1; }));
  EXPECT_EQ(p->set_state(state::paused), state_change::async);
  EXPECT_EQ(p->wait_state(10s), state::paused);
  EXPECT_EQ(sink.preroll_count(), 2u);
  stop(*p);
}

TEST(PipelineStates, PlayingToPausedAtEosIsPrerolledAtOnce) {
  auto p = build_test_pipeline("octsrc num-buffers=3 ! harnesssink");
  play(*p);
  ASSERT_TRUE(eventually([&] { return p->is_eos(); }));
  EXPECT_EQ(p->set_state(state::paused), state_change::success);
  EXPECT_EQ(p->current_state(), state::paused);
  stop(*p);
}

TEST(PipelineStates, LivePlayingToPausedAnswersNoPreroll) {
  auto p = build_test_pipeline("octsrc is-live=true pts-step=5000000 ! harnesssink");
  auto& sink = element_as<harness_sink>(*p, "harnesssink0");
  play(*p);
  ASSERT_TRUE(eventually([&] { return sink.render_count() >= 2; }));
  EXPECT_EQ(p->set_state(state::paused), state_change::no_preroll);
  EXPECT_EQ(p->current_state(), state::paused);
  EXPECT_FALSE(p->state_pending());
  stop(*p);
}

TEST(PipelineStates, BackToPlayingBeforeTheRePrerollStopsWaitingForIt) {
  // Each buffer takes 2 s through delay: the re-preroll is still pending when PLAYING
  // is asked for again, which must not wait for it (the elements are PAUSED).
  auto p = build_test_pipeline("octsrc ! delay delay-ns=2000000000 ! harnesssink");
  auto& sink = element_as<harness_sink>(*p, "harnesssink0");
  play(*p);
  ASSERT_TRUE(eventually([&] { return sink.render_count() >= 1; }));
  ASSERT_EQ(p->set_state(state::paused), state_change::async);
  EXPECT_TRUE(p->state_pending());
  EXPECT_EQ(p->set_state(state::playing), state_change::success);
  EXPECT_EQ(p->current_state(), state::playing);
  EXPECT_FALSE(p->state_pending());
  const auto rendered = sink.render_count();
  EXPECT_TRUE(eventually([&] { return sink.render_count() > rendered; }));
  stop(*p);
}

TEST(PipelineStates, GoingDownFromPlayingDoesNotWaitForARePreroll) {
  // The sinks answer async for PLAYING -> PAUSED, but READY is the target: no preroll.
  auto p = build_test_pipeline("octsrc ! delay delay-ns=300000000 ! harnesssink");
  play(*p);
  EXPECT_EQ(p->set_state(state::ready), state_change::success);
  EXPECT_EQ(p->current_state(), state::ready);
  EXPECT_FALSE(p->state_pending());
  stop(*p);
}

}  // namespace pipeline_concurrency_test
}  // namespace tessera::core
