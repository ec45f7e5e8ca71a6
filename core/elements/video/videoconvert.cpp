#include "core/elements/video/videoconvert.hpp"

#include "core/video/frame_convert.hpp"
#include "core/graph/element_factory.hpp"
#include "core/video/tiled_frame.hpp"
#include "core/graph/runtime.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace tessera::core {

namespace {

constexpr std::array<video_format, 5> all_formats = {video_format::rgba, video_format::rgb, video_format::gray8,
                                                     video_format::i420, video_format::nv12};

/// A layout field with `first` first, then the other layout.
value layouts_from(video_layout first) {
  const video_layout other = first == video_layout::tiled ? video_layout::linear : video_layout::tiled;
  return value::make_list({value(std::string(to_string(first))), value(std::string(to_string(other)))}).value();
}

/// The layout a caps structure names; linear when absent or not one fixed string.
video_layout layout_of(const structure& s) {
  const auto name = s.get_string("layout");
  return name && *name == to_string(video_layout::tiled) ? video_layout::tiled : video_layout::linear;
}

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
/// costs 1, between RGB and YUV 2 more (rounding), subsampling the chroma 4 more,
/// adding alpha 1 more, dropping alpha 8, dropping colour 32.
int conversion_cost(video_format from, video_format to) {
  if (from == to) return 0;
  int cost = 1;
  if (is_planar_yuv(from) != is_planar_yuv(to)) cost += 2;
  if (!is_planar_yuv(from) && is_planar_yuv(to)) cost += 4;
  if (to == video_format::rgba) cost += 1;
  if (from == video_format::rgba) cost += 8;
  if (to == video_format::gray8) cost += 32;
  return cost;
}

}  // namespace

std::unique_ptr<element_factory> videoconvert::factory() {
  // testsrc's formats, linear or tiled.
  const caps video = caps::parse(
                         "video/x-raw,format={RGBA,RGB,GRAY8,I420,NV12},width=[1,2147483647],height=[1,2147483647],"
                         "framerate=[0/1,2147483647/1],layout={linear,tiled}")
                         .value();
  return make_factory<videoconvert>("videoconvert", "Colour space converter", "Filter/Converter/Video",
                                    "Converts raw video between RGBA, RGB, GRAY8, I420 and NV12 (BT.601 "
                                    "limited range), and between the linear and tiled layouts",
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
    t.remove_field("chroma-stride");
    // Either layout on the other side, the input's first (an absent field is linear);
    // a list of layouts (template caps, a query) is kept as it is.
    const value* layout = s.get("layout");
    if (!layout || layout->as_string()) (void)t.set("layout", layouts_from(layout_of(s)));
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
  // Converting colours leaves the pixels' shape alone: the input's pixel-aspect-ratio
  // goes on (downstream's, if it fixes another).
  if (auto par = in->get_fraction("pixel-aspect-ratio")) {
    if (!out.has_field("pixel-aspect-ratio")) (void)out.set("pixel-aspect-ratio", *par);
    out.fixate_field_nearest_fraction("pixel-aspect-ratio", *par);
  }
  // The input's layout when downstream allows it (an absent field means linear);
  // I420 and NV12 frames are linear only.
  const video_layout layout = is_planar_yuv(best_format) ? video_layout::linear : layout_of(*in);
  out.fixate_field_string("layout", std::string(to_string(layout)));
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
  // A tiled output is one memory per tile, which pad-alloc (one memory of a size)
  // cannot hand out: the conversion allocates the tiles itself, from transform_ip,
  // which base_transform runs on every input in metadata-only mode (the input
  // buffer is replaced, not written). A linear output is pad-allocated as before.
  out_grid_.reset();
  if (o->layout() == video_layout::tiled) {
    auto g = frame_tile_grid(*o);
    if (!g) return fail(errc::not_negotiated, name() + ": output " + g.error().message);
    out_grid_ = *g;
  }
  set_metadata_only(out_grid_.has_value());
  return {};
}

std::optional<std::size_t> videoconvert::transform_size(pad_direction, const caps&, std::size_t,
                                                        const caps& othercaps) {
  return video_frame_bytes(othercaps);
}

flow videoconvert::transform(const buffer& in, buffer& out) {
  if (!in_info_ || !out_info_)
    return fail_flow(errc::not_negotiated, name() + " received a frame before caps", flow::not_negotiated);
  if (auto r = convert_frame(*in_info_, in, *out_info_, out, name()); !r)
    return fail_flow(errc::invalid_argument, r.error().message);
  return flow::ok;
}

flow videoconvert::transform_ip(buffer& b) {
  if (!in_info_ || !out_grid_)
    return fail_flow(errc::not_negotiated, name() + " received a frame before caps", flow::not_negotiated);
  auto out = allocate_tiled_frame(*out_grid_, runtime().tiled_frame_allocator());
  if (!out) return fail_flow(errc::no_memory, name() + ": " + out.error().message);
  if (auto r = convert_frame(*in_info_, b, *out_info_, *out, name()); !r)
    return fail_flow(errc::invalid_argument, r.error().message);
  out->copy_metadata_from(b);
  b = std::move(*out);
  return flow::ok;
}

}  // namespace tessera::core
