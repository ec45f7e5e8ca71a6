#pragma once
// Shared by the avsrc tests: clips made at test time by the ffmpeg CLI (the same
// libavcodec as ours, so decoded pixels are bit-exact), the reference frames ffmpeg
// itself decodes (`-f rawvideo`), and a sink that keeps each frame's pixels with the
// rows' padding removed, its timing and where its memory came from.

#include "tests/core/support/test_runtime.hpp"
#include "core/elements/av/avsrc.hpp"
#include "core/graph/pipeline_builder.hpp"
#include "tests/core/elements/file_test_support.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

namespace tessera::core::avsrc_test {

using namespace file_test;

inline bool have_ffmpeg() { return std::system("ffmpeg -version >/dev/null 2>&1") == 0; }

/// Runs the ffmpeg CLI quietly with `args`; true when it succeeded.
inline bool ffmpeg(const std::string& args) {
  const std::string cmd = "ffmpeg -nostdin -v error -y " + args + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

/// A test pattern clip of `seconds` at 25 fps, `size` WxH, encoded with `codec_args`.
inline fs::path make_clip(const temp_dir& dir, const std::string& file, const std::string& codec_args,
                          const std::string& size = "320x240", int seconds = 3) {
  const fs::path out = dir / file;
  const bool ok = ffmpeg("-f lavfi -i testsrc2=size=" + size + ":rate=25 -t " + std::to_string(seconds) + " " +
                         codec_args + " \"" + out.string() + "\"");
  EXPECT_TRUE(ok) << "ffmpeg could not make " << file;
  return out;
}

/// What ffmpeg decodes `clip` to, every frame as it comes (no frame rate conversion).
inline std::vector<std::byte> ffmpeg_raw(const temp_dir& dir, const fs::path& clip, const std::string& pix_fmt) {
  const fs::path out = dir / (clip.filename().string() + "." + pix_fmt);
  EXPECT_TRUE(ffmpeg("-i \"" + clip.string() + "\" -fps_mode passthrough -f rawvideo -pix_fmt " + pix_fmt + " \"" +
                     out.string() + "\""));
  return read_file(out);
}

/// Keeps each frame's pixels packed (the caps' stride/chroma-stride padding removed).
class av_frame_sink final : public base_sink {
 public:
  struct frame {
    clock_time pts = time_none;
    clock_time duration = time_none;
    bool discont = false;
    bool zero_copy = false;  // every memory is the decoder's own (allocator "libav")
    std::string caps;
    std::vector<std::byte> bytes;
  };

  av_frame_sink(const element_factory& f, std::string name) : base_sink(f, std::move(name)) {}
  static std::unique_ptr<element_factory> factory() {
    return make_factory<av_frame_sink>("avframesink", "Frame sink", "Sink", "Keeps decoded frames (tests)",
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
    f.discont = (static_cast<std::uint32_t>(b.flags) & static_cast<std::uint32_t>(buffer_flags::discont)) != 0;
    const caps c = sinkpad().current_caps();
    f.caps = c.to_string();
    f.zero_copy = b.n_memory() > 0;
    for (const memory& m : b.memories()) f.zero_copy = f.zero_copy && m.allocator_name() == "libav";
    const structure* s = c.structure_at(0);
    if (s && s->has_name("video/x-raw")) {
      const auto width = static_cast<std::size_t>(s->get_int("width").value_or(0));
      const auto height = static_cast<std::size_t>(s->get_int("height").value_or(0));
      const std::string format = s->get_string("format").value_or("");
      for (std::size_t i = 0; i < b.n_memory(); ++i) {
        std::size_t row = width, rows = height;
        if (format == "I420" && i > 0) row = (width + 1) / 2, rows = (height + 1) / 2;
        if (format == "NV12" && i > 0) row = (width + 1) / 2 * 2, rows = (height + 1) / 2;
        if (format == "RGB") row = width * 3;
        if (format == "RGBA") row = width * 4;
        const auto stride = static_cast<std::size_t>(
            (i == 0 ? s->get_int("stride") : s->get_int("chroma-stride")).value_or(static_cast<std::int64_t>(row)));
        const memory& m = b.peek_memory(i);
        if (b.n_memory() == 1 && format == "I420") {
          // One tight memory (converted by swscale): already packed.
          f.bytes.assign(m.data(), m.data() + m.size());
          break;
        }
        for (std::size_t y = 0; y < rows; ++y) f.bytes.insert(f.bytes.end(), m.data() + y * stride, m.data() + y * stride + row);
      }
    } else {
      auto map = b.map(map_access::read);
      if (!map) return flow::error;
      f.bytes.assign(map->data(), map->data() + map->size());
    }
    std::lock_guard lock(mutex_);
    frames_.push_back(std::move(f));
    return flow::ok;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<frame> frames_;
};

inline element_registry& test_registry() {
  static element_registry r(test_runtime());
  static const bool filled = [] {
    r.add(avsrc::factory());
    r.add(av_frame_sink::factory());
    return true;
  }();
  (void)filled;
  return r;
}

inline std::unique_ptr<pipeline> build(const std::string& desc, pipeline_limits limits = {}) {
  auto p = build_pipeline(desc, test_registry(), "test", std::move(limits));
  EXPECT_TRUE(p) << (p ? "" : p.error().message);
  return p ? std::move(p).value() : nullptr;
}

inline av_frame_sink* sink(pipeline& p) { return static_cast<av_frame_sink*>(p.find("avframesink0")); }

/// Plays `p` to its end; the message (EOS or error) is returned.
inline std::optional<message> play(pipeline& p) {
  p.set_state(state::playing);
  auto end = wait_for_end(p, std::chrono::seconds(30));
  p.set_state(state::null_state);
  return end;
}

/// pts of frame k at 25 fps.
constexpr clock_time frame_pts(std::int64_t k) { return k * 40'000'000; }

}  // namespace tessera::core::avsrc_test
