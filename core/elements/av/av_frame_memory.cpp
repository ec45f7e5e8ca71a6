#include "core/elements/av/av_frame_memory.hpp"

#include "core/memory/memory_block.hpp"

extern "C" {
#include <libavutil/buffer.h>
#include <libavutil/frame.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
}

#include <new>
#include <string>

namespace tessera::core {

namespace {

// A root block that views bytes of an AVBufferRef and holds one reference on it.
struct av_block : detail::memory_block {
  AVBufferRef* ref = nullptr;
};

class av_buffer_owner final : public detail::block_owner {
 public:
  constexpr av_buffer_owner() noexcept : block_owner(false, true) {}
  void release_block(detail::memory_block* block) noexcept override {
    auto* b = static_cast<av_block*>(block);
    av_buffer_unref(&b->ref);
    delete b;
  }
  std::string_view owner_name() const noexcept override { return "libav"; }
  bool foreign_writable(const detail::memory_block* root) const noexcept override {
    return av_buffer_is_writable(static_cast<const av_block*>(root)->ref) != 0;
  }
};

constinit av_buffer_owner av_owner;

}  // namespace

result<memory> wrap_av_buffer(const AVBufferRef* ref, const std::uint8_t* data, std::size_t size) {
  if (ref == nullptr || ref->data == nullptr) return fail(errc::invalid_argument, "wrap_av_buffer: no buffer");
  if (data < ref->data || static_cast<std::size_t>(data - ref->data) > ref->size ||
      size > ref->size - static_cast<std::size_t>(data - ref->data))
    return fail(errc::out_of_range, "wrap_av_buffer: " + std::to_string(size) + " bytes lie outside the " +
                                        std::to_string(ref->size) + "-byte AVBuffer");
  auto* block = new (std::nothrow) av_block;
  if (!block) return fail(errc::no_memory, "wrap_av_buffer: cannot allocate a header");
  block->ref = av_buffer_ref(const_cast<AVBufferRef*>(ref));
  if (!block->ref) {
    delete block;
    return fail(errc::no_memory, "wrap_av_buffer: av_buffer_ref failed");
  }
  block->owner = &av_owner;
  // The region is what is left of the AVBuffer from `data`: a share or resize may grow
  // into it as into any memory's padding.
  block->data = reinterpret_cast<std::byte*>(const_cast<std::uint8_t*>(data));
  block->maxsize = ref->size - static_cast<std::size_t>(data - ref->data);
  block->offset = 0;
  block->size = size;
  const auto addr = reinterpret_cast<std::uintptr_t>(data);
  block->align = addr ? std::min<std::size_t>(addr & (~addr + 1), 4096) : 1;
  return detail::adopt_block(block);
}

std::vector<av_plane> av_video_planes(const AVFrame& frame) {
  const auto fmt = static_cast<AVPixelFormat>(frame.format);
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(fmt);
  if (desc == nullptr || (desc->flags & AV_PIX_FMT_FLAG_HWACCEL) != 0) return {};
  const int n = av_pix_fmt_count_planes(fmt);
  std::vector<av_plane> planes;
  for (int i = 0; i < n; ++i) {
    const int line = av_image_get_linesize(fmt, frame.width, i);
    if (line <= 0 || frame.linesize[i] < line) return {};  // negative (bottom-up) strides are not wrapped
    const bool chroma = (i == 1 || i == 2) && (desc->flags & AV_PIX_FMT_FLAG_RGB) == 0;
    const int rows = chroma ? AV_CEIL_RSHIFT(frame.height, desc->log2_chroma_h) : frame.height;
    planes.push_back({static_cast<std::size_t>(frame.linesize[i]), static_cast<std::size_t>(rows),
                      static_cast<std::size_t>(line)});
  }
  return planes;
}

result<buffer> wrap_av_video_frame(const AVFrame& frame) {
  const auto planes = av_video_planes(frame);
  if (planes.empty())
    return fail(errc::invalid_argument, std::string("cannot wrap a frame of pixel format ") +
                                            (av_get_pix_fmt_name(static_cast<AVPixelFormat>(frame.format))
                                                 ? av_get_pix_fmt_name(static_cast<AVPixelFormat>(frame.format))
                                                 : "none"));
  buffer out;
  for (std::size_t i = 0; i < planes.size(); ++i) {
    const AVBufferRef* ref = av_frame_get_plane_buffer(const_cast<AVFrame*>(&frame), static_cast<int>(i));
    if (ref == nullptr) return fail(errc::invalid_argument, "decoded frame plane " + std::to_string(i) + " is not reference-counted");
    auto m = wrap_av_buffer(ref, frame.data[i], planes[i].bytes());
    if (!m) return m.error();
    if (auto r = out.append_memory(std::move(m).value()); !r) return r.error();
  }
  return out;
}

result<buffer> wrap_av_audio_frame(const AVFrame& frame, std::size_t bytes_per_sample) {
  const AVBufferRef* ref = av_frame_get_plane_buffer(const_cast<AVFrame*>(&frame), 0);
  if (ref == nullptr) return fail(errc::invalid_argument, "decoded audio is not reference-counted");
  const std::size_t bytes = static_cast<std::size_t>(frame.nb_samples) *
                            static_cast<std::size_t>(frame.ch_layout.nb_channels) * bytes_per_sample;
  auto m = wrap_av_buffer(ref, frame.data[0], bytes);
  if (!m) return m.error();
  buffer out;
  if (auto r = out.append_memory(std::move(m).value()); !r) return r.error();
  return out;
}

}  // namespace tessera::core
