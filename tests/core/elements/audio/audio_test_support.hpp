#pragma once
// Helpers for the audio element tests: the harness with audio caps sent, and sample
// (de)serialisation.

#include "tests/core/elements/video/video_test_support.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <cmath>
#include <cstring>
#include <vector>

namespace tessera::core::audio_test {

using namespace video_test;

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

/// The harness (`harnesssrc ! <factory> ! appsink name=out sync=false caps=<sink_caps>`,
/// PAUSED) with `in` caps and a segment sent.
struct audio_rig : harness {
  audio_rig(std::string_view factory, const caps& in, std::string_view sink_caps = "") : harness(factory, sink_caps) {
    EXPECT_TRUE(pusher->start_stream(in));
  }

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
