#include "core/elements/routing/tee.hpp"

#include "core/graph/element_factory.hpp"

#include <algorithm>

namespace tessera::core {

std::unique_ptr<element_factory> tee::factory() {
  auto num_pads = int_property("num-src-pads", "The number of source pads", 0, 0, INT64_MAX);
  num_pads.writable = false;
  return make_factory<tee>(
      "tee", "Tee pipe fitting", "Generic", "1-to-N pipe fitting: every buffer goes to every output, zero copy",
      {pad_template{"sink", pad_direction::sink, pad_presence::always, caps::new_any()},
       pad_template{"src_%u", pad_direction::src, pad_presence::request, caps::new_any()}},
      {std::move(num_pads),
       bool_property("allow-not-linked", "Return ok even if there are no source pads or they are all unlinked",
                     false)});
}

tee::tee(const element_factory& f, std::string name)
    : element(f, std::move(name)),
      prop_num_src_pads_(property_index("num-src-pads")),
      prop_allow_not_linked_(property_index("allow-not-linked")) {}

result<pad*> tee::request_pad(pad_direction d, std::string_view name_hint) {
  auto r = element::request_pad(d, name_hint);
  if (r && d == pad_direction::src) {
    std::int64_t n = 0;
    for (auto& p : pads())
      if (p->direction() == pad_direction::src) ++n;
    mutable_props().set(prop_num_src_pads_, property_value{n});
  }
  return r;
}

flow tee::chain(pad&, buffer&& b) {
  // The last linked output that still takes data gets the buffer itself, the others shares.
  pad* last = nullptr;
  std::size_t outputs = 0;
  for (auto& p : pads())
    if (p->direction() == pad_direction::src && p->is_linked() && !is_done(*p)) {
      ++outputs;
      last = p.get();
    }
  if (outputs == 0) {
    if (any_linked_output()) return flow::eos;  // every branch said eos
    return props().get_bool(prop_allow_not_linked_) ? flow::ok : flow::not_linked;
  }
  // Several owners of the same memory now: nobody may write it in place.
  if (outputs > 1) b.set_perms(b.perms() & ~perm::write);
  flow combined = flow::eos;
  bool first = true;
  for (auto& p : pads()) {
    if (p->direction() != pad_direction::src || !p->is_linked() || is_done(*p)) continue;
    const flow f = p.get() == last ? p->push(std::move(b)) : p->push(b.share());
    if (f == flow::error || f == flow::not_negotiated || f == flow::flushing) return f;  // fatal: stop here
    if (f == flow::eos) mark_done(*p);
    combined = first ? f : combine_fanout(combined, f);
    first = false;
    if (p.get() == last) break;
  }
  if (combined == flow::eos) return any_output_left() ? flow::ok : flow::eos;
  if (combined == flow::not_linked && props().get_bool(prop_allow_not_linked_)) return flow::ok;
  return combined;
}

bool tee::is_done(const pad& p) const {
  if (!any_done_.load(std::memory_order_relaxed)) return false;
  std::lock_guard lock(done_mutex_);
  return std::find(done_.begin(), done_.end(), &p) != done_.end();
}

void tee::mark_done(const pad& p) {
  std::lock_guard lock(done_mutex_);
  done_.push_back(&p);
  any_done_.store(true, std::memory_order_relaxed);
}

void tee::reset_done() {
  std::lock_guard lock(done_mutex_);
  done_.clear();
  any_done_.store(false, std::memory_order_relaxed);
}

bool tee::any_linked_output() const {
  for (auto& p : pads())
    if (p->direction() == pad_direction::src && p->is_linked()) return true;
  return false;
}

bool tee::any_output_left() const {
  for (auto& p : pads())
    if (p->direction() == pad_direction::src && p->is_linked() && !is_done(*p)) return true;
  return false;
}

bool tee::event(pad& p, core::event ev) {
  if (p.direction() == pad_direction::src) return element::event(p, std::move(ev));  // upstream: seek, qos
  const bool is_caps = ev.is<event_caps>();
  if (auto* c = ev.get<event_caps>()) {
    if (!accept_caps(p, c->caps)) {
      post_error(errc::not_negotiated, name() + " does not accept caps " + c->caps.to_string() +
                                           " (not every branch takes them)");
      return false;
    }
    p.set_current_caps(c->caps);
  }
  if (ev.is<event_flush_stop>()) reset_done();
  // Caps must reach every branch; other events count as delivered when one took them.
  bool all = true;
  bool any = false;
  bool linked = false;
  for (auto& out : pads()) {
    if (out->direction() != pad_direction::src || !out->is_linked()) continue;
    linked = true;
    const bool ok = out->push_event(ev);
    all = all && ok;
    any = any || ok;
  }
  if (!linked) return true;
  return is_caps ? all : any;
}

pad* tee::single_linked_output() const noexcept {
  pad* found = nullptr;
  for (auto& p : pads())
    if (p->direction() == pad_direction::src && p->is_linked()) {
      if (found) return nullptr;
      found = p.get();
    }
  return found;
}

result<allocation> tee::buffer_alloc(pad& sinkpad, std::size_t size, const caps& c) {
  (void)sinkpad;
  if (pad* out = single_linked_output()) return out->alloc_buffer(size, c);
  // Several branches: none of them may pick the memory or the format for all.
  auto b = buffer::allocate(size);
  if (!b) return b.error();
  return allocation{std::move(b).value(), c};
}

bool tee::may_change_caps_on_alloc(const pad& sinkpad) const {
  if (sinkpad.direction() != pad_direction::sink) return false;
  pad* out = single_linked_output();
  return out && out->peer()->parent().may_change_caps_on_alloc(*out->peer());
}

state_change tee::change_state(state from, state to) {
  if (from == state::ready && to == state::paused) reset_done();
  return element::change_state(from, to);
}

}  // namespace tessera::core
