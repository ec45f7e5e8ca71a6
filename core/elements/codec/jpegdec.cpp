#include "core/elements/codec/jpegdec.hpp"

#include "core/elements/codec/codec_caps.hpp"
#include "core/graph/element_factory.hpp"
#include "core/graph/pipeline.hpp"

namespace tessera::core {

std::unique_ptr<element_factory> jpegdec::factory() {
  return make_factory<jpegdec>(
      "jpegdec", "JPEG decoder", "Codec/Decoder/Image", "Decompresses JPEG frames to raw video (TurboJPEG)",
      {pad_template{"sink", pad_direction::sink, pad_presence::always, caps::parse("image/jpeg").value()},
       pad_template{"src", pad_direction::src, pad_presence::always, codec_caps::raw_template()}},
      {});
}

jpegdec::jpegdec(const element_factory& f, std::string name)
    : element(f, std::move(name)), sinkpad_(static_pad(pad_direction::sink)), srcpad_(static_pad(pad_direction::src)) {}

state_change jpegdec::change_state(state from, state to) {
  if (from == state::ready && to == state::paused) {
    framerate_ = fraction();
    header_.reset();
    out_info_.reset();
    out_caps_ = caps();
    renegotiate_.store(false, std::memory_order_relaxed);
  }
  return element::change_state(from, to);
}

bool jpegdec::event(pad& p, core::event ev) {
  if (&p == sinkpad_) {
    if (auto* c = ev.get<event_caps>()) {
      // JPEG caps stay here: downstream hears raw caps once a frame says its size.
      if (!accept_caps(p, c->caps)) {
        post_error(errc::not_negotiated, name() + " does not accept caps " + c->caps.to_string());
        return false;
      }
      p.set_current_caps(c->caps);
      const structure* s = c->caps.structure_at(0);
      const fraction rate = s ? s->get_fraction("framerate").value_or(fraction()) : fraction();
      if (rate != framerate_) {
        framerate_ = rate;
        renegotiate_.store(true, std::memory_order_relaxed);
      }
      return true;
    }
  } else if (ev.is<event_reconfigure>()) {
    renegotiate_.store(true, std::memory_order_relaxed);
  }
  return element::event(p, std::move(ev));
}

result<void> jpegdec::check_frame_size(int width, int height) const {
  const auto w = static_cast<std::uint64_t>(width);
  const auto h = static_cast<std::uint64_t>(height);
  result<void> r;
  if (const pipeline* p = parent()) {
    r = p->check_frame_size(w, h);
  } else if (w * h > pipeline_limits{}.max_frame_pixels) {
    r = fail(errc::limit_exceeded, "frame size " + std::to_string(w) + "x" + std::to_string(h) +
                                       " exceeds the limit of " + std::to_string(pipeline_limits{}.max_frame_pixels) +
                                       " pixels per frame");
  }
  if (!r) return fail(errc::limit_exceeded, name() + ": JPEG " + r.error().message);
  return {};
}

result<void> jpegdec::negotiate(const jpeg_header& h) {
  // Our preference, in order; downstream's caps decide among them.
  const char* formats = h.grey ? "{GRAY8,RGB,RGBA}" : "{RGBA,RGB,GRAY8}";
  const std::string pref_text = std::string("video/x-raw,format=") + formats + ",width=" + std::to_string(h.width) +
                                ",height=" + std::to_string(h.height) + ",layout=linear,pixel-aspect-ratio=1/1";
  structure pref_s = *caps::parse(pref_text).value().structure_at(0);
  (void)pref_s.set("framerate", framerate_);
  const caps pref(std::move(pref_s));
  const caps allowed = srcpad_->peer_query_caps();
  const caps candidates = pref.intersect(allowed, intersect_mode::first);
  if (candidates.is_empty())
    return fail(errc::not_negotiated, name() + ": downstream accepts none of " + pref.to_string() + " (it takes " +
                                          allowed.to_string() + ")");
  auto fixed = candidates.fixate();
  if (!fixed) return fail(errc::not_negotiated, name() + ": " + fixed.error().message);
  auto info = video_info::from_caps(*fixed);
  if (!info) return fail(errc::not_negotiated, name() + ": " + info.error().message);
  if (!srcpad_->push_event(event_caps{*fixed}) && srcpad_->is_linked() && !srcpad_->peer()->flushing())
    return fail(errc::not_negotiated, name() + ": downstream refused " + fixed->to_string());
  out_caps_ = *fixed;
  out_info_ = *info;
  header_ = h;
  return {};
}

result<buffer> jpegdec::output_buffer() {
  const std::size_t size = out_info_->size();
  auto r = srcpad_->alloc_buffer(size, out_caps_);
  // Downstream wanting other caps (a resized sink) cannot be served: a decoder does
  // not scale. Our own memory then.
  if (r && r->caps.is_equal(out_caps_) && r->buffer.size() >= size) {
    if (r->buffer.size() > size) {
      if (auto t = r->buffer.resize(0, size); !t) return t.error();
    }
    return std::move(r->buffer);
  }
  if (!r && (srcpad_->flushing() || (srcpad_->peer() && srcpad_->peer()->flushing())))
    return fail(errc::bad_state, "flushing");
  return buffer::allocate(size);
}

flow jpegdec::chain(pad&, buffer&& in) {
  buffer src = in.share();
  auto map = src.map(map_access::read);
  if (!map) return fail_flow(errc::invalid_argument, name() + ": cannot map a JPEG frame: " + map.error().message);
  auto h = decoder_.read_header(map->data(), map->size());
  if (!h) return fail_flow(errc::invalid_argument, name() + ": " + h.error().message);
  if (auto ok = check_frame_size(h->width, h->height); !ok) return fail_flow(errc::limit_exceeded, ok.error().message);

  const bool changed = !header_ || header_->width != h->width || header_->height != h->height ||
                       header_->grey != h->grey;
  if (renegotiate_.exchange(false, std::memory_order_relaxed) || changed) {
    if (auto r = negotiate(*h); !r) return fail_flow(errc::not_negotiated, r.error().message, flow::not_negotiated);
  }
  auto out = output_buffer();
  if (!out) {
    if (srcpad_->peer() && srcpad_->peer()->flushing()) return flow::flushing;
    return fail_flow(errc::no_memory, name() + ": no output buffer: " + out.error().message);
  }
  {
    auto dst = out->map(map_access::write);
    if (!dst) return fail_flow(errc::invalid_argument, name() + ": cannot map an output frame: " + dst.error().message);
    if (auto r = decoder_.decode(map->data(), map->size(), *out_info_, dst->data()); !r)
      return fail_flow(errc::invalid_argument, name() + ": " + r.error().message);
  }
  out->copy_metadata_from(in);
  return srcpad_->push(std::move(*out));
}

}  // namespace tessera::core
