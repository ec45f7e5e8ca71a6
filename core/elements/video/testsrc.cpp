#include "core/elements/video/testsrc.hpp"

#include "core/graph/element_factory.hpp"
#include "core/graph/pipeline.hpp"
#include "core/video/image_frame.hpp"
#include "core/video/tiled_frame.hpp"
#include "core/graph/runtime.hpp"

#include <cstdint>
#include <cstring>
#include <limits>

namespace tessera::core {

namespace {

constexpr const char* testsrc_template =
    "video/x-raw,format={RGBA,RGB,GRAY8},width=[1,2147483647],height=[1,2147483647],"
    "framerate=[0/1,2147483647/1],layout=linear";

// What the src pad offers: linear frames, or tiled ones (tiled=true).
constexpr const char* testsrc_src_template =
    "video/x-raw,format={RGBA,RGB,GRAY8},width=[1,2147483647],height=[1,2147483647],"
    "framerate=[0/1,2147483647/1],layout={linear,tiled}";

}  // namespace

caps testsrc::template_caps() { return caps::parse(testsrc_template).value(); }

std::unique_ptr<element_factory> testsrc::factory() {
  std::vector<enum_entry> patterns = {
      {static_cast<std::int64_t>(test_pattern::smpte), "smpte", "SMPTE 75% colour bars"},
      {static_cast<std::int64_t>(test_pattern::snow), "snow", "Random grey noise (television snow)"},
      {static_cast<std::int64_t>(test_pattern::checkers), "checkers", "Black and white 8x8 checkers"},
      {static_cast<std::int64_t>(test_pattern::solid), "solid", "The foreground colour"},
      {static_cast<std::int64_t>(test_pattern::ball), "ball", "A moving ball"},
      {static_cast<std::int64_t>(test_pattern::gradient), "gradient", "Horizontal grey ramp"}};
  std::vector<enum_entry> formats = {{static_cast<std::int64_t>(video_format::rgba), "RGBA", "8-bit R, G, B, A"},
                                     {static_cast<std::int64_t>(video_format::rgb), "RGB", "8-bit R, G, B"},
                                     {static_cast<std::int64_t>(video_format::gray8), "GRAY8", "8-bit grey"}};
  return make_factory<testsrc>(
      "testsrc", "Video test source", "Source/Video", "Produces raw video test patterns",
      {pad_template{"src", pad_direction::src, pad_presence::always, caps::parse(testsrc_src_template).value()}},
      {enum_property("pattern", "Test pattern to draw", "smpte", std::move(patterns)),
       int_property("width", "Frame width in pixels (preferred when downstream allows it)", 320, 1, int_property_max),
       int_property("height", "Frame height in pixels (preferred when downstream allows it)", 240, 1, int_property_max),
       enum_property("format", "Pixel format (preferred when downstream allows it)", "RGBA", std::move(formats)),
       fraction_property("framerate", "Frames per second (0/1: one still frame)", {30, 1}, {0, 1},
                         {static_cast<std::int32_t>(int_property_max), 1}),
       int_property("num-buffers", "Frames to produce before EOS (-1: unlimited)", -1, -1, INT64_MAX,
                    mutability::ready),
       bool_property("is-live", "Produce only in PLAYING, each frame at its clock time", false, mutability::ready),
       bool_property("peer-alloc", "Ask downstream for every frame's buffer (pad-alloc), so it can resize us",
                     true),
       int_property("foreground-color", "Foreground colour as big-endian ARGB (solid, ball)", 0xffffffffll, 0,
                    0xffffffffll),
       int_property("background-color", "Background colour as big-endian ARGB (ball)", 0xff000000ll, 0,
                    0xffffffffll),
       bool_property("tiled", "Produce tiled frames (layout=tiled: one memory per 64x64 tile)", false,
                     mutability::ready)});
}

testsrc::testsrc(const element_factory& f, std::string name)
    : base_src(f, std::move(name)),
      prop_pattern_(property_index("pattern")),
      prop_width_(property_index("width")),
      prop_height_(property_index("height")),
      prop_format_(property_index("format")),
      prop_framerate_(property_index("framerate")),
      prop_num_buffers_(property_index("num-buffers")),
      prop_is_live_(property_index("is-live")),
      prop_peer_alloc_(property_index("peer-alloc")),
      prop_foreground_(property_index("foreground-color")),
      prop_background_(property_index("background-color")),
      prop_tiled_(property_index("tiled")) {}

void testsrc::property_changed(std::size_t index) {
  if (index == prop_width_ || index == prop_height_ || index == prop_format_ || index == prop_framerate_)
    request_renegotiation();
}

// ---------------------------------------------------------------- negotiation

fraction testsrc::property_framerate() const {
  const fraction_value fr = props().get_fraction(prop_framerate_);
  auto f = fraction::make(fr.num, fr.den);  // the property's range keeps this valid
  return f ? *f : fraction(30);
}

caps testsrc::property_caps() const {
  const auto fmt = static_cast<video_format>(props().get_enum(prop_format_));
  structure s = structure::make("video/x-raw").value();
  (void)s.set("format", std::string(to_string(fmt)));
  (void)s.set("width", props().get_int(prop_width_));
  (void)s.set("height", props().get_int(prop_height_));
  (void)s.set("framerate", property_framerate());
  (void)s.set("layout", props().get_bool(prop_tiled_) ? "tiled" : "linear");
  return caps(std::move(s));
}

result<caps> testsrc::fixate_caps(const caps& allowed) {
  // As videotestsrc: downstream's first choice (its caps come in its order of
  // preference, a size asked for behind videoscale first), with every field it leaves
  // open fixed nearest to the properties. So the properties decide only what
  // downstream does not: `testsrc ! videoscale ! video/x-raw,width=640,height=360`
  // draws 640x360 frames rather than scaling 320x240 ones.
  const caps preferred = property_caps();
  const structure& want = *preferred.structure_at(0);
  for (const structure& candidate : allowed.structures()) {
    if (!candidate.has_name("video/x-raw")) continue;
    structure s = candidate;
    for (const char* field : {"format", "layout"}) {
      const std::string target = want.get_string(field).value_or("");
      if (!s.has_field(field)) (void)s.set(field, target);
      s.fixate_field_string(field, target);
    }
    for (const char* field : {"width", "height"}) {
      const std::int64_t target = want.get_int(field).value_or(1);
      if (!s.has_field(field)) (void)s.set(field, target);
      s.fixate_field_nearest_int(field, target);
    }
    const fraction rate = want.get_fraction("framerate").value_or(fraction(30));
    if (!s.has_field("framerate")) (void)s.set("framerate", rate);
    s.fixate_field_nearest_fraction("framerate", rate);
    // Square pixels unless downstream insists on others.
    if (!s.has_field("pixel-aspect-ratio")) (void)s.set("pixel-aspect-ratio", fraction(1));
    s.fixate_field_nearest_fraction("pixel-aspect-ratio", fraction(1));
    s.fixate();
    return caps(std::move(s));
  }
  return fail(errc::not_negotiated, "downstream allows no raw video (" + allowed.to_string() + ")");
}

result<void> testsrc::check_frame_size(std::int64_t width, std::int64_t height) const {
  result<void> r;
  if (const pipeline* p = parent()) {
    r = p->check_frame_size(static_cast<std::uint64_t>(width), static_cast<std::uint64_t>(height));
  } else {
    // Not in a pipeline (a unit test driving pads): the default limits apply.
    const std::uint64_t max = pipeline_limits{}.max_frame_pixels;
    if (static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height) > max)
      r = fail(errc::limit_exceeded, "frame size " + std::to_string(width) + "x" + std::to_string(height) +
                                         " exceeds the limit of " + std::to_string(max) + " pixels per frame");
  }
  if (!r) return fail(errc::limit_exceeded, name() + ": " + r.error().message);
  return {};
}

result<void> testsrc::set_caps(const caps& c) {
  const structure* s = c.structure_at(0);
  if (!c.is_fixed() || !s) return fail(errc::not_negotiated, name() + ": caps are not fixed: " + c.to_string());
  // Before anything else (video_info, buffers): a huge frame must not allocate.
  const auto w = s->get_int("width");
  const auto h = s->get_int("height");
  if (!w || !h) return fail(errc::not_negotiated, name() + ": caps lack a width or height: " + c.to_string());
  if (auto r = check_frame_size(*w, *h); !r) return r;
  auto info = video_info::from_caps(c);
  if (!info) return fail(errc::not_negotiated, name() + ": " + info.error().message);
  tile_grid_.reset();
  still_image_.reset();  // its grid is the old caps'
  if (info->layout() == video_layout::tiled) {
    auto g = frame_tile_grid(*info);
    if (!g) return fail(errc::not_negotiated, name() + ": " + g.error().message);
    tile_grid_ = *g;
  }
  if (info_ && info_->framerate() != info->framerate()) {
    // Timestamps go on from where the old rate left them.
    origin_time_ = frame_time(next_frame_);
    origin_frame_ = next_frame_;
  }
  info_ = *info;
  caps_ = c;
  negotiated_rate_.store(static_cast<std::uint64_t>(info->framerate().num()) << 32 |
                         static_cast<std::uint32_t>(info->framerate().den()));
  return {};
}

// ---------------------------------------------------------------- timing

clock_time testsrc::live_latency(const caps& c) const {
  const structure* s = c.structure_at(0);
  const fraction fr = s && s->get_fraction("framerate") ? *s->get_fraction("framerate") : property_framerate();
  if (fr.num() <= 0) return 0;  // a still frame: complete at once
  return scale_int(ns_per_second, fr.den(), fr.num());
}

clock_time testsrc::frame_time(std::uint64_t frame) const noexcept {
  if (!info_ || info_->framerate().num() <= 0) return origin_time_;
  const fraction fr = info_->framerate();
  return origin_time_ + scale_int(static_cast<std::int64_t>(frame - origin_frame_), ns_per_second * fr.den(), fr.num());
}

std::uint64_t testsrc::frame_at(clock_time t) const noexcept {
  const fraction rate = info_ ? info_->framerate() : property_framerate();
  if (rate.num() <= 0 || t <= 0) return 0;
  // floor(t * fps), corrected for the rounding of pts, so a seek to a frame's own pts
  // lands on it.
  auto frame = static_cast<std::uint64_t>(scale_int(t, rate.num(), ns_per_second * rate.den()));
  while (scale_int(static_cast<std::int64_t>(frame + 1), ns_per_second * rate.den(), rate.num()) <= t) ++frame;
  return frame;
}

bool testsrc::do_seek(core::segment& seg) {
  if (seg.format != seek_format::time) return false;
  const fraction rate = info_ ? info_->framerate() : property_framerate();
  const std::int64_t limit = props().get_int(prop_num_buffers_);
  origin_frame_ = 0;
  origin_time_ = 0;
  since_seek_ = 0;
  discont_ = true;
  exhausted_ = false;
  reverse_ = seg.reverse();
  if (!reverse_) {
    // The frame on screen at seg.start: pts <= start < pts + duration.
    next_frame_ = frame_at(seg.start);
    stop_time_ = seg.stop;
    return true;
  }
  // Backward: from the last frame that starts before the stop, or the end of the
  // stream, or where we are, down to the frame on screen at seg.start.
  first_frame_ = frame_at(seg.start);
  std::uint64_t top = 0;
  if (rate.num() <= 0) {
    top = 0;  // a still image: its one frame
  } else if (is_valid_time(seg.stop)) {
    top = seg.stop > 0 ? frame_at(seg.stop - 1) : 0;
  } else if (limit >= 0) {
    top = limit > 0 ? static_cast<std::uint64_t>(limit - 1) : 0;
  } else {
    top = last_frame_.value_or(first_frame_);
  }
  if (limit >= 0 && rate.num() > 0) top = std::min(top, limit > 0 ? static_cast<std::uint64_t>(limit - 1) : 0);
  exhausted_ = top < first_frame_ || limit == 0;
  next_frame_ = top;
  stop_time_ = time_none;
  // Running time counts down from the stop: at most the end of the first frame
  // produced, so that frame is due at once.
  const clock_time end = exhausted_ || rate.num() <= 0 ? seg.start : std::max(seg.start, frame_time(top + 1));
  seg.stop = is_valid_time(seg.stop) ? std::min(seg.stop, end) : end;
  seg.position = seg.stop;
  return true;
}

std::optional<clock_time> testsrc::time_duration() const {
  const std::int64_t limit = props().get_int(prop_num_buffers_);
  if (limit < 0) return std::nullopt;
  std::int64_t num = 0;
  std::int64_t den = 1;
  if (const std::uint64_t packed = negotiated_rate_.load(); packed != 0) {
    num = static_cast<std::int64_t>(packed >> 32);
    den = static_cast<std::int64_t>(packed & 0xffffffffu);
  } else {
    const fraction rate = property_framerate();
    num = rate.num();
    den = rate.den();
  }
  if (num <= 0) return std::nullopt;  // a still image lasts forever
  return scale_int(limit, ns_per_second * den, num);
}

bool testsrc::at_end() const {
  if (reverse_) return exhausted_;
  const std::int64_t limit = props().get_int(prop_num_buffers_);
  if (limit >= 0 && next_frame_ >= static_cast<std::uint64_t>(limit)) return true;
  return is_valid_time(stop_time_) && frame_time(next_frame_) >= stop_time_;
}

// ---------------------------------------------------------------- data

result<void> testsrc::start() {
  info_.reset();
  caps_ = caps();
  next_frame_ = origin_frame_ = 0;
  origin_time_ = 0;
  stop_time_ = time_none;
  since_seek_ = 0;
  reverse_ = exhausted_ = false;
  first_frame_ = 0;
  last_frame_.reset();
  negotiated_rate_.store(0);
  discont_ = true;
  warned_bad_alloc_caps_ = false;
  return {};
}

void testsrc::stop() {
  pool_.reset();
  still_image_.reset();
}

flow testsrc::own_buffer(buffer& out) {
  const std::size_t size = info_->size();
  if (!pool_ || pool_->block_size() != size) {
    pool_config cfg;
    cfg.name = name() + " frame pool";
    cfg.block_size = size;
    cfg.min_blocks = 2;
    auto p = pool_allocator::create(cfg);
    if (!p) return fail_flow(errc::no_memory, name() + ": " + p.error().message);
    pool_ = std::move(p).value();
  }
  auto m = pool_->acquire();
  if (!m) return fail_flow(errc::no_memory, name() + ": " + m.error().message);
  out = buffer();
  if (auto r = out.append_memory(std::move(m).value()); !r) return fail_flow(errc::no_memory, name() + ": " + r.error().message);
  return flow::ok;
}

flow testsrc::tiled_buffer(buffer& out) {
  // From the tile cache (which recycles tile memories like a pool): the frame's tiles
  // count against --cache-size and can be swapped out while the frame waits.
  auto b = allocate_tiled_frame(*tile_grid_, runtime().tiled_frame_allocator());
  if (!b) return fail_flow(errc::no_memory, name() + ": " + b.error().message);
  out = std::move(*b);
  return flow::ok;
}

void testsrc::paint_still_tile(const tile_rect& area, std::span<std::byte> bytes) {
  // The tiles are validated row of tiles by row of tiles on the first frame: paint the
  // band of the tile's row once, then each tile of it takes its columns.
  const tile_grid& g = *tile_grid_;
  const std::size_t band = g.y().period;
  const std::size_t band_y = area.y - g.y().offset_in_tile(area.y);
  if (painted_band_ != band_y) {
    const std::size_t rows = std::min(band, g.height() - band_y);
    tiled_scratch_.resize(band * info_->stride());
    const frame_view view{tiled_scratch_.data(), info_->width(), info_->height(), info_->stride(), info_->format(),
                          static_cast<std::int32_t>(band_y), static_cast<std::int32_t>(rows)};
    painter_.paint(still_picture_.pattern, view, next_frame_, color_from_argb(still_picture_.fg),
                   color_from_argb(still_picture_.bg));
    painted_band_ = band_y;
  }
  const std::size_t bpp = g.tag().bytes_per_pixel;
  for (std::size_t r = 0; r < area.height; ++r) {
    std::memcpy(bytes.data() + g.offset_in_tile(area.x, area.y + r),
                tiled_scratch_.data() + (area.y + r - band_y) * info_->stride() + area.x * bpp, area.width * bpp);
  }
}

flow testsrc::still_tiled_frame(buffer& out, test_pattern pattern) {
  const still_picture want{pattern, static_cast<std::uint32_t>(props().get_int(prop_foreground_)),
                           static_cast<std::uint32_t>(props().get_int(prop_background_))};
  if (!still_image_ || still_picture_ != want) {
    // A new picture: a new image. Frames in flight keep the old image's tiles.
    still_image_.reset();
    painted_band_.reset();
    const tile_grid& g = *tile_grid_;
    auto image = tiled_image::create(g.tag(), g.width(), g.height(), g.x(), g.y(), runtime().tile_cache());
    if (!image) return fail_flow(errc::no_memory, name() + ": " + image.error().message);
    image->set_validator([this](const tile_grid&, std::size_t, const tile_rect& area, std::span<std::byte> bytes) {
      paint_still_tile(area, bytes);
    });
    still_image_.emplace(std::move(*image));
    still_picture_ = want;
  }
  auto frame = frame_from_image(*still_image_, runtime().tiled_frame_allocator());
  if (!frame) {
    // A tile that could not come back from the swap file, or no memory for one.
    return fail_flow(frame.error() == errc::io_error ? errc::io_error : errc::no_memory,
                     name() + ": " + frame.error().message);
  }
  out = std::move(*frame);
  return flow::ok;
}

flow testsrc::obtain_buffer(buffer& out) {
  // Tiled frames are this source's own: pad-alloc hands out single-memory buffers.
  if (tile_grid_) return tiled_buffer(out);
  if (!props().get_bool(prop_peer_alloc_)) return own_buffer(out);
  auto r = srcpad().alloc_buffer(info_->size(), caps_);
  if (!r) {
    if (srcpad().flushing() || (srcpad().peer() && srcpad().peer()->flushing())) return flow::flushing;
    return fail_flow(errc::no_memory, name() + ": pad-alloc of " + std::to_string(info_->size()) +
                                          " bytes failed: " + r.error().message);
  }
  if (!r->caps.is_equal(caps_)) {
    // Downstream wants another format (a resized sink): follow it if we can make it.
    if (r->caps.is_fixed() && r->caps.is_subset(srcpad().templ().caps)) {
      if (auto n = renegotiate_to(r->caps); !n)
        return fail_flow(errc::not_negotiated, n.error().message, flow::not_negotiated);
    } else {
      if (!warned_bad_alloc_caps_) {
        warned_bad_alloc_caps_ = true;
        post_warning(name() + ": ignoring caps " + r->caps.to_string() + " from pad-alloc: not fixed or not in " +
                     srcpad().templ().caps.to_string());
      }
      return own_buffer(out);
    }
  }
  if (r->buffer.size() < info_->size()) return own_buffer(out);
  if (r->buffer.size() > info_->size()) {
    if (auto t = r->buffer.resize(0, info_->size()); !t) return own_buffer(out);
  }
  out = std::move(r->buffer);
  return flow::ok;
}

flow testsrc::create(buffer& out) {
  if (at_end()) return flow::eos;
  if (!info_) return fail_flow(errc::not_negotiated, name() + ": no caps were negotiated", flow::not_negotiated);
  if (info_->framerate().num() == 0 && since_seek_ >= 1) return flow::eos;  // a still image is one frame

  const auto pattern = static_cast<test_pattern>(props().get_enum(prop_pattern_));
  if (tile_grid_ && is_still_pattern(pattern)) {
    if (const flow f = still_tiled_frame(out, pattern); f != flow::ok) return f;
  } else if (tile_grid_) {
    still_image_.reset();  // a changing pattern now: the still one's tiles can go
    if (const flow f = obtain_buffer(out); f != flow::ok) return f;
    // One row of tiles at a time: drawn linearly into a band-sized scratch (the
    // patterns copy rows down), then placed into that row's tiles. Only a band is ever
    // held, so a frame larger than the tile cache is made with the rest swapped out.
    const std::size_t band = tile_grid_->y().period;
    tiled_scratch_.resize(band * info_->stride());
    for (std::size_t y = 0; y < tile_grid_->height(); y += band) {
      const std::size_t rows = std::min(band, tile_grid_->height() - y);
      const frame_view view{tiled_scratch_.data(), info_->width(), info_->height(), info_->stride(), info_->format(),
                            static_cast<std::int32_t>(y), static_cast<std::int32_t>(rows)};
      painter_.paint(pattern, view, next_frame_,
                     color_from_argb(static_cast<std::uint32_t>(props().get_int(prop_foreground_))),
                     color_from_argb(static_cast<std::uint32_t>(props().get_int(prop_background_))));
      if (auto r = scatter_band(out, *tile_grid_, y, rows, std::as_bytes(std::span(tiled_scratch_)), info_->stride()); !r)
        return fail_flow(errc::invalid_argument, name() + ": " + r.error().message);
    }
  } else {
    if (const flow f = obtain_buffer(out); f != flow::ok) return f;  // may renegotiate: info_ can change
    auto map = out.map(map_access::write);
    if (!map) return fail_flow(errc::invalid_argument, name() + ": cannot map a frame: " + map.error().message);
    const frame_view view{reinterpret_cast<std::uint8_t*>(map->data()), info_->width(), info_->height(),
                          info_->stride(), info_->format()};
    painter_.paint(pattern, view, next_frame_,
                   color_from_argb(static_cast<std::uint32_t>(props().get_int(prop_foreground_))),
                   color_from_argb(static_cast<std::uint32_t>(props().get_int(prop_background_))));
  }
  out.pts = frame_time(next_frame_);
  out.dts = out.pts;
  out.duration = info_->framerate().num() > 0 ? frame_time(next_frame_ + 1) - out.pts : clock_none;
  out.offset = next_frame_;
  out.offset_end = next_frame_ + 1;
  out.flags = buffer_flags::none;
  if (discont_) out.flags = buffer_flags::discont;
  if (is_live()) out.flags = out.flags | buffer_flags::live;
  discont_ = false;
  last_frame_ = next_frame_;
  if (!reverse_) {
    ++next_frame_;
  } else if (next_frame_ == first_frame_) {
    exhausted_ = true;
  } else {
    --next_frame_;
  }
  ++since_seek_;
  return flow::ok;
}

}  // namespace tessera::core
