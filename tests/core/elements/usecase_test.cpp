// The four use cases at the end of the transform design (gst-transform-elements.txt),
// with websink in the place of ximagesink and a change of websink's width/height
// while PLAYING in the place of a window resize:
//   testsrc ! websink                          testsrc allocates from websink: it renegotiates
//   testsrc peer-alloc=false ! websink         nobody asks websink: no resize can happen
//   testsrc ! videoscale ! websink             videoscale (passthrough) proxies testsrc's
//                                              allocation: testsrc renegotiates, nobody scales
//   testsrc peer-alloc=false ! videoscale ! websink
//                                              videoscale asks websink itself: videoscale
//                                              leaves passthrough and scales
// Each test checks the negotiated caps on every pad and the size of the frames websink
// hands its subscribers after the change.
#include "core/elements/web/websink.hpp"

#include "core/base/base_transform.hpp"
#include "core/memory/counters.hpp"
#include "tests/core/elements/video/video_test_support.hpp"

#include <condition_variable>

namespace tessera::core {
namespace usecase_test {

using namespace video_test;

/// A websink viewer that records the size of every frame it is handed.
class frame_sizes final : public frame_subscriber {
 public:
  void on_frame(const encoded_frame& f) override {
    std::lock_guard lock(mutex_);
    sizes_.emplace_back(f.width, f.height);
    changed_.notify_all();
  }

  /// Waits (at most `timeout`) until `pred(sizes)` holds; returns whether it did.
  template <class Pred>
  bool wait_for(Pred pred, std::chrono::milliseconds timeout = 30s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return pred(sizes_); });
  }

  std::size_t count() {
    std::lock_guard lock(mutex_);
    return sizes_.size();
  }
  std::vector<std::pair<int, int>> since(std::size_t first) {
    std::lock_guard lock(mutex_);
    return {sizes_.begin() + static_cast<std::ptrdiff_t>(std::min(first, sizes_.size())), sizes_.end()};
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::pair<int, int>> sizes_;
};

using size_pair = std::pair<int, int>;

/// `<description>` playing with a frame_sizes viewer on websink `out`; the size of
/// websink changes to 80x60 once the first frames (64x48) have been shown.
struct resize_case {
  std::unique_ptr<pipeline> p;
  websink* sink = nullptr;
  std::shared_ptr<frame_sizes> viewer = std::make_shared<frame_sizes>();
  std::size_t frames_before_resize = 0;

  explicit resize_case(const std::string& description) {
    p = build(description);
    if (!p) return;
    sink = dynamic_cast<websink*>(p->find("out"));
    EXPECT_NE(sink, nullptr);
    EXPECT_TRUE(sink->subscribe(viewer));
    p->set_state(state::playing);
    EXPECT_TRUE(viewer->wait_for([](auto& s) { return s.size() >= 3; })) << "no frames before the resize";
    for (const auto& s : viewer->since(0)) EXPECT_EQ(s, size_pair(64, 48));
    // Both at once in effect: websink reads width and height on each allocation, so
    // a frame may come out between the two writes with only the width changed.
    EXPECT_TRUE(sink->set_property("width", property_value{std::int64_t{80}}));
    EXPECT_TRUE(sink->set_property("height", property_value{std::int64_t{60}}));
    frames_before_resize = viewer->count();
  }
  ~resize_case() {
    if (p) p->set_state(state::null_state);
  }

  /// Waits for a frame of `size` after the resize, then for 5 more, and returns those 5.
  std::vector<size_pair> frames_settled_at(size_pair size) {
    const std::size_t from = frames_before_resize;
    const bool reached = viewer->wait_for([&](auto& s) {
      return std::find(s.begin() + static_cast<std::ptrdiff_t>(from), s.end(), size) != s.end();
    });
    EXPECT_TRUE(reached) << "no " << size.first << "x" << size.second << " frame after the resize";
    if (!reached) return {};
    const std::size_t settled = viewer->count();
    EXPECT_TRUE(viewer->wait_for([&](auto& s) { return s.size() >= settled + 5; }));
    auto tail = viewer->since(settled);
    tail.resize(std::min<std::size_t>(tail.size(), 5));
    return tail;
  }

  /// Waits for 10 frames after the resize and returns them.
  std::vector<size_pair> frames_after_resize() {
    const std::size_t from = frames_before_resize;
    EXPECT_TRUE(viewer->wait_for([&](auto& s) { return s.size() >= from + 10; }));
    return viewer->since(from);
  }

  core::caps caps_of(std::string_view pad_name) const {
    const auto dot = pad_name.find('.');
    element* e = p->find(pad_name.substr(0, dot));
    EXPECT_NE(e, nullptr) << pad_name;
    if (!e) return {};
    const bool src = pad_name.substr(dot + 1) == "src";
    return e->static_pad(src ? pad_direction::src : pad_direction::sink)->current_caps();
  }

  /// Every pad in `pads` has negotiated RGBA `width`x`height`.
  void expect_caps(std::initializer_list<std::string_view> pads, int width, int height) const {
    const caps want = video_info::make(video_format::rgba, width, height, fraction(30)).value().to_caps();
    for (std::string_view pad_name : pads) {
      const caps got = caps_of(pad_name);
      EXPECT_TRUE(got.is_equal(want)) << pad_name << ": " << got.to_string() << ", want " << want.to_string();
    }
  }
};

constexpr const char* source = "testsrc name=src pattern=ball width=64 height=48";
constexpr const char* sink = "websink name=out sync=false";

TEST(UseCases, TestsrcAllocatesFromWebsinkSoAResizeRenegotiatesTestsrc) {
  resize_case c(std::string(source) + " ! " + sink);
  ASSERT_TRUE(c.p);
  for (const auto& s : c.frames_settled_at({80, 60})) EXPECT_EQ(s, size_pair(80, 60));
  // testsrc asked websink for its buffers, got 80x60 caps back and draws at that size.
  c.expect_caps({"src.src", "out.sink"}, 80, 60);
  EXPECT_GT(c.sink->buffer_allocs(), 0u);
}

TEST(UseCases, WithoutPeerAllocNobodyAsksWebsinkSoNoResizeHappens) {
  resize_case c(std::string(source) + " peer-alloc=false ! " + sink);
  ASSERT_TRUE(c.p);
  for (const auto& s : c.frames_after_resize()) EXPECT_EQ(s, size_pair(64, 48));
  c.expect_caps({"src.src", "out.sink"}, 64, 48);
  EXPECT_EQ(c.sink->buffer_allocs(), 0u);  // websink never had a say
}

TEST(UseCases, VideoscaleInPassthroughProxiesTheAllocationAndTestsrcRenegotiates) {
  resize_case c(std::string(source) + " ! videoscale name=scale ! " + sink);
  ASSERT_TRUE(c.p);
  auto* scale = dynamic_cast<base_transform*>(c.p->find("scale"));
  ASSERT_NE(scale, nullptr);
  for (const auto& s : c.frames_settled_at({80, 60})) EXPECT_EQ(s, size_pair(80, 60));
  // testsrc allocates through videoscale, which proxies to websink: websink's new
  // size goes back to testsrc, which draws at it; videoscale only passes frames on.
  c.expect_caps({"src.src", "scale.sink", "scale.src", "out.sink"}, 80, 60);
  EXPECT_TRUE(scale->is_passthrough());
  EXPECT_GT(scale->upstream_buffer_allocs(), 0u);
  EXPECT_GT(c.sink->buffer_allocs(), 0u);
}

TEST(UseCases, VideoscaleAsksWebsinkItselfAndScalesWhenTestsrcDoesNotAllocate) {
  resize_case c(std::string(source) + " peer-alloc=false ! videoscale name=scale ! " + sink);
  ASSERT_TRUE(c.p);
  auto* scale = dynamic_cast<base_transform*>(c.p->find("scale"));
  ASSERT_NE(scale, nullptr);
  for (const auto& s : c.frames_settled_at({80, 60})) EXPECT_EQ(s, size_pair(80, 60));
  // Nobody allocates through videoscale, so it asks websink itself: testsrc keeps
  // 64x48 and videoscale leaves passthrough to scale to websink's 80x60.
  c.expect_caps({"src.src", "scale.sink"}, 64, 48);
  c.expect_caps({"scale.src", "out.sink"}, 80, 60);
  EXPECT_FALSE(scale->is_passthrough());
  EXPECT_EQ(scale->upstream_buffer_allocs(), 0u);
  EXPECT_GT(c.sink->buffer_allocs(), 0u);  // videoscale's probes and output buffers
}

TEST(UseCases, BeforeAnyResizeVideoscaleIsPassthroughAndCopiesNothing) {
  auto p = build(std::string(source) + " num-buffers=5 peer-alloc=false ! videoscale name=scale ! " + sink);
  ASSERT_TRUE(p);
  const auto before = memory_counters_snapshot();
  EXPECT_TRUE(play_to_eos(*p).eos);
  const auto after = memory_counters_snapshot();
  EXPECT_TRUE(dynamic_cast<base_transform*>(p->find("scale"))->is_passthrough());
  EXPECT_EQ(after.copies, before.copies);
  p->set_state(state::null_state);
}

}  // namespace usecase_test
}  // namespace tessera::core
