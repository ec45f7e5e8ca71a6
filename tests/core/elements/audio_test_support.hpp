#pragma once
// Helpers for the audio element tests: a source the test pushes samples through by
// hand, a rig `pusher ! <element> ! appsink`, and sample (de)serialisation.

#include "tests/core/elements/video_test_support.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <cmath>
#include <cstring>
#include <vector>

namespace tessera::core::audio_test {

using namespace video_test;

class audio_pusher final : public element {
 public:
  using element::element;
  static const element_factory& factory() {
    static const element_factory& f = register_test_factory(make_factory<audio_pusher>(
        "audio_pusher", "Audio pusher", "Source", "Samples pushed by the test",
        {pad_template{"src", pad_direction::src, pad_presence::always,
                      caps::parse("audio/x-raw,format={S16LE,F32LE},rate=[1,2147483647],channels=[1,65535]").value()}},
        {}));
    return f;
  }
  pad& src() const { return *static_pad(pad_direction::src); }
};

template <class T>
buffer samples_buffer(const std::vector<T>& v) {
  auto b = buffer::allocate(v.size() * sizeof(T)).value();
  {
    auto map = b.map(map_access::write).value();
    std::memcpy(map.data(), v.data(), v.size() * sizeof(T));
  }
  b.pts = 0;
  return b;
}

template <class T>
std::vector<T> samples_of(const buffer& b) {
  const auto bytes = bytes_of(b);
  std::vector<T> v(bytes.size() / sizeof(T));
  std::memcpy(v.data(), bytes.data(), v.size() * sizeof(T));
  return v;
}

inline caps audio_caps(std::string_view format, int rate, int channels) {
  return caps::parse("audio/x-raw,format=" + std::string(format) + ",rate=" + std::to_string(rate) +
                     ",channels=" + std::to_string(channels))
      .value();
}

/// `pusher ! <factory> ! appsink name=out sync=false caps=<sink_caps>`, PAUSED, with
/// `in` caps and a segment sent.
struct audio_rig {
  std::unique_ptr<pipeline> p = std::make_unique<pipeline>("audio", test_runtime());
  audio_pusher* pusher = nullptr;
  element* middle = nullptr;
  appsink* out = nullptr;

  audio_rig(std::string_view factory, const caps& in, std::string_view sink_caps = "") {
    pusher = static_cast<audio_pusher*>(p->add(audio_pusher::factory().create(audio_pusher::factory(), "pusher")).value());
    middle = p->add(test_runtime().registry().make(factory).value()).value();
    out = static_cast<appsink*>(p->add(test_runtime().registry().make("appsink", "out").value()).value());
    EXPECT_TRUE(out->set_property("sync", property_value{false}));
    if (!sink_caps.empty()) {
      EXPECT_TRUE(out->set_property("caps", property_value{std::string(sink_caps)}));
    }
    EXPECT_TRUE(link(pusher->src(), *middle->static_pad(pad_direction::sink)));
    EXPECT_TRUE(link(*middle->static_pad(pad_direction::src), out->sinkpad()));
    p->set_state(state::paused);
    EXPECT_TRUE(pusher->src().push_event(event_caps{in}));
    EXPECT_TRUE(pusher->src().push_event(event_segment{segment{}}));
  }
  ~audio_rig() { p->set_state(state::null_state); }

  /// Pushes `in` and returns what the sink received, read as Out samples.
  template <class Out, class In>
  std::vector<Out> run(const std::vector<In>& in) {
    EXPECT_EQ(pusher->src().push(samples_buffer(in)), flow::ok);
    auto s = out->pull_sample(std::chrono::seconds(2));
    EXPECT_TRUE(s);
    if (!s) return {};
    last_caps = s->caps;
    return samples_of<Out>(s->buffer);
  }
  caps last_caps;
};

/// Round half away from zero, then saturate: the documented S16 rule, written out.
inline std::int16_t expected_s16(double v) {
  const double r = std::round(v);
  return static_cast<std::int16_t>(r > 32767 ? 32767 : r < -32768 ? -32768 : r);
}

}  // namespace tessera::core::audio_test
