#include "core/elements/video/videoscale.hpp"

#include "core/elements/video/testsrc.hpp"
#include "core/graph/element_factory.hpp"
#include "core/graph/pipeline.hpp"

#include <limits>
#include <optional>

namespace tessera::core {

namespace {

__extension__ typedef __int128 i128;

/// round(a * num / den) for positive values, at least 1 and at most int_property_max.
std::int64_t scaled(std::int64_t a, i128 num, i128 den) noexcept {
  const i128 r = (2 * static_cast<i128>(a) * num + den) / (2 * den);
  return r < 1 ? 1 : r > int_property_max ? int_property_max : static_cast<std::int64_t>(r);
}

/// num/den reduced, when it is positive and fits a caps fraction.
std::optional<fraction> exact_fraction(i128 num, i128 den) {
  if (num <= 0 || den <= 0) return std::nullopt;
  i128 a = num, b = den;
  while (b != 0) {
    const i128 t = a % b;
    a = b;
    b = t;
  }
  num /= a;
  den /= a;
  if (num > int_property_max || den > int_property_max) return std::nullopt;
  auto f = fraction::make(static_cast<std::int64_t>(num), static_cast<std::int64_t>(den));
  return f ? std::optional<fraction>(*f) : std::nullopt;
}

/// The value of int field `name` nearest to `target` that `s` allows (the target
/// itself when the field is absent, i.e. unrestricted).
std::int64_t nearest_allowed(const structure& s, std::string_view name, std::int64_t target) {
  if (auto fixed = s.get_int(name)) return *fixed;
  if (!s.has_field(name)) return target;
  structure t = s;
  t.fixate_field_nearest_int(name, target);
  return t.get_int(name).value_or(target);
}

/// Sets the pixel-aspect-ratio of `s` nearest to `target` among what it allows (to
/// `target` itself when the field is absent, i.e. unrestricted).
void fixate_par(structure& s, fraction target) {
  if (!s.has_field("pixel-aspect-ratio")) {
    (void)s.set("pixel-aspect-ratio", target);
    return;
  }
  s.fixate_field_nearest_fraction("pixel-aspect-ratio", target);
}

}  // namespace

std::unique_ptr<element_factory> videoscale::factory() {
  const caps video = testsrc::template_caps();
  std::vector<enum_entry> methods = {
      {static_cast<std::int64_t>(scale_method::nearest), "nearest-neighbour", "Nearest Neighbour"},
      {static_cast<std::int64_t>(scale_method::bilinear), "bilinear", "Bilinear (2-tap)"}};
  return make_factory<videoscale>("videoscale", "Video scaler", "Filter/Converter/Video/Scaler",
                                  "Resizes raw video (nearest-neighbour or bilinear)",
                                  {pad_template{"sink", pad_direction::sink, pad_presence::always, video},
                                   pad_template{"src", pad_direction::src, pad_presence::always, video}},
                                  {enum_property("method", "Sampling method", "bilinear", std::move(methods)),
                                   base_transform::qos_property(true)});
}

videoscale::videoscale(const element_factory& f, std::string name)
    : base_transform(f, std::move(name)), prop_method_(property_index("method")) {
  set_passthrough_on_same_caps(true);
}

caps videoscale::transform_caps(pad_direction, const caps& c) {
  if (c.is_any() || c.is_empty()) return c;
  const value any_size = value::make_int_range(1, int_property_max).value();
  const value any_par =
      value::make_fraction_range(fraction::make(1, int_property_max).value(), fraction(static_cast<std::int32_t>(int_property_max)))
          .value();
  caps out;
  for (const structure& s : c.structures()) {
    if (!s.has_name("video/x-raw")) continue;
    structure t = s;
    (void)t.set("width", any_size);
    (void)t.set("height", any_size);
    if (t.has_field("pixel-aspect-ratio")) (void)t.set("pixel-aspect-ratio", any_par);
    t.remove_field("stride");  // our output rows are packed, whatever the input's
    out.merge(std::move(t));
  }
  return out;
}

result<caps> videoscale::fixate_caps(pad_direction, const caps& c, const caps& othercaps) {
  const structure* from = c.structure_at(0);
  const structure* first = nullptr;
  for (const structure& s : othercaps.structures())
    if (s.has_name("video/x-raw")) { first = &s; break; }
  if (!from || !first) return fail(errc::not_negotiated, name() + ": no raw video in " + othercaps.to_string());
  structure out = *first;
  const auto from_w = from->get_int("width");
  const auto from_h = from->get_int("height");
  const fraction from_par = from->get_fraction("pixel-aspect-ratio").value_or(fraction(1));
  if (from_w && from_h && from_par > fraction()) {
    // The display aspect ratio to keep: from_w * from_par / from_h.
    const i128 dar_num = static_cast<i128>(*from_w) * from_par.num();
    const i128 dar_den = static_cast<i128>(*from_h) * from_par.den();
    const auto w_fixed = out.get_int("width");
    const auto h_fixed = out.get_int("height");
    if (w_fixed && h_fixed) {
      // The size is downstream's: the pixels take the shape that keeps the picture's.
      const value* par = out.get("pixel-aspect-ratio");
      if (!par || !par->is_fixed())
        fixate_par(out, exact_fraction(dar_num * *h_fixed, dar_den * *w_fixed).value_or(from_par));
    } else {
      fixate_par(out, from_par);
      const fraction to_par = out.get_fraction("pixel-aspect-ratio").value_or(fraction(1));
      // Output width / height that keeps the display aspect with these pixels.
      const i128 num = dar_num * to_par.den();
      const i128 den = dar_den * to_par.num();
      std::int64_t w = 0;
      std::int64_t h = 0;
      if (w_fixed) {
        w = *w_fixed;
        h = nearest_allowed(out, "height", scaled(w, den, num));
      } else if (h_fixed) {
        h = *h_fixed;
        w = nearest_allowed(out, "width", scaled(h, num, den));
      } else {
        // Keep the input height and the aspect ratio; else the input width and the
        // aspect ratio; else the sizes nearest to those of the first try.
        h = nearest_allowed(out, "height", *from_h);
        const std::int64_t want_w = scaled(h, num, den);
        w = nearest_allowed(out, "width", want_w);
        if (w != want_w) {
          const std::int64_t w2 = nearest_allowed(out, "width", *from_w);
          const std::int64_t want_h = scaled(w2, den, num);
          if (const std::int64_t h2 = nearest_allowed(out, "height", want_h); h2 == want_h) {
            w = w2;
            h = h2;
          }
        }
      }
      (void)out.set("width", w);
      (void)out.set("height", h);
    }
  }
  if (auto format = from->get_string("format")) out.fixate_field_string("format", *format);
  if (auto rate = from->get_fraction("framerate")) out.fixate_field_nearest_fraction("framerate", *rate);
  if (auto layout = from->get_string("layout")) out.fixate_field_string("layout", *layout);
  out.fixate();
  return caps(std::move(out));
}

result<void> videoscale::check_frame_size(const video_info& out) const {
  const auto w = static_cast<std::uint64_t>(out.width());
  const auto h = static_cast<std::uint64_t>(out.height());
  if (const pipeline* p = parent()) {
    if (auto r = p->check_frame_size(w, h); !r) return fail(errc::limit_exceeded, name() + ": " + r.error().message);
    return {};
  }
  if (w * h > pipeline_limits{}.max_frame_pixels)
    return fail(errc::limit_exceeded, name() + ": frame size " + std::to_string(w) + "x" + std::to_string(h) +
                                          " exceeds the limit of " + std::to_string(pipeline_limits{}.max_frame_pixels) +
                                          " pixels per frame");
  return {};
}

result<void> videoscale::set_caps(const caps& in, const caps& out) {
  auto i = video_info::from_caps(in);
  if (!i) return fail(errc::not_negotiated, name() + ": input " + i.error().message);
  auto o = video_info::from_caps(out);
  if (!o) return fail(errc::not_negotiated, name() + ": output " + o.error().message);
  if (i->format() != o->format())
    return fail(errc::not_negotiated, name() + " scales, it does not convert formats: " + in.to_string() + " vs " +
                                          out.to_string());
  if (auto r = check_frame_size(*o); !r) return r;
  if (!in_info_ || !out_info_ || in_info_->width() != i->width() || in_info_->height() != i->height() ||
      out_info_->width() != o->width() || out_info_->height() != o->height() || in_info_->format() != i->format())
    scaler_.reset();
  in_info_ = *i;
  out_info_ = *o;
  return {};
}

std::optional<std::size_t> videoscale::transform_size(pad_direction, const caps&, std::size_t, const caps& othercaps) {
  auto info = video_info::from_caps(othercaps);
  if (!info) return std::nullopt;
  return info->size();
}

flow videoscale::transform(const buffer& in, buffer& out) {
  if (!in_info_ || !out_info_)
    return fail_flow(errc::not_negotiated, name() + " received a frame before caps", flow::not_negotiated);
  // map() needs a mutable buffer even for reading: a share reads the same bytes.
  buffer src = in.share();
  auto src_map = src.map(map_access::read);
  auto dst_map = out.map(map_access::write);
  if (!src_map || !dst_map) return fail_flow(errc::invalid_argument, name() + ": cannot map frames for scaling");
  if (src_map->size() < in_info_->size() || dst_map->size() < out_info_->size())
    return fail_flow(errc::invalid_argument,
                     name() + ": frame buffers too small (" + std::to_string(src_map->size()) + " in, " +
                         std::to_string(dst_map->size()) + " out; need " + std::to_string(in_info_->size()) + " and " +
                         std::to_string(out_info_->size()) + ")");
  const auto method = static_cast<scale_method>(props().get_enum(prop_method_));
  if (!scaler_ || scaler_->method() != method)
    scaler_.emplace(method, in_info_->bytes_per_pixel(), in_info_->width(), in_info_->height(), out_info_->width(),
                    out_info_->height());
  scaler_->scale(reinterpret_cast<const std::uint8_t*>(src_map->data()), in_info_->stride(),
                 reinterpret_cast<std::uint8_t*>(dst_map->data()), out_info_->stride());
  return flow::ok;
}

}  // namespace tessera::core
