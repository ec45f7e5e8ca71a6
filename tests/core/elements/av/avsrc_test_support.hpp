#pragma once
// Shared by the avsrc tests: clips made at test time by the ffmpeg CLI (the same
// libavcodec as ours, so decoded pixels are bit-exact), the reference frames ffmpeg
// itself decodes (`-f rawvideo`), and the frames the harness sink recorded with the
// rows' padding removed, their timing and where their memory came from.

#include "tests/core/support/harness.hpp"
#include "core/elements/av/avsrc.hpp"
#include "tests/core/support/file_test_support.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace tessera::core::avsrc_test {

using namespace file_test;
using test::harness_pipeline;

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

/// One decoded frame as the harness sink recorded it, its pixels packed (the caps'
/// stride/chroma-stride padding removed).
struct decoded_frame {
  clock_time pts = time_none;
  clock_time duration = time_none;
  bool discont = false;
  bool zero_copy = false;  // every memory is the decoder's own (allocator "libav")
  std::string caps;
  std::vector<std::byte> bytes;
};

inline decoded_frame decoded(const test::harness_sink::record& r) {
  decoded_frame f;
  f.pts = r.pts;
  f.duration = r.duration;
  f.discont = r.discont;
  f.caps = r.caps.to_string();
  f.zero_copy = !r.allocators.empty();
  for (const std::string& a : r.allocators) f.zero_copy = f.zero_copy && a == "libav";
  const structure* s = r.caps.structure_at(0);
  if (!s || !s->has_name("video/x-raw")) {
    f.bytes = r.bytes;
    return f;
  }
  const auto width = static_cast<std::size_t>(s->get_int("width").value_or(0));
  const auto height = static_cast<std::size_t>(s->get_int("height").value_or(0));
  const std::string format = s->get_string("format").value_or("");
  const std::size_t memories = r.memory_sizes.size();
  if (memories == 1 && format == "I420") {
    f.bytes = r.bytes;  // one tight memory (converted by swscale): already packed
    return f;
  }
  for (std::size_t i = 0; i < memories; ++i) {
    const std::byte* m = r.bytes.data() + (i == 0 ? 0 : r.memory_sizes[i - 1]);
    std::size_t row = width, rows = height;
    if (format == "I420" && i > 0) row = (width + 1) / 2, rows = (height + 1) / 2;
    if (format == "NV12" && i > 0) row = (width + 1) / 2 * 2, rows = (height + 1) / 2;
    if (format == "RGB") row = width * 3;
    if (format == "RGBA") row = width * 4;
    const auto stride = static_cast<std::size_t>(
        (i == 0 ? s->get_int("stride") : s->get_int("chroma-stride")).value_or(static_cast<std::int64_t>(row)));
    for (std::size_t y = 0; y < rows; ++y) f.bytes.insert(f.bytes.end(), m + y * stride, m + y * stride + row);
  }
  return f;
}

inline test::harness_sink* sink(pipeline& p) { return static_cast<test::harness_sink*>(p.find("harnesssink0")); }

/// What the harness sink of `p` recorded, as decoded frames.
inline std::vector<decoded_frame> decoded_frames(pipeline& p) {
  std::vector<decoded_frame> out;
  for (const auto& r : sink(p)->records()) out.push_back(decoded(r));
  return out;
}

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
