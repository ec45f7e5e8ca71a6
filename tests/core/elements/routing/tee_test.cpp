#include "core/elements/routing/tee.hpp"

#include "core/base/base_transform.hpp"
#include "core/memory/counters.hpp"
#include "tests/core/elements/routing/routing_test_support.hpp"

namespace tessera::core {
namespace tee_test {

using namespace routing_test;
using namespace std::chrono_literals;

constexpr std::int64_t ms = 1'000'000;  // ns
constexpr std::byte mark{0xAB};

/// bytewriter: an in-place transform that writes 0xAB into the first byte.
class byte_writer final : public base_transform {
 public:
  byte_writer(const element_factory& f, std::string name) : base_transform(f, std::move(name)) { set_in_place(true); }
  static std::unique_ptr<element_factory> factory() {
    return make_factory<byte_writer>(
        "bytewriter", "Byte writer", "Filter", "Writes 0xAB into the first byte, in place",
        {pad_template{"sink", pad_direction::sink, pad_presence::always, caps::new_any()},
         pad_template{"src", pad_direction::src, pad_presence::always, caps::new_any()}},
        {base_transform::qos_property(false)});
  }

 protected:
  bool has_transform_ip() const override { return true; }
  flow transform_ip(buffer& b) override {
    auto m = b.map(map_access::write);
    if (!m || m->size() == 0) return flow::error;
    m->data()[0] = mark;
    return flow::ok;
  }
};

element_registry& tee_registry() {
  static bool once = [] {
    registry().add(byte_writer::factory());
    return true;
  }();
  (void)once;
  return registry();
}

std::unique_ptr<pipeline> build_tee(const std::string& d) {
  tee_registry();
  return build(d);
}

std::byte first_byte(const buffer& b) {
  const memory& m = b.peek_memory(0);
  return m.data() ? m.data()[0] : std::byte{0};
}

buffer bytes(std::size_t n) { return std::move(buffer::allocate(n)).value(); }

bool has_write(const buffer& b) { return has_any(b.perms(), perm::write); }

TEST(Tee, EveryBranchReceivesEveryBuffer) {
  auto p = build_tee("timedsrc num-buffers=50 ! tee name=t  t. ! queue ! appsink name=a sync=false  "
                     "t. ! queue ! appsink name=b sync=false  t. ! queue ! appsink name=c sync=false");
  ASSERT_TRUE(p);
  EXPECT_EQ(int_prop(*p->find("t"), "num-src-pads"), 3);
  ASSERT_TRUE(reach(*p, state::playing));
  for (const char* name : {"a", "b", "c"}) {
    const auto samples = get<appsink>(*p, name)->pull_all(5s);
    ASSERT_EQ(samples.size(), 50u) << name;
    for (int i = 0; i < 50; ++i) EXPECT_EQ(samples[i].buffer.pts, i * 10 * ms) << name;
    EXPECT_TRUE(get<appsink>(*p, name)->is_eos()) << name;
  }
  ASSERT_TRUE(wait_eos(*p));
  p->set_state(state::null_state);
}

TEST(Tee, BranchesShareTheSameMemoryWithoutCopying) {
  auto p = build_tee("timedsrc num-buffers=20 size=4096 ! tee name=t  t. ! queue ! appsink name=a sync=false  "
                     "t. ! queue ! appsink name=b sync=false");
  ASSERT_TRUE(p);
  const auto before = memory_counters_snapshot();
  ASSERT_TRUE(reach(*p, state::playing));
  const auto a = get<appsink>(*p, "a")->pull_all(5s);
  const auto b = get<appsink>(*p, "b")->pull_all(5s);
  const auto after = memory_counters_snapshot();
  ASSERT_EQ(a.size(), 20u);
  ASSERT_EQ(b.size(), 20u);
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].buffer.n_memory(), 1u);
    ASSERT_EQ(b[i].buffer.n_memory(), 1u);
    EXPECT_EQ(a[i].buffer.peek_memory(0).data(), b[i].buffer.peek_memory(0).data()) << i;
    EXPECT_FALSE(has_write(a[i].buffer)) << i;  // a duplicated reference loses WRITE
    EXPECT_FALSE(has_write(b[i].buffer)) << i;
    EXPECT_FALSE(a[i].buffer.is_writable());     // and the memory really is shared
  }
  EXPECT_EQ(after.copies, before.copies);
  EXPECT_EQ(after.copied_bytes, before.copied_bytes);
  p->set_state(state::null_state);
}

TEST(Tee, ASingleBranchKeepsWritePermission) {
  auto p = build_tee("timedsrc num-buffers=5 ! tee name=t  t. ! appsink name=a sync=false");
  ASSERT_TRUE(p);
  ASSERT_TRUE(reach(*p, state::playing));
  const auto a = get<appsink>(*p, "a")->pull_all(5s);
  ASSERT_EQ(a.size(), 5u);
  for (auto& s : a) EXPECT_TRUE(has_write(s.buffer));
  p->set_state(state::null_state);
}

TEST(Tee, AnInPlaceWriterGetsACopyAndTheOtherBranchSeesTheOriginal) {
  constexpr int n = 10, size = 256;
  auto p = build_tee("timedsrc num-buffers=10 size=256 ! capsfilter caps=application/x-test ! tee name=t  "
                     "t. ! queue ! bytewriter ! appsink name=w sync=false  t. ! queue ! appsink name=o sync=false");
  ASSERT_TRUE(p);
  const auto before = memory_counters_snapshot();
  ASSERT_TRUE(reach(*p, state::playing));
  const auto w = get<appsink>(*p, "w")->pull_all(5s);
  const auto o = get<appsink>(*p, "o")->pull_all(5s);
  const auto after = memory_counters_snapshot();
  ASSERT_EQ(w.size(), static_cast<std::size_t>(n));
  ASSERT_EQ(o.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(first_byte(w[i].buffer), mark) << i;
    EXPECT_EQ(first_byte(o[i].buffer), static_cast<std::byte>(i % 100)) << i;  // untouched
    EXPECT_NE(w[i].buffer.peek_memory(0).data(), o[i].buffer.peek_memory(0).data()) << i;
    EXPECT_EQ(w[i].buffer.pts, o[i].buffer.pts);
  }
  // One copy per buffer, on the writing branch only.
  EXPECT_EQ(after.copies - before.copies, static_cast<std::uint64_t>(n));
  EXPECT_EQ(after.copied_bytes - before.copied_bytes, static_cast<std::uint64_t>(n) * size);
  p->set_state(state::null_state);
}

TEST(Tee, AnInPlaceWriterOnTheOnlyBranchWritesWithoutCopying) {
  auto p = build_tee("timedsrc num-buffers=10 size=256 ! capsfilter caps=application/x-test ! tee name=t  "
                     "t. ! queue ! bytewriter ! appsink name=w sync=false");
  ASSERT_TRUE(p);
  const auto before = memory_counters_snapshot();
  ASSERT_TRUE(reach(*p, state::playing));
  const auto w = get<appsink>(*p, "w")->pull_all(5s);
  const auto after = memory_counters_snapshot();
  ASSERT_EQ(w.size(), 10u);
  for (auto& s : w) EXPECT_EQ(first_byte(s.buffer), mark);
  EXPECT_EQ(after.copies, before.copies);
  p->set_state(state::null_state);
}

TEST(Tee, WithoutLinkedOutputsItAnswersNotLinkedUnlessAllowed) {
  auto made = tee_registry().make("tee", "t");
  ASSERT_TRUE(made);
  auto& t = dynamic_cast<tee&>(**made);
  pad& sink = *t.find_pad("sink");
  EXPECT_EQ(t.chain(sink, bytes(8)), flow::not_linked);  // no source pad at all
  ASSERT_TRUE(t.request_pad(pad_direction::src, "src_0"));
  ASSERT_TRUE(t.request_pad(pad_direction::src, "src_1"));
  EXPECT_EQ(int_prop(t, "num-src-pads"), 2);
  EXPECT_NE(t.find_pad("src_0"), nullptr);
  EXPECT_NE(t.find_pad("src_1"), nullptr);
  EXPECT_EQ(t.chain(sink, bytes(8)), flow::not_linked);
  ASSERT_TRUE(t.set_property_from_string("allow-not-linked", "true"));
  EXPECT_EQ(t.chain(sink, bytes(8)), flow::ok);
  EXPECT_FALSE(t.set_property("num-src-pads", property_value{std::int64_t{5}}));
}

TEST(Tee, UnlinkedSourceStopsWithAnErrorWithoutAllowNotLinked) {
  auto p = build_tee("timedsrc name=src num-buffers=10 ! tee name=t");
  ASSERT_TRUE(p);
  ASSERT_TRUE(p->find("t")->request_pad(pad_direction::src, ""));
  ASSERT_TRUE(reach(*p, state::playing));
  auto m = p->bus().pop_filtered(2s, {message_type::error});
  ASSERT_TRUE(m);
  EXPECT_NE(m->get_string("message").value_or("").find("not-linked"), std::string::npos);
  p->set_state(state::null_state);
}

TEST(Tee, UnlinkedSourceRunsToTheEndWithAllowNotLinked) {
  auto p = build_tee("timedsrc name=src num-buffers=10 ! tee name=t allow-not-linked=true");
  ASSERT_TRUE(p);
  ASSERT_TRUE(p->find("t")->request_pad(pad_direction::src, ""));
  ASSERT_TRUE(reach(*p, state::playing));
  pad* out = p->find("src")->static_pad(pad_direction::src);
  EXPECT_TRUE(eventually([&] { return out->is_eos(); }, 2s));
  EXPECT_TRUE(bus_errors(*p).empty());
  p->set_state(state::null_state);
}

TEST(Tee, AnUnlinkedBranchDoesNotDisturbTheLinkedOnes) {
  auto p = build_tee("timedsrc num-buffers=10 ! tee name=t  t. ! appsink name=a sync=false");
  ASSERT_TRUE(p);
  ASSERT_TRUE(p->find("t")->request_pad(pad_direction::src, ""));  // src_1, left unlinked
  ASSERT_TRUE(reach(*p, state::playing));
  EXPECT_EQ(get<appsink>(*p, "a")->pull_all(5s).size(), 10u);
  ASSERT_TRUE(wait_eos(*p));
  p->set_state(state::null_state);
}

TEST(Tee, EosOnlyWhenEveryBranchIsAtEos) {
  // An unlimited source stops only when both sinks have said eos; the longer branch
  // gets all it asked for.
  auto p = build_tee("timedsrc ! tee name=t  t. ! fakesink name=a num-buffers=5  t. ! fakesink name=b num-buffers=8");
  ASSERT_TRUE(p);
  ASSERT_TRUE(reach(*p, state::playing));
  ASSERT_TRUE(wait_eos(*p));
  // fakesink answers eos instead of rendering its num-buffers-th buffer.
  EXPECT_EQ(get<base_sink>(*p, "a")->rendered(), 4u);
  EXPECT_EQ(get<base_sink>(*p, "b")->rendered(), 7u);
  p->set_state(state::null_state);
}

TEST(Tee, CapsQueriesIntersectEveryBranch) {
  auto p = build_tee("tee name=t  t. ! appsink caps=video/x-raw,format={RGBA,GRAY8}  "
                     "t. ! appsink caps=video/x-raw,format={GRAY8,RGB}");
  ASSERT_TRUE(p);
  pad& sink = *p->find("t")->find_pad("sink");
  const caps c = sink.query_caps();
  EXPECT_TRUE(c.is_equal(*caps::parse("video/x-raw,format=GRAY8"))) << c.to_string();
  EXPECT_TRUE(sink.accept_caps(*caps::parse("video/x-raw,format=GRAY8")));
  EXPECT_FALSE(sink.accept_caps(*caps::parse("video/x-raw,format=RGBA")));
  EXPECT_FALSE(sink.accept_caps(*caps::parse("video/x-raw,format=RGB")));
}

TEST(Tee, ForwardsEventsToEveryBranchInOrder) {
  auto p = build_tee("harnesssrc name=in ! tee name=t  t. ! harnesssink name=a  t. ! harnesssink name=b");
  ASSERT_TRUE(p);
  pad& in = get<harness_src>(*p, "in")->src();
  p->set_state(state::playing);
  ASSERT_TRUE(in.push_event(event_caps{*caps::parse("application/x-test")}));
  ASSERT_TRUE(in.push_event(event_segment{core::segment{}}));
  for (int i = 0; i < 3; ++i) {
    buffer b = std::move(buffer::allocate(8)).value();
    b.pts = i * 10 * ms;
    // Outside a task the sinks render at once (no preroll wait is possible).
    ASSERT_EQ(in.push(std::move(b)), flow::ok);
  }
  ASSERT_TRUE(in.push_event(event_eos{}));
  ASSERT_TRUE(wait_eos(*p));
  const std::vector<std::string> expected = {"caps", "segment", "B0", "B10000000", "B20000000", "eos"};
  EXPECT_EQ(get<harness_sink>(*p, "a")->log(), expected);
  EXPECT_EQ(get<harness_sink>(*p, "b")->log(), expected);
  p->set_state(state::null_state);
}

TEST(Tee, ProxiesBufferAllocOnlyWithASingleBranch) {
  auto p = build_tee("tee name=t  t. ! harnesssink name=a alloc-caps=application/x-recorded");
  ASSERT_TRUE(p);
  auto* t = p->find("t");
  const caps asked = *caps::parse("application/x-upstream");
  auto one = t->buffer_alloc(*t->find_pad("sink"), 32, asked);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->caps.to_string(), "application/x-recorded");
  EXPECT_EQ(get<harness_sink>(*p, "a")->allocs(), 1u);

  auto p2 = build_tee(
      "tee name=t  t. ! harnesssink name=a alloc-caps=application/x-recorded  "
      "t. ! harnesssink name=b alloc-caps=application/x-recorded");
  ASSERT_TRUE(p2);
  auto* t2 = p2->find("t");
  auto two = t2->buffer_alloc(*t2->find_pad("sink"), 32, asked);
  ASSERT_TRUE(two);
  EXPECT_TRUE(two->caps.is_equal(asked));
  EXPECT_EQ(two->buffer.size(), 32u);
  EXPECT_EQ(get<harness_sink>(*p2, "a")->allocs() + get<harness_sink>(*p2, "b")->allocs(), 0u);
}

}  // namespace tee_test
}  // namespace tessera::core
