#include "core/elements/web/websink.hpp"

#include "core/elements/web/encoded_stream.hpp"
#include "core/graph/element_factory.hpp"
#include "core/graph/pipeline.hpp"

#include <cstring>

namespace tessera::core {

std::unique_ptr<element_factory> websink::factory() {
  auto props = base_sink::common_properties(true, true);
  props.push_back(int_property("width", "Frame width to ask upstream for (0: as negotiated)", 0, 0, 16384));
  props.push_back(int_property("height", "Frame height to ask upstream for (0: as negotiated)", 0, 0, 16384));
  props.push_back(int_property("quality", "JPEG quality of encoded raw frames", 85, 1, 100));
  props.push_back(int_property("max-subscribers", "Most viewers at once", 256, 1, 65536, mutability::ready));
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
      prop_max_subscribers_(property_index("max-subscribers")) {}

result<std::uint64_t> websink::subscribe(std::shared_ptr<frame_subscriber> s) {
  std::optional<encoded_frame> last;
  std::uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    const auto limit = static_cast<std::size_t>(props().get_int(prop_max_subscribers_));
    if (subscribers_.size() >= limit)
      return fail(errc::limit_exceeded, name() + " already has " + std::to_string(limit) + " subscribers (max-subscribers)");
    id = next_id_++;
    subscribers_.emplace_back(id, s);
    if (!config_) last = last_;  // encoded viewers start at a key frame, not at the last frame
  }
  if (last) s->on_frame(*last);
  return id;
}

void websink::unsubscribe(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  std::erase_if(subscribers_, [id](auto& e) { return e.first == id; });
}

std::size_t websink::subscriber_count() const {
  std::lock_guard lock(mutex_);
  return subscribers_.size();
}

std::optional<encoded_frame> websink::last_frame() const {
  std::lock_guard lock(mutex_);
  return last_;
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

flow websink::deliver(buffer& b, bool always_encode) {
  std::vector<std::shared_ptr<frame_subscriber>> subs;
  std::optional<video_info> info;
  bool jpeg_input = false;
  bool encoded = false;
  {
    std::lock_guard lock(mutex_);
    subs.reserve(subscribers_.size());
    for (auto& [id, s] : subscribers_) subs.push_back(s);
    info = info_;
    jpeg_input = jpeg_input_;
    encoded = config_ != nullptr;
  }
  if (encoded) return deliver_encoded(b, subs);
  if (subs.empty() && !always_encode) return flow::ok;  // nobody watching: no work

  auto map = b.map(map_access::read);
  if (!map) return fail_flow(errc::invalid_argument, name() + ": " + map.error().message);
  encoded_frame frame;
  frame.pts = b.pts;
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
    auto jpeg = encoder_.encode(map->data(), *info, static_cast<int>(props().get_int(prop_quality_)));
    if (!jpeg) return fail_flow(errc::invalid_argument, name() + ": " + jpeg.error().message);
    encoded_.store(encoded_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    frame.data = std::move(jpeg->data);
    frame.size = jpeg->size;
    frame.width = info->width();
    frame.height = info->height();
  }
  {
    std::lock_guard lock(mutex_);
    frame.sequence = ++sequence_;
    last_ = frame;
  }
  for (auto& s : subs) s->on_frame(frame);
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
    for (auto& [id, s] : subscribers_) subs.push_back(s);
  }
  for (auto& s : subs) s->on_eos();
}

}  // namespace tessera::core
