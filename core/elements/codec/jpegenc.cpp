#include "core/elements/codec/jpegenc.hpp"

#include "core/elements/codec/codec_caps.hpp"
#include "core/graph/element_factory.hpp"

namespace tessera::core {

std::unique_ptr<element_factory> jpegenc::factory() {
  return make_factory<jpegenc>("jpegenc", "JPEG encoder", "Codec/Encoder/Image",
                               "Compresses raw video frames to JPEG (TurboJPEG)",
                               {pad_template{"sink", pad_direction::sink, pad_presence::always, codec_caps::raw_template()},
                                pad_template{"src", pad_direction::src, pad_presence::always, codec_caps::jpeg_template()}},
                               {int_property("quality", "JPEG quality (1: smallest, 100: best)", 85, 1, 100),
                                base_transform::qos_property(true)});
}

jpegenc::jpegenc(const element_factory& f, std::string name)
    : base_transform(f, std::move(name)), prop_quality_(property_index("quality")) {}

caps jpegenc::transform_caps(pad_direction dir, const caps& c) {
  if (c.is_any() || c.is_empty()) return c;
  return dir == pad_direction::sink ? codec_caps::jpeg_for(c) : codec_caps::raw_for(c);
}

result<void> jpegenc::set_caps(const caps& in, const caps& out) {
  (void)out;
  auto info = video_info::from_caps(in);
  if (!info) return fail(errc::not_negotiated, name() + ": " + info.error().message);
  if (info->layout() != video_layout::linear)
    return fail(errc::not_negotiated, name() + " encodes linear frames only, not " + in.to_string());
  info_ = *info;
  return {};
}

std::optional<std::size_t> jpegenc::transform_size(pad_direction dir, const caps& c, std::size_t,
                                                   const caps&) {
  // Only raw -> JPEG has a size known in advance: the worst case, trimmed later.
  if (dir != pad_direction::sink) return std::nullopt;
  auto info = video_info::from_caps(c);
  if (!info) return std::nullopt;
  const std::size_t n = jpeg_encoder::max_size(*info);
  return n ? std::optional<std::size_t>(n) : std::nullopt;
}

result<buffer> jpegenc::allocate_for_upstream(std::size_t size, const caps& c, bool negotiated_input) {
  // Only whole frames of the negotiated input are recycled; anything else (caps
  // upstream is about to switch to, an odd size) gets the default fresh buffer. This
  // runs on upstream's thread, so the frame size comes from `c`, not from info_.
  const auto fresh = [&] { return base_transform::allocate_for_upstream(size, c, negotiated_input); };
  if (!negotiated_input) return fresh();
  if (!frame_pool_ || frame_pool_->block_size() != size) {
    auto info = video_info::from_caps(c);
    if (!info || info->size() != size) return fresh();
    pool_config cfg;
    cfg.name = name() + " frame pool";
    cfg.block_size = size;
    auto p = pool_allocator::create(cfg);
    if (!p) return p.error();
    frame_pool_ = std::move(p).value();
  }
  auto m = frame_pool_->acquire();
  if (!m) return m.error();
  buffer b;
  if (auto r = b.append_memory(std::move(m).value()); !r) return r.error();
  return b;
}

flow jpegenc::transform(const buffer& in, buffer& out) {
  if (!info_) return fail_flow(errc::not_negotiated, name() + " received a frame before caps", flow::not_negotiated);
  std::size_t jpeg_size = 0;
  {
    // map() may merge memories, so read through a share and leave `in` as it is.
    buffer src = in.share();
    auto src_map = src.map(map_access::read);
    auto dst_map = out.map(map_access::write);
    if (!src_map || !dst_map) return fail_flow(errc::invalid_argument, name() + ": cannot map frames for encoding");
    if (src_map->size() < info_->size())
      return fail_flow(errc::invalid_argument, name() + ": a " + std::to_string(src_map->size()) +
                                                   "-byte buffer is smaller than a " + std::to_string(info_->width()) +
                                                   "x" + std::to_string(info_->height()) + " " +
                                                   std::string(to_string(info_->format())) + " frame (" +
                                                   std::to_string(info_->size()) + " bytes)");
    const int quality = static_cast<int>(props().get_int(prop_quality_));
    auto n = encoder_.encode_into(src_map->data(), *info_, quality, dst_map->data(), dst_map->size());
    if (!n) return fail_flow(errc::invalid_argument, name() + ": " + n.error().message);
    jpeg_size = *n;
  }
  if (auto r = out.resize(0, jpeg_size); !r)
    return fail_flow(errc::invalid_argument, name() + ": cannot trim the output to the JPEG: " + r.error().message);
  return flow::ok;
}

}  // namespace tessera::core
