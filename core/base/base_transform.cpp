#include "core/base/base_transform.hpp"

#include "core/memory/counters.hpp"
#include "core/graph/pipeline.hpp"
#include "core/support/stat_counter.hpp"

namespace tessera::core {

property_spec base_transform::qos_property(bool def) {
  return bool_property("qos", "Skip buffers that downstream reports as too late", def);
}

base_transform::base_transform(const element_factory& f, std::string name)
    : element(f, std::move(name)),
      sinkpad_(static_pad(pad_direction::sink)),
      srcpad_(static_pad(pad_direction::src)),
      prop_qos_(property_index("qos")) {}

// ---------------------------------------------------------------- negotiation

caps base_transform::transform_caps(pad_direction, const caps& c) { return c; }

result<caps> base_transform::fixate_caps(pad_direction, const caps&, const caps& othercaps) {
  return othercaps.fixate();
}

std::optional<std::size_t> base_transform::transform_size(pad_direction, const caps& c, std::size_t size,
                                                          const caps& othercaps) {
  const auto unit = get_unit_size(c);
  const auto other_unit = get_unit_size(othercaps);
  if (!unit || !other_unit || *unit == 0) return std::nullopt;
  if (size % *unit != 0) return std::nullopt;
  return size / *unit * *other_unit;
}

caps base_transform::query_caps(pad& p, const caps* filter) {
  // gst_base_transform_query_caps: the caller's filter, transformed across, filters
  // the peer's query; what the peer allows is transformed back and filtered by the
  // caller's caps, whose order (the caller's preference) comes first. Then the peer's
  // own caps, where we can pass them through unchanged, go before the transformed
  // ones: a source upstream of videoscale then fixates to the size downstream asks
  // for instead of scaling (GStreamer's "untransformed downstream caps first").
  pad& other = &p == sinkpad_ ? *srcpad_ : *sinkpad_;
  const caps& other_tmpl = other.templ().caps;
  caps peer_filter = other_tmpl;
  if (filter)
    peer_filter = transform_caps(p.direction(), filter->intersect(p.templ().caps, intersect_mode::first))
                      .intersect(other_tmpl, intersect_mode::first);
  const caps peer = other.is_linked() ? other.peer_query_caps(&peer_filter) : other_tmpl;
  caps result = transform_caps(other.direction(), peer).intersect(p.templ().caps, intersect_mode::first);
  if (filter) result = filter->intersect(result, intersect_mode::first);
  if (!other.is_linked() || peer.is_any()) return result;
  // The reordering below intersects every pair again; for caps of thousands of
  // structures (two 110-structure caps filters make 12,100) that is minutes of work
  // for a preference only, so large caps keep the order above.
  constexpr std::size_t unchanged_pairs_limit = 1 << 16;
  if (peer.size() * result.size() > unchanged_pairs_limit) return result;
  // Structures in the peer's order, each field as `result` has it (its lists in the
  // caller's order).
  caps unchanged;
  for (const structure& want : peer.structures())
    for (const structure& can : result.structures())
      if (auto s = can.intersect(want)) unchanged.merge(std::move(*s));
  if (unchanged.is_empty()) return result;
  unchanged.merge(result);
  return unchanged;
}

result<caps> base_transform::find_transform(const caps& in) {
  if (auto ok = check_input_caps(in); !ok) return ok.error();
  const caps possible = transform_caps(pad_direction::sink, in).intersect(srcpad_->templ().caps);
  if (possible.is_empty())
    return fail(errc::not_negotiated, name() + " cannot transform " + in.to_string());
  // Prefer doing nothing: the input caps unchanged, if downstream takes them.
  if (in.is_subset(possible) && srcpad_->peer_accept_caps(in)) return in;
  const caps peer = srcpad_->peer_query_caps(&possible);
  const caps candidates = possible.intersect(peer);
  if (candidates.is_empty())
    return fail(errc::not_negotiated, "could not negotiate " + name() + ": no common caps (" + possible.to_string() +
                                          " vs " + peer.to_string() + ")");
  auto fixed = fixate_caps(pad_direction::sink, in, candidates);
  if (!fixed) return fail(errc::not_negotiated, name() + ": " + fixed.error().message);
  if (!srcpad_->peer_accept_caps(*fixed))
    return fail(errc::not_negotiated, name() + ": downstream does not accept " + fixed->to_string());
  return fixed;
}

result<void> base_transform::configure(const caps& in, const caps& out) {
  if (auto r = set_caps(in, out); !r) return r;
  {
    std::lock_guard lock(caps_mutex_);
    in_caps_ = in;
    out_caps_ = out;
    negotiated_ = true;
  }
  cache_valid_ = false;
  const bool same = in.is_equal(out);
  passthrough_.store((same && passthrough_on_same_caps_) || (same && !has_transform() && !has_transform_ip()),
                     std::memory_order_relaxed);
  probe_downstream_ = srcpad_->peer() && srcpad_->peer()->parent().may_change_caps_on_alloc(*srcpad_->peer());
  return {};
}

result<void> base_transform::set_sink_caps(const caps& in) {
  auto out = find_transform(in);
  if (!out) return out.error();
  if (auto r = configure(in, *out); !r) return r;
  if (!srcpad_->push_event(event_caps{out_caps_}) && srcpad_->is_linked() && !srcpad_->peer()->flushing())
    return fail(errc::not_negotiated, name() + ": downstream refused " + out_caps_.to_string());
  upstream_allocates_.store(false, std::memory_order_relaxed);
  return {};
}

base_transform::negotiation base_transform::negotiation_snapshot() const {
  std::lock_guard lock(caps_mutex_);
  return {negotiated_, in_caps_, out_caps_};
}

result<caps> base_transform::caps_upstream_can_produce_for(const negotiation& now, const caps& out) {
  // The input caps that transform into `out` and that upstream can produce.
  const caps possible = transform_caps(pad_direction::src, out).intersect(sinkpad_->templ().caps);
  const caps upstream = sinkpad_->peer_query_caps(&possible);
  const caps candidates = possible.intersect(upstream);
  if (candidates.is_empty())
    return fail(errc::not_negotiated, name() + ": upstream cannot produce anything that becomes " + out.to_string());
  // Prefer doing nothing (the design's find_transform): upstream produces `out`
  // itself and we pass it through; else keep the input we have and convert it.
  if (out.is_subset(candidates)) return out;
  if (now.negotiated && now.in.is_subset(candidates)) return now.in;
  return fixate_caps(pad_direction::src, out, candidates);
}

result<void> base_transform::handle_downstream_caps_change(const caps& new_out) {
  // Downstream wants other caps (pad-alloc answered differently): keep the input
  // and transform to the new output if we can, else ask upstream to change too.
  const caps possible = transform_caps(pad_direction::sink, in_caps_);
  if (new_out.is_subset(possible)) {
    if (auto r = configure(in_caps_, new_out); !r) return r;
    srcpad_->push_event(event_caps{out_caps_});
    return {};
  }
  return fail(errc::not_negotiated, name() + " cannot turn " + in_caps_.to_string() + " into " + new_out.to_string());
}

result<void> base_transform::apply_pending_downstream_caps() {
  std::optional<caps> out;
  {
    std::lock_guard lock(caps_mutex_);
    out = std::move(pending_out_caps_);
    pending_out_caps_.reset();
    pending_out_.store(false, std::memory_order_relaxed);
  }
  if (!out || !negotiated_ || out->is_equal(out_caps_)) return {};
  return handle_downstream_caps_change(*out);
}

// ---------------------------------------------------------------- buffer-alloc

result<buffer> base_transform::allocate_for_upstream(std::size_t size, const caps&, bool) { return buffer::allocate(size); }

result<allocation> base_transform::buffer_alloc(pad& sinkpad, std::size_t size, const caps& c) {
  (void)sinkpad;
  upstream_allocates_.store(true, std::memory_order_relaxed);
  bump(upstream_allocs_);
  const negotiation now = negotiation_snapshot();
  const auto local = [&](const caps& with) -> result<allocation> {
    auto b = allocate_for_upstream(size, with, now.negotiated && with.is_equal(now.in));
    if (!b) return b.error();
    return allocation{std::move(b).value(), with};
  };
  if (!srcpad_->is_linked()) return local(c);

  if (now.negotiated && c.is_equal(now.in)) {
    const bool passthrough = is_passthrough();
    if (!passthrough && !(in_place_ && has_transform_ip())) return local(c);  // copy-transform: we pad-alloc later
    const auto out_size = passthrough ? std::optional<std::size_t>(size) : output_size(now, size);
    if (!out_size || (!passthrough && *out_size != size)) return local(c);  // in-place can't use a smaller buffer
    auto r = srcpad_->alloc_buffer(*out_size, now.out);
    if (!r) return r.error();
    if (r->caps.is_equal(now.out)) {
      r->caps = now.in;  // same bytes, our sink caps
      return r;
    }
    // Downstream changed caps: what should upstream produce now?
    auto want = caps_upstream_can_produce_for(now, r->caps);
    if (!want) return local(c);
    if (want->is_equal(r->caps)) return r;  // upstream renegotiates, we stay passthrough
    if (want->is_equal(now.in)) {
      // Upstream keeps its caps; we transform into downstream's new caps from the
      // next buffer on (upstream allocates, so no probe would tell us later). The
      // streaming thread makes the change: the subclass is configured there only.
      const caps possible = transform_caps(pad_direction::sink, now.in);
      if (!r->caps.is_subset(possible))
        return fail(errc::not_negotiated, name() + " cannot turn " + now.in.to_string() + " into " + r->caps.to_string());
      {
        std::lock_guard lock(caps_mutex_);
        pending_out_caps_ = r->caps;
        pending_out_.store(true, std::memory_order_release);
      }
      return local(c);
    }
    auto b = buffer::allocate(size);
    if (!b) return b.error();
    return allocation{std::move(b).value(), *want};
  }

  // Other caps than we handle now: find the transform for them and ask downstream.
  auto out = find_transform(c);
  if (!out) return local(c);
  const auto out_size = out->is_equal(c) ? std::optional<std::size_t>(size) : transform_size(pad_direction::sink, c, size, *out);
  if (!out_size) return local(c);
  auto r = srcpad_->alloc_buffer(*out_size, *out);
  if (!r) return r.error();
  if (r->caps.is_equal(*out)) {
    if (out->is_equal(c)) return r;
    return local(c);
  }
  auto want = caps_upstream_can_produce_for(now, r->caps);
  if (!want) return local(c);
  if (want->is_equal(r->caps)) return r;
  auto b = buffer::allocate(size);
  if (!b) return b.error();
  return allocation{std::move(b).value(), *want};
}

// ---------------------------------------------------------------- processing

std::optional<std::size_t> base_transform::output_size(const negotiation& now, std::size_t in_size) {
  if (now.in.is_equal(now.out)) return in_size;
  return transform_size(pad_direction::sink, now.in, in_size, now.out);
}

std::optional<std::size_t> base_transform::output_size(std::size_t in_size) {
  if (cache_valid_ && cached_in_size_ == in_size) return cached_out_size_;
  const auto out = in_caps_.is_equal(out_caps_) ? std::optional<std::size_t>(in_size)
                                                : transform_size(pad_direction::sink, in_caps_, in_size, out_caps_);
  if (out) {
    cached_in_size_ = in_size;
    cached_out_size_ = *out;
    cache_valid_ = true;
  }
  return out;
}

result<buffer> base_transform::allocate_output(const buffer& in, std::size_t out_size) {
  auto r = srcpad_->alloc_buffer(out_size, out_caps_);
  if (!r) return r.error();
  if (!r->caps.is_equal(out_caps_)) {
    if (auto c = handle_downstream_caps_change(r->caps); !c) return c.error();
    const auto new_size = output_size(in.size());
    if (!new_size) return fail(errc::not_negotiated, name() + ": no output size for " + out_caps_.to_string());
    if (r->buffer.size() != *new_size) {
      auto b = buffer::allocate(*new_size);
      if (!b) return b.error();
      return std::move(b).value();
    }
  }
  return std::move(r->buffer);
}

flow base_transform::alloc_failed(const error& e) {
  // Downstream is flushing (a seek, a state change on its way down): the buffer is
  // dropped quietly, as a push would answer flushing; it is not an error.
  if (sinkpad_->flushing() || (srcpad_->peer() && srcpad_->peer()->flushing())) return flow::flushing;
  return fail_flow(errc::no_memory, name() + ": " + e.message);
}

bool base_transform::late(const buffer& b) {
  if (!props().get_bool(prop_qos_)) return false;
  const clock_time earliest = earliest_time_.load(std::memory_order_relaxed);
  if (!is_valid_time(earliest) || !is_valid_time(b.pts)) return false;
  const clock_time rt = sinkpad_->segment().to_running_time(b.pts);
  // As GstBaseTransform: a buffer starting no later than the earliest time the sink
  // reported would reach it late again; skip the work.
  return is_valid_time(rt) && rt <= earliest;
}

flow base_transform::chain(pad&, buffer&& in) {
  if (reconfigure_.exchange(false, std::memory_order_relaxed) && negotiated_) [[unlikely]] {
    if (auto r = set_sink_caps(in_caps_); !r) return fail_flow(errc::not_negotiated, r.error().message, flow::not_negotiated);
  }
  if (pending_out_.load(std::memory_order_acquire)) [[unlikely]] {
    if (auto r = apply_pending_downstream_caps(); !r)
      return fail_flow(errc::not_negotiated, r.error().message, flow::not_negotiated);
  }
  if (!negotiated_) [[unlikely]] {
    // No caps were ever sent (an ANY stream): elements that would pass equal caps
    // through do so; the others cannot work without a format.
    if (passthrough_on_same_caps_ || (!has_transform() && !has_transform_ip())) {
      if (inspect_in_passthrough()) {
        if (const flow f = transform_ip(in); f != flow::ok) return f;
      }
      return srcpad_->push(std::move(in));
    }
    return fail_flow(errc::not_negotiated, "not negotiated: a buffer arrived before any caps", flow::not_negotiated);
  }
  if (late(in)) [[unlikely]] {
    bump(dropped_);
    const clock_time rt = sinkpad_->segment().to_running_time(in.pts);
    message m(message_type::qos, name());
    m.set("processed", static_cast<std::int64_t>(qos_processed()))
        .set("dropped", static_cast<std::int64_t>(qos_dropped()))
        .set("jitter", static_cast<std::int64_t>(earliest_time_.load(std::memory_order_relaxed) - rt))
        .set("proportion", proportion_.load(std::memory_order_relaxed))
        .set("running_time_ns", static_cast<std::int64_t>(rt));
    post(std::move(m));
    return flow::ok;
  }
  bump(processed_);

  if (is_passthrough()) {
    if (probe_downstream_ && !upstream_allocates_.load(std::memory_order_relaxed)) [[unlikely]] {
      // Nobody upstream asks downstream for buffers: ask for a zero-size one to learn
      // whether downstream wants other caps (a resized sink).
      auto r = srcpad_->alloc_buffer(0, out_caps_);
      if (r && !r->caps.is_equal(out_caps_)) {
        if (auto c = handle_downstream_caps_change(r->caps); !c)
          return fail_flow(errc::not_negotiated, c.error().message, flow::not_negotiated);
      }
    }
    if (is_passthrough()) {
      if (inspect_in_passthrough()) {
        if (const flow f = transform_ip(in); f != flow::ok) return f;
      }
      return srcpad_->push(std::move(in));
    }
  }

  if (metadata_only_ && has_transform_ip()) {
    if (const flow f = transform_ip(in); f != flow::ok) return f;
    return srcpad_->push(std::move(in));
  }

  const auto out_size = output_size(in.size());
  if (!out_size)
    return fail_flow(errc::not_negotiated, name() + ": cannot size the output of a " + std::to_string(in.size()) +
                                               "-byte buffer for " + out_caps_.to_string(), flow::not_negotiated);

  if (in_place_ && has_transform_ip() && *out_size <= in.size()) {
    if (in.is_writable() && (static_cast<unsigned>(in.perms()) & static_cast<unsigned>(perm::write))) {
      if (*out_size < in.size()) {
        if (auto r = in.resize(0, *out_size); !r) return fail_flow(errc::invalid_argument, r.error().message);
      }
      if (const flow f = transform_ip(in); f != flow::ok) return f;
      return srcpad_->push(std::move(in));
    }
    // Not ours to write: an output buffer from downstream, the data copied in.
    auto out = allocate_output(in, *out_size);
    if (!out) return alloc_failed(out.error());
    {
      auto src_map = in.map(map_access::read);
      auto dst_map = out->map(map_access::write);
      if (!src_map || !dst_map) return fail_flow(errc::invalid_argument, name() + ": cannot map buffers for an in-place copy");
      counted_copy(dst_map->data(), src_map->data(), std::min(dst_map->size(), src_map->size()));
    }
    out->copy_metadata_from(in);
    if (const flow f = transform_ip(*out); f != flow::ok) return f;
    return srcpad_->push(std::move(*out));
  }

  if (!has_transform())
    return fail_flow(errc::not_negotiated, name() + " cannot transform " + in_caps_.to_string() + " into " +
                                               out_caps_.to_string(), flow::not_negotiated);
  auto out = allocate_output(in, *out_size);
  if (!out) return alloc_failed(out.error());
  out->copy_metadata_from(in);
  if (const flow f = transform(in, *out); f != flow::ok) return f;
  return srcpad_->push(std::move(*out));
}

bool base_transform::event(pad& p, core::event ev) {
  if (&p == sinkpad_) {
    if (auto* c = ev.get<event_caps>()) {
      if (!accept_caps(p, c->caps)) {
        // The subclass's own reason says more than "does not accept" (a crop
        // larger than the frame), when it has one.
        auto why = check_input_caps(c->caps);
        post_error(errc::not_negotiated,
                   why ? name() + " does not accept caps " + c->caps.to_string() : why.error().message);
        return false;
      }
      p.set_current_caps(c->caps);
      if (auto r = set_sink_caps(c->caps); !r) {
        post_error(errc::not_negotiated, r.error().message);
        return false;
      }
      return true;
    }
    if (ev.is<event_flush_stop>()) earliest_time_.store(time_none, std::memory_order_relaxed);
    return element::event(p, std::move(ev));
  }
  if (auto* q = ev.get<event_qos>()) {
    if (props().get_bool(prop_qos_)) {
      proportion_.store(q->report.proportion, std::memory_order_relaxed);
      earliest_time_.store(q->report.timestamp + q->report.diff, std::memory_order_relaxed);
    }
  }
  if (ev.is<event_reconfigure>()) reconfigure();
  return element::event(p, std::move(ev));
}

state_change base_transform::change_state(state from, state to) {
  if (from == state::ready && to == state::paused) {
    {
      std::lock_guard lock(caps_mutex_);
      negotiated_ = false;
      pending_out_caps_.reset();
      pending_out_.store(false, std::memory_order_relaxed);
    }
    upstream_allocates_.store(false, std::memory_order_relaxed);
    earliest_time_.store(time_none, std::memory_order_relaxed);
    proportion_.store(1.0, std::memory_order_relaxed);
    processed_.store(0, std::memory_order_relaxed);
    dropped_.store(0, std::memory_order_relaxed);
  }
  return element::change_state(from, to);
}

}  // namespace tessera::core
