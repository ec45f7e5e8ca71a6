#include "core/elements/video/crop.hpp"

#include "core/video/tiled_crop.hpp"
#include "core/graph/element_factory.hpp"
#include "core/graph/pad.hpp"
#include "core/video/tiled_frame.hpp"
#include "core/graph/runtime.hpp"

#include <algorithm>
#include <limits>

namespace tessera::core {

namespace {

/// A width or height moved by `delta` (negative: cropped), as an int, a range or a
/// list of them; empty when no size of at least 1 pixel remains.
std::optional<value> shifted(const value& v, std::int64_t delta) {
  if (auto i = v.as_int()) {
    const std::int64_t n = *i + delta;
    if (n < 1 || n > int_property_max) return std::nullopt;
    return value(n);
  }
  if (auto r = v.as_int_range()) {
    // Steps do not survive a shift by a non-multiple: the range becomes step 1 (a
    // superset, which negotiation narrows down).
    const std::int64_t lo = std::max<std::int64_t>(1, r->min + delta);
    const std::int64_t hi = std::min(int_property_max, r->max + delta);
    if (hi < lo) return std::nullopt;
    auto out = value::make_int_range(lo, hi);
    if (!out) return std::nullopt;
    return std::move(out).value();
  }
  if (v.kind() == value_kind::list) {
    std::vector<value> items;
    for (const value& item : v.list_items())
      if (auto s = shifted(item, delta)) items.push_back(std::move(*s));
    if (items.empty()) return std::nullopt;
    auto out = value::make_list(std::move(items));
    if (!out) return std::nullopt;
    return std::move(out).value();
  }
  return std::nullopt;
}

}  // namespace

std::unique_ptr<element_factory> crop::factory() {
  // testsrc's formats, linear or tiled.
  const caps video = caps::parse(
                         "video/x-raw,format={RGBA,RGB,GRAY8},width=[1,2147483647],height=[1,2147483647],"
                         "framerate=[0/1,2147483647/1],layout={linear,tiled}")
                         .value();
  return make_factory<crop>(
      "crop", "Crop", "Filter/Effect/Video", "Crops raw video to a sub-region of each frame, without copying pixels (tiled frames: "
      "unless the window starts inside a tile)",
      {pad_template{"sink", pad_direction::sink, pad_presence::always, video},
       pad_template{"src", pad_direction::src, pad_presence::always, video}},
      {int_property("left", "Pixels to crop at the left", 0, 0, int_property_max),
       int_property("right", "Pixels to crop at the right", 0, 0, int_property_max),
       int_property("top", "Pixels to crop at the top", 0, 0, int_property_max),
       int_property("bottom", "Pixels to crop at the bottom", 0, 0, int_property_max), base_transform::qos_property(true)});
}

crop::crop(const element_factory& f, std::string name)
    : base_transform(f, std::move(name)),
      prop_left_(property_index("left")),
      prop_right_(property_index("right")),
      prop_top_(property_index("top")),
      prop_bottom_(property_index("bottom")) {
  set_passthrough_on_same_caps(true);
  set_metadata_only(true);
}

crop::margins crop::current_margins() const {
  return {props().get_int(prop_left_), props().get_int(prop_right_), props().get_int(prop_top_),
          props().get_int(prop_bottom_)};
}

void crop::property_changed(std::size_t index) {
  if (index == prop_left_ || index == prop_right_ || index == prop_top_ || index == prop_bottom_) reconfigure();
}

caps crop::transform_caps(pad_direction dir, const caps& c) {
  if (c.is_any() || c.is_empty()) return c;
  const margins m = current_margins();
  // Downstream of us (sink -> src) frames are smaller; upstream larger.
  const std::int64_t sign = dir == pad_direction::sink ? -1 : 1;
  caps out;
  for (const structure& s : c.structures()) {
    if (!s.has_name("video/x-raw")) continue;
    structure t = s;
    t.remove_field("stride");
    bool fits = true;
    for (const auto& [field, delta] : {std::pair{"width", m.left + m.right}, std::pair{"height", m.top + m.bottom}}) {
      const value* v = s.get(field);
      if (!v || delta == 0) continue;
      auto moved = shifted(*v, sign * delta);
      if (!moved) {
        fits = false;
        break;
      }
      (void)t.set(field, std::move(*moved));
    }
    if (!fits) continue;
    if (dir == pad_direction::sink) {
      // Cropped rows keep the input's stride; say so when it is known (fixed input)
      // and not simply the packed one. Tiled frames have no frame stride: each tile
      // has its own rows.
      if (auto in = video_info::from_structure(s); in && in->layout() == video_layout::linear) {
        if (auto o = video_info::from_structure(t); o && o->row_bytes() != in->stride())
          (void)t.set("stride", static_cast<std::int64_t>(in->stride()));
      }
    }
    out.merge(std::move(t));
  }
  return out;
}

result<void> crop::check_input_caps(const caps& in) {
  auto info = video_info::from_caps(in);
  if (!info) return fail(errc::not_negotiated, name() + ": " + info.error().message);
  const margins m = current_margins();
  if (m.left + m.right >= info->width())
    return fail(errc::not_negotiated, name() + ": cannot crop " + std::to_string(m.left) + "+" + std::to_string(m.right) +
                                          " columns (left+right) from a frame " + std::to_string(info->width()) +
                                          " pixels wide: at least one must remain");
  if (m.top + m.bottom >= info->height())
    return fail(errc::not_negotiated, name() + ": cannot crop " + std::to_string(m.top) + "+" + std::to_string(m.bottom) +
                                          " rows (top+bottom) from a frame " + std::to_string(info->height()) +
                                          " pixels high: at least one must remain");
  return {};
}

result<void> crop::set_caps(const caps& in, const caps& out) {
  auto i = video_info::from_caps(in);
  if (!i) return fail(errc::not_negotiated, name() + ": input " + i.error().message);
  auto o = video_info::from_caps(out);
  if (!o) return fail(errc::not_negotiated, name() + ": output " + o.error().message);
  const bool tiled = i->layout() == video_layout::tiled;
  if (i->format() != o->format() || i->layout() != o->layout() || o->width() > i->width() ||
      o->height() > i->height() || (!tiled && o->stride() != i->stride()))
    return fail(errc::not_negotiated, name() + " cannot crop " + in.to_string() + " into " + out.to_string());
  // The margins may have changed since the caps were computed (a property written
  // meanwhile): keep the window inside the frame and renegotiate before the next one.
  const margins m = current_margins();
  const std::int64_t left = std::min<std::int64_t>(m.left, i->width() - o->width());
  const std::int64_t top = std::min<std::int64_t>(m.top, i->height() - o->height());
  if (left + o->width() + m.right != i->width() || top + o->height() + m.bottom != i->height()) reconfigure();
  offset_ = static_cast<std::size_t>(top) * i->stride() + static_cast<std::size_t>(left) * i->bytes_per_pixel();
  size_ = o->size();
  left_ = static_cast<std::size_t>(left);
  top_ = static_cast<std::size_t>(top);
  in_grid_.reset();
  out_grid_.reset();
  if (tiled) {
    auto ig = frame_tile_grid(*i);
    if (!ig) return fail(errc::not_negotiated, name() + ": input " + ig.error().message);
    auto og = frame_tile_grid(*o);
    if (!og) return fail(errc::not_negotiated, name() + ": output " + og.error().message);
    in_grid_ = *ig;
    out_grid_ = *og;
  }
  in_info_ = *i;
  return {};
}

flow crop::transform_ip(buffer& b) {
  if (!in_info_) return fail_flow(errc::not_negotiated, name() + " received a frame before caps", flow::not_negotiated);
  if (in_grid_) return crop_tiled(b);
  if (b.size() < in_info_->size())
    return fail_flow(errc::invalid_argument, name() + ": a " + std::to_string(b.size()) + "-byte buffer is smaller than a " +
                                                 std::to_string(in_info_->width()) + "x" +
                                                 std::to_string(in_info_->height()) + " frame (" +
                                                 std::to_string(in_info_->size()) + " bytes)");
  // A window on the same memory: shares or in-place offsets, never a copy.
  if (auto r = b.resize(offset_, size_); !r) return fail_flow(errc::invalid_argument, name() + ": " + r.error().message);
  if (offset_ % perm_align_bytes != 0) b.set_perms(b.perms() & ~perm::align);
  return flow::ok;
}

flow crop::crop_tiled(buffer& b) {
  auto out = crop_tiled_frame(b, *in_grid_, *out_grid_, left_, top_, name(), runtime().tiled_frame_allocator());
  if (!out) return fail_flow(errc::invalid_argument, out.error().message);
  out->copy_metadata_from(b);
  out->set_perms(b.perms());
  // The input's handles go with it: a tile only the output still holds is writable
  // again downstream.
  b = std::move(*out);
  return flow::ok;
}

}  // namespace tessera::core
