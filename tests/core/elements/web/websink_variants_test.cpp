// websink's viewer variants: a viewer's own quality and size bound (view_request),
// made once per frame for all the viewers asking the same, refused with an error
// naming the problem when the sink cannot serve it.
#include "core/elements/web/websink.hpp"

#include "core/elements/codec/jpeg_decoder.hpp"
#include "tests/core/elements/video/video_test_support.hpp"

#include <gtest/gtest.h>

#include <condition_variable>

namespace tessera::core {
namespace websink_variants_test {

using namespace video_test;

/// A viewer that keeps every frame it is handed.
class frame_log final : public frame_subscriber {
 public:
  void on_frame(const encoded_frame& f) override {
    std::lock_guard lock(mutex_);
    frames_.push_back(f);
    changed_.notify_all();
  }
  bool wait_count(std::size_t n, std::chrono::milliseconds timeout = 30s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return frames_.size() >= n; });
  }
  std::vector<encoded_frame> frames() {
    std::lock_guard lock(mutex_);
    return frames_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<encoded_frame> frames_;
};

/// The JPEG's own size (its SOF header), not the frame's width/height fields.
std::pair<int, int> jpeg_size(const encoded_frame& f) {
  jpeg_decoder d;
  auto h = d.read_header(f.data.get(), f.size);
  EXPECT_TRUE(h) << (h ? "" : h.error().message);
  return h ? std::pair{h->width, h->height} : std::pair{0, 0};
}

view_request request(int quality, int width, int height) {
  view_request r;
  r.quality = quality;
  r.max_width = width;
  r.max_height = height;
  return r;
}

TEST(ViewRequest, ParsesAndRefusesNamingTheParameter) {
  auto r = parse_view_request("60", std::nullopt, "480");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, request(60, 0, 480));
  EXPECT_EQ(r->to_query(), "quality=60&height=480");
  EXPECT_TRUE(parse_view_request(std::nullopt, std::nullopt, std::nullopt)->is_default());
  EXPECT_EQ(parse_view_request(std::nullopt, std::nullopt, std::nullopt)->to_query(), "");

  const auto message = [](std::optional<std::string_view> q, std::optional<std::string_view> w,
                          std::optional<std::string_view> h) {
    auto bad = parse_view_request(q, w, h);
    EXPECT_FALSE(bad);
    return bad ? std::string() : bad.error().message;
  };
  EXPECT_EQ(message("0", std::nullopt, std::nullopt), "quality must be a whole number from 1 to 100, not \"0\"");
  EXPECT_EQ(message("101", std::nullopt, std::nullopt), "quality must be a whole number from 1 to 100, not \"101\"");
  EXPECT_EQ(message("abc", std::nullopt, std::nullopt), "quality must be a whole number from 1 to 100, not \"abc\"");
  EXPECT_EQ(message("", std::nullopt, std::nullopt), "quality must be a whole number from 1 to 100, not \"\"");
  EXPECT_EQ(message(std::nullopt, "0", std::nullopt),
            "width must be a whole number of pixels from 1 to 16384, not \"0\"");
  EXPECT_EQ(message(std::nullopt, "99999", std::nullopt),
            "width must be a whole number of pixels from 1 to 16384, not \"99999\"");
  EXPECT_EQ(message(std::nullopt, "640px", std::nullopt),
            "width must be a whole number of pixels from 1 to 16384, not \"640px\"");
  EXPECT_EQ(message(std::nullopt, std::nullopt, "-1"),
            "height must be a whole number of pixels from 1 to 16384, not \"-1\"");
}

TEST(ViewRequest, FitsTheBoundsKeepingTheAspectRatioAndNeverGrows) {
  using size = std::pair<int, int>;
  EXPECT_EQ(variant_size(request(0, 0, 480), 1920, 1080), size(853, 480));
  EXPECT_EQ(variant_size(request(0, 640, 0), 1920, 1080), size(640, 360));
  EXPECT_EQ(variant_size(request(0, 640, 640), 1920, 1080), size(640, 360));  // the width binds
  EXPECT_EQ(variant_size(request(0, 1000, 240), 1920, 1080), size(427, 240));  // the height binds
  EXPECT_EQ(variant_size(request(50, 0, 0), 1920, 1080), size(1920, 1080));    // quality only
  EXPECT_EQ(variant_size(request(0, 4000, 0), 1920, 1080), size(1920, 1080));  // frames that shrank
  EXPECT_EQ(variant_size(request(0, 1, 0), 1920, 10), size(1, 1));             // at least a pixel
}

/// `testsrc ! websink` with viewers subscribed before it plays `frames` frames.
struct variant_rig {
  std::unique_ptr<pipeline> p;
  websink* sink = nullptr;

  explicit variant_rig(const std::string& description) {
    p = build(description);
    if (p) sink = dynamic_cast<websink*>(p->find("web"));
    EXPECT_NE(sink, nullptr);
  }
  ~variant_rig() {
    if (p) p->set_state(state::null_state);
  }
  std::shared_ptr<frame_log> viewer(view_request r = {}) {
    auto v = std::make_shared<frame_log>();
    auto id = sink->subscribe(v, r);
    EXPECT_TRUE(id) << (id ? "" : id.error().message);
    return v;
  }
  void play_to_end() {
    const outcome o = play_to_eos(*p);
    EXPECT_TRUE(o.eos) << (o.errors.empty() ? "" : o.errors.front());
  }
};

TEST(WebsinkVariants, EachVariantIsEncodedOncePerFrameForAllItsViewers) {
  variant_rig rig("testsrc num-buffers=5 width=64 height=48 ! websink name=web sync=false");
  ASSERT_TRUE(rig.sink);
  const auto small = request(50, 0, 24);
  auto full = rig.viewer();
  auto a = rig.viewer(small);
  auto b = rig.viewer(small);
  rig.play_to_end();
  ASSERT_TRUE(a->wait_count(5));
  const auto fa = a->frames(), fb = b->frames(), ff = full->frames();
  ASSERT_EQ(fa.size(), fb.size());
  ASSERT_EQ(fa.size(), ff.size());
  for (std::size_t i = 0; i < fa.size(); ++i) {
    EXPECT_EQ(fa[i].data.get(), fb[i].data.get()) << "frame " << i << ": the two viewers share one encoding";
    EXPECT_EQ(fa[i].sequence, ff[i].sequence);
    EXPECT_EQ(jpeg_size(fa[i]), std::pair(32, 24));
    EXPECT_EQ(fa[i].width, 32);
    EXPECT_EQ(jpeg_size(ff[i]), std::pair(64, 48));
    EXPECT_LT(fa[i].size, ff[i].size);
  }
  // Two encodings per frame (the default and the variant), whatever the viewers.
  EXPECT_EQ(rig.sink->frames_encoded(), 2 * ff.size());
  const auto stats = rig.sink->variants();
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_TRUE(stats[0].request.is_default());
  EXPECT_EQ(stats[0].viewers, 1u);
  EXPECT_EQ(stats[1].request, small);
  EXPECT_EQ(stats[1].viewers, 2u);
  EXPECT_EQ(stats[1].frames, fa.size());
  EXPECT_EQ(std::pair(stats[1].width, stats[1].height), std::pair(32, 24));
}

TEST(WebsinkVariants, RequestsThatComeToTheDefaultShareItsEncoding) {
  // quality=85 is the sink's own quality and width=64 its own width: the same JPEG.
  variant_rig rig("testsrc num-buffers=4 width=64 height=48 ! websink name=web sync=false");
  ASSERT_TRUE(rig.sink);
  auto full = rig.viewer();
  auto same = rig.viewer(request(85, 64, 0));
  rig.play_to_end();
  ASSERT_TRUE(same->wait_count(4));
  EXPECT_EQ(same->frames().front().data.get(), full->frames().front().data.get());
  EXPECT_EQ(rig.sink->frames_encoded(), full->frames().size());
}

TEST(WebsinkVariants, OnlyViewersOfAVariantCostAnEncoding) {
  // No default viewer: the preroll frame is encoded for the default (a new viewer's
  // first frame), the rest only for the variant.
  variant_rig rig("testsrc num-buffers=6 width=64 height=48 ! websink name=web sync=false");
  ASSERT_TRUE(rig.sink);
  auto v = rig.viewer(request(0, 16, 0));
  rig.play_to_end();
  ASSERT_TRUE(v->wait_count(6));
  EXPECT_EQ(rig.sink->frames_encoded(), v->frames().size() + 1);
  for (const auto& f : v->frames()) EXPECT_EQ(jpeg_size(f), std::pair(16, 12));
}

TEST(WebsinkVariants, PastMaxVariantsANewRequestIsRefusedNamingTheLimit) {
  variant_rig rig("testsrc num-buffers=1 width=64 height=48 ! websink name=web max-variants=2");
  ASSERT_TRUE(rig.sink);
  auto id1 = rig.sink->subscribe(std::make_shared<frame_log>(), request(0, 32, 0));
  auto id2 = rig.sink->subscribe(std::make_shared<frame_log>(), request(40, 0, 0));
  ASSERT_TRUE(id1 && id2);
  auto refused = rig.sink->subscribe(std::make_shared<frame_log>(), request(0, 16, 0));
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error() == errc::bad_state);
  EXPECT_EQ(refused.error().message,
            "web already streams 2 quality/size variants (max-variants=2): ask for one of them "
            "(width=32, quality=40) or for the default");
  EXPECT_TRUE(rig.sink->subscribe(std::make_shared<frame_log>(), request(40, 0, 0)));  // an existing one
  EXPECT_TRUE(rig.sink->subscribe(std::make_shared<frame_log>()));                     // the default
  rig.sink->unsubscribe(*id1);  // its last viewer: the variant goes
  EXPECT_EQ(rig.sink->variants().size(), 2u);  // the default and quality=40
  EXPECT_TRUE(rig.sink->subscribe(std::make_shared<frame_log>(), request(0, 16, 0)));
}

TEST(WebsinkVariants, RefusesSizesLargerThanItsFramesOnceItKnowsThem) {
  variant_rig rig("testsrc width=64 height=48 ! websink name=web");
  ASSERT_TRUE(rig.sink);
  rig.p->set_state(state::paused);
  ASSERT_EQ(rig.p->wait_state(10s), state::paused);
  auto wide = rig.sink->subscribe(std::make_shared<frame_log>(), request(0, 65, 0));
  ASSERT_FALSE(wide);
  EXPECT_TRUE(wide.error() == errc::invalid_argument);
  EXPECT_EQ(wide.error().message, "width=65 is larger than web's 64x48 frames (a viewer can only ask for smaller ones)");
  auto tall = rig.sink->subscribe(std::make_shared<frame_log>(), request(0, 0, 49));
  ASSERT_FALSE(tall);
  EXPECT_EQ(tall.error().message, "height=49 is larger than web's 64x48 frames (a viewer can only ask for smaller ones)");
}

TEST(WebsinkVariants, ANewVariantOfAPausedPipelineStartsFromThePrerollFrame) {
  variant_rig rig("testsrc width=64 height=48 ! websink name=web");
  ASSERT_TRUE(rig.sink);
  rig.p->set_state(state::paused);
  ASSERT_EQ(rig.p->wait_state(10s), state::paused);
  auto v = rig.viewer(request(30, 0, 12));
  ASSERT_TRUE(v->wait_count(1, 1s));  // handed over in subscribe
  const auto first = v->frames().front();
  EXPECT_EQ(jpeg_size(first), std::pair(16, 12));
  EXPECT_EQ(first.sequence, rig.sink->last_frame()->sequence);
}

TEST(WebsinkVariants, AJpegInputCannotBeReencoded) {
  variant_rig rig("testsrc width=64 height=48 ! jpegenc ! websink name=web");
  ASSERT_TRUE(rig.sink);
  rig.p->set_state(state::paused);
  ASSERT_EQ(rig.p->wait_state(10s), state::paused);
  auto refused = rig.sink->subscribe(std::make_shared<frame_log>(), request(50, 0, 0));
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error() == errc::invalid_argument);
  EXPECT_EQ(refused.error().message,
            "web passes image/jpeg on as it is and cannot re-encode it: quality, width and height cannot be chosen");
  EXPECT_TRUE(rig.sink->subscribe(std::make_shared<frame_log>()));  // the default still works
}

}  // namespace websink_variants_test
}  // namespace tessera::core
