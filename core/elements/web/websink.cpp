#include "core/elements/web/websink.hpp"

#include "core/elements/codec/jpeg_decoder.hpp"
#include "core/elements/web/encoded_stream.hpp"
#include "core/graph/element_factory.hpp"
#include "core/graph/pipeline.hpp"

#include <algorithm>
#include <cstring>

namespace tessera::core {

std::unique_ptr<element_factory> websink::factory() {
  auto props = base_sink::common_properties(true, true);
  props.push_back(int_property("width", "Frame width to ask upstream for (0: as negotiated)", 0, 0, 16384));
  props.push_back(int_property("height", "Frame height to ask upstream for (0: as negotiated)", 0, 0, 16384));
  props.push_back(int_property("quality", "JPEG quality of encoded raw frames", 85, 1, 100));
  props.push_back(int_property("max-subscribers", "Most viewers at once", 256, 1, 65536, mutability::ready));
  props.push_back(int_property("max-variants",
                               "Most distinct quality/size choices of viewers at once, besides the default "
                               "(each costs a scale and a JPEG encoding per frame; 0: viewers cannot choose)",
                               4, 0, 16));
  auto templ = caps::parse(
      "video/x-raw,format={RGBA,RGB,GRAY8},width=[1,16384],height=[1,16384],layout=linear; image/jpeg; "
      "video/x-h264,stream-format=avc,alignment=au; video/x-vp8; video/x-vp9");
  return make_factory<websink>("websink", "Web sink", "Sink/Video/Network",
                               "Streams frames to browsers: JPEG (WebSocket and MJPEG viewers), or H.264/VP8/VP9 "
                               "as encoded (WebSocket for WebCodecs, fMP4/WebM for Media Source Extensions)",
                               {pad_template{"sink", pad_direction::sink, pad_presence::always, *templ}},
                               std::move(props));
}

websink::websink(const element_factory& f, std::string name)
    : base_sink(f, std::move(name)),
      prop_width_(property_index("width")),
      prop_height_(property_index("height")),
      prop_quality_(property_index("quality")),
      prop_max_subscribers_(property_index("max-subscribers")),
      prop_max_variants_(property_index("max-variants")) {}

result<void> websink::check_request_locked(const view_request& r) const {
  if (config_)
    return fail(errc::invalid_argument, name() + " streams " + config_->media_type +
                                            " as it is and cannot re-encode it: quality, width and height "
                                            "cannot be chosen");
  if (jpeg_input_)
    return fail(errc::invalid_argument, name() + " passes image/jpeg on as it is and cannot re-encode it: "
                                                 "quality, width and height cannot be chosen");
  if (info_) {
    const auto frames = std::to_string(info_->width()) + "x" + std::to_string(info_->height());
    if (r.max_width > info_->width())
      return fail(errc::invalid_argument, "width=" + std::to_string(r.max_width) + " is larger than " + name() +
                                              "'s " + frames + " frames (a viewer can only ask for smaller ones)");
    if (r.max_height > info_->height())
      return fail(errc::invalid_argument, "height=" + std::to_string(r.max_height) + " is larger than " + name() +
                                              "'s " + frames + " frames (a viewer can only ask for smaller ones)");
  }
  const auto found = std::ranges::find(variants_, r, &variant::request);
  const auto limit = static_cast<std::size_t>(props().get_int(prop_max_variants_));
  if (found == variants_.end() && variants_.size() >= limit) {
    if (limit == 0) return fail(errc::bad_state, name() + " offers no quality/size choice (max-variants=0)");
    std::string there;
    for (const auto& v : variants_) there += (there.empty() ? "" : ", ") + v.request.to_query();
    return fail(errc::bad_state, name() + " already streams " + std::to_string(limit) +
                                     " quality/size variants (max-variants=" + std::to_string(limit) +
                                     "): ask for one of them (" + there + ") or for the default");
  }
  return {};
}

namespace {

/// `jpeg` (a `format` frame encoded) decoded, scaled to `width`x`height` and encoded
/// again at `quality`: a new variant's first frame when the pipeline makes no new one
/// (paused), made by the subscribing thread from the default's last frame.
result<encoded_frame> reencoded(const encoded_frame& jpeg, video_format format, int quality, int width, int height) {
  auto full = video_info::make(format, jpeg.width, jpeg.height);
  auto small = video_info::make(format, width, height);
  if (!full) return full.error();
  if (!small) return small.error();
  std::vector<std::uint8_t> pixels(full->size()), scaled(small->size());
  jpeg_decoder decoder;
  if (auto ok = decoder.decode(jpeg.data.get(), jpeg.size, *full, reinterpret_cast<std::byte*>(pixels.data())); !ok)
    return ok.error();
  frame_scaler(scale_method::area, full->bytes_per_pixel(), full->width(), full->height(), width, height)
      .scale(pixels.data(), full->stride(), scaled.data(), small->stride());
  jpeg_encoder encoder;
  auto out = encoder.encode(reinterpret_cast<const std::byte*>(scaled.data()), *small, quality);
  if (!out) return out.error();
  encoded_frame f = jpeg;
  f.data = std::move(out->data);
  f.size = out->size;
  f.width = width;
  f.height = height;
  return f;
}

}  // namespace

result<std::uint64_t> websink::subscribe(std::shared_ptr<frame_subscriber> s, view_request r) {
  std::optional<encoded_frame> last;
  std::optional<encoded_frame> remake_from;  // a new variant with no frame yet: from the default's
  video_format format = video_format::rgba;
  int quality = 0;
  std::uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    const auto limit = static_cast<std::size_t>(props().get_int(prop_max_subscribers_));
    if (subscribers_.size() >= limit)
      return fail(errc::limit_exceeded, name() + " already has " + std::to_string(limit) + " subscribers (max-subscribers)");
    if (!r.is_default()) {
      if (auto ok = check_request_locked(r); !ok) return ok.error();
      auto found = std::ranges::find(variants_, r, &variant::request);
      if (found == variants_.end()) found = variants_.insert(variants_.end(), variant{r});
      ++found->viewers;
      last = found->last;
      if (!last && last_ && info_) {
        remake_from = last_;
        format = info_->format();
        quality = r.quality ? r.quality : static_cast<int>(props().get_int(prop_quality_));
      }
    } else if (!config_) {
      last = last_;  // encoded viewers start at a key frame, not at the last frame
    }
    id = next_id_++;
    subscribers_.push_back({id, s, r});
  }
  if (remake_from) {
    const auto [w, h] = variant_size(r, remake_from->width, remake_from->height);
    if (auto f = reencoded(*remake_from, format, quality, w, h)) {
      std::lock_guard lock(mutex_);
      // Unless the streaming thread made a newer one meanwhile.
      auto v = std::ranges::find(variants_, r, &variant::request);
      if (v != variants_.end() && (!v->last || v->last->sequence < f->sequence)) v->last = *f;
      if (v != variants_.end()) last = v->last;
    }
  }
  if (last) s->on_frame(*last);
  return id;
}

void websink::unsubscribe(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  const auto it = std::ranges::find(subscribers_, id, &subscriber_entry::id);
  if (it == subscribers_.end()) return;
  if (!it->request.is_default()) {
    const auto v = std::ranges::find(variants_, it->request, &variant::request);
    if (v != variants_.end() && --v->viewers == 0) variants_.erase(v);  // nobody left: no more work for it
  }
  subscribers_.erase(it);
}

std::vector<websink::variant_stats> websink::variants() const {
  std::lock_guard lock(mutex_);
  std::vector<variant_stats> out;
  const auto size_of = [](const std::optional<encoded_frame>& f) {
    return f ? std::pair{f->width, f->height} : std::pair{0, 0};
  };
  const auto defaults = static_cast<std::size_t>(
      std::ranges::count_if(subscribers_, [](const subscriber_entry& e) { return e.request.is_default(); }));
  if (defaults > 0) {
    const auto [w, h] = size_of(last_);
    out.push_back({view_request{}, defaults, default_frames_, w, h});
  }
  for (const auto& v : variants_) {
    const auto [w, h] = size_of(v.last);
    out.push_back({v.request, v.viewers, v.frames, w, h});
  }
  return out;
}

std::size_t websink::subscriber_count() const {
  std::lock_guard lock(mutex_);
  return subscribers_.size();
}

std::optional<encoded_frame> websink::last_frame() const {
  std::lock_guard lock(mutex_);
  return last_;
}

std::optional<encoded_frame> websink::last_frame(std::uint64_t id) const {
  std::lock_guard lock(mutex_);
  const auto it = std::ranges::find(subscribers_, id, &subscriber_entry::id);
  if (it == subscribers_.end() || it->request.is_default()) return last_;
  const auto v = std::ranges::find(variants_, it->request, &variant::request);
  return v != variants_.end() ? v->last : std::nullopt;
}

std::shared_ptr<const encoded_video_config> websink::video_config() const {
  std::lock_guard lock(mutex_);
  return config_;
}

void websink::on_caps(const caps& c) {
  std::lock_guard lock(mutex_);
  const structure* s = c.structure_at(0);
  jpeg_input_ = s && s->name() == "image/jpeg";
  info_.reset();
  config_.reset();
  last_.reset();
  for (auto& v : variants_) v.last.reset();
  mse_mux_.close();  // a new stream: the MSE muxer restarts at its first key frame
  mse_init_.reset();
  if (is_encoded_video(c)) {
    auto cfg = encoded_config_from_caps(c);
    if (!cfg) {
      post_error(errc::not_negotiated, name() + ": " + cfg.error().message);
      return;
    }
    encoded_caps_ = c;
    config_ = std::make_shared<const encoded_video_config>(std::move(*cfg));
  } else if (!jpeg_input_) {
    if (auto vi = video_info::from_caps(c)) info_ = *vi;
  }
}

std::optional<caps> websink::resized(const caps& c) const {
  const auto want_w = props().get_int(prop_width_);
  const auto want_h = props().get_int(prop_height_);
  if (want_w == 0 && want_h == 0) return std::nullopt;
  auto vi = video_info::from_caps(c);
  if (!vi) return std::nullopt;
  const std::int64_t w = want_w ? want_w : vi->width();
  const std::int64_t h = want_h ? want_h : vi->height();
  if (w == vi->width() && h == vi->height()) return std::nullopt;
  auto nv = video_info::make(vi->format(), w, h, vi->framerate(), vi->layout());
  if (!nv) return std::nullopt;
  if (auto kept = nv->with_pixel_aspect_ratio(vi->pixel_aspect_ratio())) return kept->to_caps();
  return nv->to_caps();
}

result<allocation> websink::buffer_alloc(pad&, std::size_t size, const caps& c) {
  allocs_.fetch_add(1, std::memory_order_relaxed);
  if (auto other = resized(c)) {
    auto vi = video_info::from_caps(*other);
    if (auto ok = parent() ? parent()->check_frame_size(vi->width(), vi->height()) : result<void>(); !ok)
      return ok.error();
    // A size-0 request is a transform asking only which caps we want (its probe).
    auto b = buffer::allocate(size == 0 ? 0 : vi->size());
    if (!b) return b.error();
    return allocation{std::move(b).value(), *other};
  }
  auto b = buffer::allocate(size);
  if (!b) return b.error();
  return allocation{std::move(b).value(), c};
}

flow websink::preroll(buffer& b) {
  {
    // Encoded frames depend on each other: the preroll frame is rendered (and sent)
    // once PLAYING, not twice.
    std::lock_guard lock(mutex_);
    if (config_) return flow::ok;
  }
  return deliver(b, true);
}

flow websink::render(buffer& b) { return deliver(b, false); }

result<encoded_frame> websink::jpeg_of(const std::byte* pixels, const video_info& info, int quality, int width,
                                      int height, std::vector<made_jpeg>& made) {
  for (const auto& m : made)
    if (m.quality == quality && m.width == width && m.height == height) return m.frame;  // shared
  const std::byte* from = pixels;
  video_info from_info = info;
  if (width != info.width() || height != info.height()) {
    auto scaled = video_info::make(info.format(), width, height, info.framerate());
    if (!scaled) return scaled.error();
    const std::size_t bpp = info.bytes_per_pixel();
    auto slot = std::ranges::find_if(scalers_, [&](const auto& s) {
      return s->in_w == info.width() && s->in_h == info.height() && s->out_w == width && s->out_h == height &&
             s->bpp == bpp;
    });
    if (slot == scalers_.end()) {
      scalers_.push_back(std::make_unique<scaler_slot>(scaler_slot{
          info.width(), info.height(), width, height, bpp,
          frame_scaler(scale_method::area, bpp, info.width(), info.height(), width, height),
          std::vector<std::uint8_t>(scaled->size())}));
      slot = std::prev(scalers_.end());
    }
    scaler_slot& sc = **slot;
    sc.used = true;
    sc.scaler.scale(reinterpret_cast<const std::uint8_t*>(pixels), info.stride(), sc.pixels.data(), scaled->stride());
    from = reinterpret_cast<const std::byte*>(sc.pixels.data());
    from_info = *scaled;
  }
  auto jpeg = encoder_.encode(from, from_info, quality);
  if (!jpeg) return jpeg.error();
  encoded_.fetch_add(1, std::memory_order_relaxed);
  encoded_frame frame;
  frame.data = std::move(jpeg->data);
  frame.size = jpeg->size;
  frame.width = width;
  frame.height = height;
  made.push_back({quality, width, height, frame});
  return frame;
}

flow websink::deliver(buffer& b, bool always_encode) {
  // Who watches which variant; the default's viewers are those with no request.
  std::vector<std::shared_ptr<frame_subscriber>> defaults;
  std::vector<std::pair<view_request, std::vector<std::shared_ptr<frame_subscriber>>>> wanted;
  std::optional<video_info> info;
  bool jpeg_input = false;
  bool encoded = false;
  {
    std::lock_guard lock(mutex_);
    defaults.reserve(subscribers_.size());
    for (auto& v : variants_) wanted.push_back({v.request, {}});
    for (auto& e : subscribers_) {
      const auto it = std::ranges::find(wanted, e.request, [](auto& w) -> const view_request& { return w.first; });
      if (it != wanted.end()) it->second.push_back(e.sub);
      else defaults.push_back(e.sub);
    }
    info = info_;
    jpeg_input = jpeg_input_;
    encoded = config_ != nullptr;
  }
  if (encoded || jpeg_input) {
    // Passed on as it is: a viewer admitted with a request before the input was
    // known gets these frames too.
    for (auto& [r, subs] : wanted) defaults.insert(defaults.end(), subs.begin(), subs.end());
    wanted.clear();
  }
  if (encoded) return deliver_encoded(b, defaults);
  if (defaults.empty() && wanted.empty() && !always_encode) return flow::ok;  // nobody watching: no work

  auto map = b.map(map_access::read);
  if (!map) return fail_flow(errc::invalid_argument, name() + ": " + map.error().message);
  encoded_frame frame;
  std::vector<std::pair<std::size_t, encoded_frame>> variant_frames;  // index in wanted, frame
  const bool make_default = always_encode || !defaults.empty();
  if (jpeg_input) {
    // Already JPEG: share the bytes as they are (one copy into an immutable block
    // the viewers can keep after this buffer is recycled).
    auto block = std::shared_ptr<std::byte[]>(new std::byte[map->size()]);
    std::memcpy(block.get(), map->data(), map->size());
    frame.data = std::move(block);
    frame.size = map->size();
  } else {
    if (!info) return fail_flow(errc::not_negotiated, name() + " received a frame before caps", flow::not_negotiated);
    if (map->size() < info->size())
      return fail_flow(errc::invalid_argument, name() + ": a " + std::to_string(map->size()) +
                                                   "-byte buffer is smaller than a " + std::to_string(info->width()) +
                                                   "x" + std::to_string(info->height()) + " frame");
    const int quality = static_cast<int>(props().get_int(prop_quality_));
    std::vector<made_jpeg> made;
    for (auto& s : scalers_) s->used = false;
    if (make_default) {
      auto jpeg = jpeg_of(map->data(), *info, quality, info->width(), info->height(), made);
      if (!jpeg) return fail_flow(errc::invalid_argument, name() + ": " + jpeg.error().message);
      frame = std::move(*jpeg);
    }
    for (std::size_t i = 0; i < wanted.size(); ++i) {
      const view_request& r = wanted[i].first;
      const auto [w, h] = variant_size(r, info->width(), info->height());
      auto jpeg = jpeg_of(map->data(), *info, r.quality ? r.quality : quality, w, h, made);
      if (!jpeg) return fail_flow(errc::invalid_argument, name() + ": " + jpeg.error().message);
      variant_frames.emplace_back(i, std::move(*jpeg));
    }
    std::erase_if(scalers_, [](const auto& s) { return !s->used; });  // sizes nobody asks for now
  }
  frame.pts = b.pts;
  {
    std::lock_guard lock(mutex_);
    frame.sequence = ++sequence_;
    if (make_default || jpeg_input) {
      last_ = frame;
      ++default_frames_;
    }
    for (auto& [i, f] : variant_frames) {
      f.pts = b.pts;
      f.sequence = frame.sequence;
      // The variant may have lost its last viewer meanwhile.
      auto v = std::ranges::find(variants_, wanted[i].first, &variant::request);
      if (v == variants_.end()) continue;
      v->last = f;
      ++v->frames;
    }
  }
  if (make_default || jpeg_input)
    for (auto& s : defaults) s->on_frame(frame);
  for (auto& [i, f] : variant_frames)
    for (auto& s : wanted[i].second) s->on_frame(f);
  return flow::ok;
}

void websink::request_key_frame_if_wanted(const std::vector<std::shared_ptr<frame_subscriber>>& subs) {
  bool wanted = false;
  for (auto& s : subs) wanted = wanted || s->wants_key_frame();
  const auto now = std::chrono::steady_clock::now();
  if (!wanted || now - last_key_request_ < key_request_interval) return;
  last_key_request_ = now;
  key_requests_.fetch_add(1, std::memory_order_relaxed);
  sinkpad().push_event(event_force_key_unit{});  // upstream, to the encoder
}

std::optional<encoded_frame> websink::mse_segment(const buffer& b, bool key) {
  if (!mse_mux_.is_open()) {
    if (!key) return std::nullopt;  // the muxed stream starts at a key frame
    auto stream = stream_from_caps(encoded_caps_);
    if (!stream) {
      post_warning(name() + ": no MSE stream: " + stream.error().message);
      return std::nullopt;
    }
    avmux_options o;
    o.format = config_->media_type == "video/x-h264" ? "mp4" : "webm";
    o.chunked = true;
    mse_bytes_.clear();
    auto opened = mse_mux_.open(o, *stream, [this](std::span<const std::uint8_t> bytes, std::int64_t) {
      mse_bytes_.insert(mse_bytes_.end(), bytes.begin(), bytes.end());
      return result<void>{};
    });
    if (!opened) {
      post_warning(name() + ": no MSE stream: " + opened.error().message);
      return std::nullopt;
    }
    mse_init_ = std::make_shared<const std::vector<std::uint8_t>>(std::move(mse_bytes_));
    mse_bytes_.clear();
  }
  if (auto r = mse_mux_.write_frame(b); !r) {
    post_warning(name() + ": MSE muxer: " + r.error().message);
    mse_mux_.close();
    return std::nullopt;
  }
  encoded_frame f;
  auto block = std::shared_ptr<std::byte[]>(new std::byte[mse_bytes_.size()]);
  std::memcpy(block.get(), mse_bytes_.data(), mse_bytes_.size());
  f.data = std::move(block);
  f.size = mse_bytes_.size();
  f.key = key;
  f.pts = b.pts;
  f.init_segment = mse_init_;
  mse_bytes_.clear();
  return f;
}

flow websink::deliver_encoded(buffer& b, std::vector<std::shared_ptr<frame_subscriber>>& subs) {
  request_key_frame_if_wanted(subs);
  const bool key = !has_any(b.flags, buffer_flags::delta_unit);
  bool any_mse = false;
  for (auto& s : subs) any_mse = any_mse || s->kind() == stream_kind::mse;
  if (!any_mse && mse_mux_.is_open()) mse_mux_.close();  // nobody left: restart at a key frame later

  auto map = b.map(map_access::read);
  if (!map) return fail_flow(errc::invalid_argument, name() + ": " + map.error().message);
  encoded_frame frame;
  frame.pts = b.pts;
  frame.key = key;
  frame.config = config_;
  frame.width = config_->width;
  frame.height = config_->height;
  frame.data = make_encoded_message(map->data(), map->size(), key, b.pts);
  frame.size = encoded_message_header + map->size();
  std::optional<encoded_frame> segment = any_mse ? mse_segment(b, key) : std::nullopt;
  {
    std::lock_guard lock(mutex_);
    frame.sequence = ++sequence_;
    if (segment) segment->sequence = frame.sequence;
    last_ = frame;
  }
  for (auto& s : subs) {
    if (s->kind() == stream_kind::frames) s->on_frame(frame);
    else if (segment) s->on_frame(*segment);
  }
  return flow::ok;
}

void websink::on_eos() {
  std::vector<std::shared_ptr<frame_subscriber>> subs;
  {
    std::lock_guard lock(mutex_);
    for (auto& e : subscribers_) subs.push_back(e.sub);
  }
  for (auto& s : subs) s->on_eos();
}

}  // namespace tessera::core
