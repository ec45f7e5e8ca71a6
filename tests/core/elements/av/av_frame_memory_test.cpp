#include "core/elements/av/av_frame_memory.hpp"

#include "core/memory/counters.hpp"

#include <gtest/gtest.h>

extern "C" {
#include <libavutil/frame.h>
}

#include <cstring>

namespace tessera::core {
namespace av_frame_memory_test {

struct frame_deleter {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
using frame_ptr = std::unique_ptr<AVFrame, frame_deleter>;

// One AVBuffer per plane, as a decoder's frame pool gives them (avcodec_default_get_buffer2).
frame_ptr make_i420(int w, int h) {
  frame_ptr f(av_frame_alloc());
  f->format = AV_PIX_FMT_YUV420P;
  f->width = w;
  f->height = h;
  for (int p = 0; p < 3; ++p) {
    f->linesize[p] = p ? w / 2 : w;
    const std::size_t bytes = static_cast<std::size_t>(f->linesize[p]) * (p ? h / 2 : h);
    f->buf[p] = av_buffer_alloc(bytes);
    f->data[p] = f->buf[p]->data;
    std::memset(f->data[p], 10 + p, bytes);
  }
  return f;
}

// All planes in one AVBuffer (av_frame_get_buffer): each plane's memory holds its own
// reference, so none is ever the only one; writes copy. Correct, if conservative.
TEST(AvFrameMemory, PlanesOfOneAvBufferAreNeverWrittenInPlace) {
  frame_ptr f(av_frame_alloc());
  f->format = AV_PIX_FMT_YUV420P;
  f->width = 32;
  f->height = 16;
  ASSERT_EQ(av_frame_get_buffer(f.get(), 0), 0);
  auto b = wrap_av_video_frame(*f);
  ASSERT_TRUE(b);
  av_frame_unref(f.get());
  EXPECT_FALSE(b->is_writable());
}

TEST(AvFrameMemory, PlanesAreTheFramesOwnBytes) {
  auto f = make_i420(64, 32);
  auto b = wrap_av_video_frame(*f);
  ASSERT_TRUE(b) << b.error().message;
  ASSERT_EQ(b->n_memory(), 3u);
  for (int p = 0; p < 3; ++p) {
    EXPECT_EQ(b->peek_memory(p).data(), reinterpret_cast<const std::byte*>(f->data[p]));
    EXPECT_EQ(b->peek_memory(p).allocator_name(), "libav");
  }
  const auto planes = av_video_planes(*f);
  EXPECT_EQ(b->peek_memory(0).size(), planes[0].bytes());
  EXPECT_EQ(planes[1].rows, 16u);
  EXPECT_EQ(planes[1].row_bytes, 32u);
}

// FFmpeg's rule through tessera's: while the decoder (here: the AVFrame) still holds
// the AVBufferRef, the memory is not writable and a write copies, leaving the frame's
// bytes as they were; once the frame lets go, the same memory is writable in place.
TEST(AvFrameMemory, WritableOnlyWhenTheAvBufferIsNoLongerShared) {
  auto f = make_i420(64, 32);
  auto b = wrap_av_video_frame(*f);
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->is_writable());
  buffer shared = b->share();
  const auto copied_before = memory_counters_snapshot().copied_bytes;
  ASSERT_TRUE(shared.make_writable());
  EXPECT_GT(memory_counters_snapshot().copied_bytes, copied_before) << "a write on a shared frame copies";
  {
    auto map = shared.peek_memory(0).data();
    EXPECT_NE(map, reinterpret_cast<const std::byte*>(f->data[0]));
  }
  av_frame_unref(f.get());
  shared = buffer{};
  EXPECT_TRUE(b->is_writable()) << "the memory's reference is the only one left";
  const auto* before = b->peek_memory(0).data();
  const auto copied = memory_counters_snapshot().copied_bytes;
  ASSERT_TRUE(b->make_writable());
  EXPECT_EQ(memory_counters_snapshot().copied_bytes, copied) << "nothing to copy";
  EXPECT_EQ(b->peek_memory(0).data(), before) << "writable in place";
}

TEST(AvFrameMemory, BytesOutsideTheAvBufferAreRefused) {
  auto f = make_i420(16, 16);
  auto m = wrap_av_buffer(f->buf[0], f->data[0], f->buf[0]->size + 1);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, make_error_code(errc::out_of_range));
}

}  // namespace av_frame_memory_test
}  // namespace tessera::core
