#include "core/elements/video/videoconvert.hpp"

#include "core/elements/video/pixel_convert.hpp"
#include "core/elements/video/testsrc.hpp"
#include "core/graph/element_factory.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace tessera::core {

namespace {

constexpr std::array<video_format, 3> all_formats = {video_format::rgba, video_format::rgb, video_format::gray8};

/// The formats a caps field allows, in its order of preference (all three if absent).
std::vector<video_format> formats_of(const structure& s) {
  std::vector<video_format> out;
  const value* v = s.get("format");
  if (!v) return {all_formats.begin(), all_formats.end()};
  const auto add = [&](const value& item) {
    if (auto name = item.as_string())
      if (auto f = video_format_from_string(*name)) out.push_back(*f);
  };
  if (v->kind() == value_kind::list) {
    for (const value& item : v->list_items()) add(item);
  } else {
    add(*v);
  }
  return out;
}

/// What a conversion loses, GStreamer's videoconvert scoring in small: a format change
/// costs 1, adding alpha 1 more, dropping alpha 8, dropping colour 32.
int conversion_cost(video_format from, video_format to) {
  if (from == to) return 0;
  int cost = 1;
  if (to == video_format::rgba) cost += 1;
  if (from == video_format::rgba) cost += 8;
  if (to == video_format::gray8) cost += 32;
  return cost;
}

}  // namespace

std::unique_ptr<element_factory> videoconvert::factory() {
  const caps video = testsrc::template_caps();
  return make_factory<videoconvert>("videoconvert", "Colour space converter", "Filter/Converter/Video",
                                    "Converts raw video between RGBA, RGB and GRAY8",
                                    {pad_template{"sink", pad_direction::sink, pad_presence::always, video},
                                     pad_template{"src", pad_direction::src, pad_presence::always, video}},
                                    {base_transform::qos_property(true)});
}

videoconvert::videoconvert(const element_factory& f, std::string name) : base_transform(f, std::move(name)) {
  set_passthrough_on_same_caps(true);
}

caps videoconvert::transform_caps(pad_direction, const caps& c) {
  if (c.is_any() || c.is_empty()) return c;
  caps out;
  for (const structure& s : c.structures()) {
    if (!s.has_name("video/x-raw")) continue;
    // The formats already there first (they need no conversion), then the others.
    std::vector<video_format> order = formats_of(s);
    for (video_format f : all_formats)
      if (std::find(order.begin(), order.end(), f) == order.end()) order.push_back(f);
    std::vector<value> items;
    for (video_format f : order) items.emplace_back(std::string(to_string(f)));
    structure t = s;
    if (auto list = value::make_list(std::move(items)); list) (void)t.set("format", std::move(list).value());
    t.remove_field("stride");  // converted rows are packed, whatever the input's
    out.merge(std::move(t));
  }
  return out;
}

result<caps> videoconvert::fixate_caps(pad_direction, const caps& c, const caps& othercaps) {
  const structure* in = c.structure_at(0);
  if (!in) return fail(errc::not_negotiated, name() + ": nothing to fixate against");
  const auto in_name = in->get_string("format");
  const auto in_format = in_name ? video_format_from_string(*in_name) : std::nullopt;
  const structure* best = nullptr;
  video_format best_format = video_format::rgba;
  int best_cost = std::numeric_limits<int>::max();
  for (const structure& s : othercaps.structures()) {
    if (!s.has_name("video/x-raw")) continue;
    for (video_format f : formats_of(s)) {
      const int cost = in_format ? conversion_cost(*in_format, f) : 0;
      if (cost < best_cost) {
        best = &s;
        best_format = f;
        best_cost = cost;
      }
    }
  }
  if (!best) return fail(errc::not_negotiated, name() + ": no raw video format in " + othercaps.to_string());
  structure out = *best;
  (void)out.set("format", std::string(to_string(best_format)));
  for (const char* field : {"width", "height"})
    if (auto v = in->get_int(field)) out.fixate_field_nearest_int(field, *v);
  if (auto rate = in->get_fraction("framerate")) out.fixate_field_nearest_fraction("framerate", *rate);
  if (auto layout = in->get_string("layout")) out.fixate_field_string("layout", *layout);
  out.fixate();
  return caps(std::move(out));
}

result<void> videoconvert::set_caps(const caps& in, const caps& out) {
  auto i = video_info::from_caps(in);
  if (!i) return fail(errc::not_negotiated, name() + ": input " + i.error().message);
  auto o = video_info::from_caps(out);
  if (!o) return fail(errc::not_negotiated, name() + ": output " + o.error().message);
  if (i->width() != o->width() || i->height() != o->height())
    return fail(errc::not_negotiated, name() + " converts formats, it does not scale: " + in.to_string() + " vs " +
                                          out.to_string());
  in_info_ = *i;
  out_info_ = *o;
  return {};
}

std::optional<std::size_t> videoconvert::transform_size(pad_direction, const caps&, std::size_t,
                                                        const caps& othercaps) {
  auto info = video_info::from_caps(othercaps);
  if (!info) return std::nullopt;
  return info->size();
}

flow videoconvert::transform(const buffer& in, buffer& out) {
  if (!in_info_ || !out_info_)
    return fail_flow(errc::not_negotiated, name() + " received a frame before caps", flow::not_negotiated);
  // map() needs a mutable buffer even for reading (it may merge memories); a share
  // of the input reads the same bytes without touching the caller's buffer.
  buffer src = in.share();
  auto src_map = src.map(map_access::read);
  auto dst_map = out.map(map_access::write);
  if (!src_map || !dst_map) return fail_flow(errc::invalid_argument, name() + ": cannot map frames for conversion");
  if (src_map->size() < in_info_->size() || dst_map->size() < out_info_->size())
    return fail_flow(errc::invalid_argument,
                     name() + ": frame buffers too small (" + std::to_string(src_map->size()) + " in, " +
                         std::to_string(dst_map->size()) + " out; need " + std::to_string(in_info_->size()) + " and " +
                         std::to_string(out_info_->size()) + ")");
  const auto* src_bytes = reinterpret_cast<const std::uint8_t*>(src_map->data());
  auto* dst_bytes = reinterpret_cast<std::uint8_t*>(dst_map->data());
  if (in_info_->is_packed() && out_info_->is_packed()) {
    const std::size_t pixels = static_cast<std::size_t>(in_info_->width()) * static_cast<std::size_t>(in_info_->height());
    convert_pixels(src_bytes, in_info_->format(), dst_bytes, out_info_->format(), pixels);
    return flow::ok;
  }
  // Rows with padding (a cropped frame): one row at a time.
  for (std::size_t y = 0; y < static_cast<std::size_t>(in_info_->height()); ++y)
    convert_pixels(src_bytes + y * in_info_->stride(), in_info_->format(), dst_bytes + y * out_info_->stride(),
                   out_info_->format(), static_cast<std::size_t>(in_info_->width()));
  return flow::ok;
}

}  // namespace tessera::core
