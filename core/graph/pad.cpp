#include "core/graph/pad.hpp"

#include "core/graph/element.hpp"
#include "core/graph/pipeline.hpp"

#include <optional>

namespace tessera::core {

std::string_view to_string(pad_direction d) noexcept { return d == pad_direction::src ? "src" : "sink"; }

std::string_view to_string(pad_presence p) noexcept {
  switch (p) {
    case pad_presence::always: return "always";
    case pad_presence::request: return "request";
    case pad_presence::sometimes: return "sometimes";
  }
  return "unknown";
}

std::string_view to_string(pad_mode m) noexcept {
  switch (m) {
    case pad_mode::none: return "none";
    case pad_mode::push: return "push";
    case pad_mode::pull: return "pull";
  }
  return "unknown";
}

pad::pad(element& parent, std::string name, const pad_template& tmpl)
    : parent_(&parent), name_(std::move(name)), template_(&tmpl) {}

std::string pad::full_name() const { return parent_->name() + "." + name_; }

flow pad::deliver_buffer(pad& sink, buffer&& b) { return sink.parent_->chain(sink, std::move(b)); }

void pad::update_link_masks() {
  // Called on the source pad of a link.
  strip_perms_ = 0;
  need_perms_ = 0;
  need_writable_ = false;
  need_align_ = false;
  if (!peer_) return;
  strip_perms_ = static_cast<unsigned>(template_->rej_perms) | static_cast<unsigned>(peer_->template_->rej_perms);
  need_perms_ = static_cast<unsigned>(peer_->template_->min_perms);
  need_writable_ = (need_perms_ & static_cast<unsigned>(perm::write)) != 0;
  need_align_ = (need_perms_ & static_cast<unsigned>(perm::align)) != 0;
}

namespace {
bool data_aligned(const buffer& b) noexcept {
  for (const memory& m : b.memories())
    if (reinterpret_cast<std::uintptr_t>(m.data()) % perm_align_bytes != 0) return false;
  return true;
}
}  // namespace

flow pad::enforce_perms(buffer& b) {
  auto perms = static_cast<unsigned>(b.perms());
  perms &= ~strip_perms_;
  const unsigned missing = need_perms_ & ~perms;
  if (need_align_ && !data_aligned(b)) {
    // Unaligned data (e.g. a cropped sub-region) for a pad that needs aligned access:
    // an aligned deep copy, which is also writable. Aligned data is granted ALIGN
    // without a copy, whatever the flag said.
    auto copy = b.deep_copy();
    if (!copy) return parent_->fail_flow(errc::no_memory, "aligned copy for " + peer_->full_name() + " failed: " + copy.error().message);
    buffer aligned = std::move(copy).value();
    aligned.pts = b.pts;
    aligned.dts = b.dts;
    aligned.duration = b.duration;
    aligned.offset = b.offset;
    aligned.offset_end = b.offset_end;
    aligned.flags = b.flags;
    b = std::move(aligned);
  } else if (need_writable_ && !b.is_writable()) {
    // WRITE: the receiver may modify the data, so it must be the only owner of every
    // memory it would touch: copy only the shared ones (make_writable).
    if (auto r = b.make_writable(); !r)
      return parent_->fail_flow(r.error().code == make_error_code(errc::no_memory) ? errc::no_memory : errc::invalid_argument,
                                "could not make a writable buffer for " + peer_->full_name() + ": " + r.error().message);
  }
  // PRESERVE: memory is copy-on-write, so nobody upstream can change data we hold a
  // reference to; REUSE/REUSE2 on a reference we now own alone hold as well. READ
  // always holds. They are granted without a copy.
  perms |= missing;
  perms &= ~strip_perms_;
  b.set_perms(static_cast<perm>(perms));
  return flow::ok;
}

bool pad::push_event(event ev) {
  if (ev.is<event_caps>()) {
    if (direction() == pad_direction::src) set_current_caps(ev.get<event_caps>()->caps);
  } else if (ev.is<event_segment>()) {
    std::lock_guard lock(caps_mutex_);
    segment_ = ev.get<event_segment>()->segment;
  } else if (ev.is<event_eos>() && direction() == pad_direction::src) {
    set_eos(true);
  } else if (ev.is<event_flush_stop>() && direction() == pad_direction::src) {
    set_eos(false);
  }
  pad* p = peer_;
  if (!p) return false;
  if (ev.is<event_flush_start>()) {
    p->set_flushing(true);
  } else if (ev.is<event_flush_stop>()) {
    p->set_flushing(false);
    p->set_eos(false);
  } else if (ev.is_serialized() && p->flushing()) {
    return false;
  }
  if (ev.is<event_segment>()) {
    std::lock_guard lock(p->caps_mutex_);
    p->segment_ = ev.get<event_segment>()->segment;
  } else if (ev.is<event_eos>()) {
    p->set_eos(true);
  }
  return p->parent_->event(*p, std::move(ev));
}

flow pad::pull_range(std::uint64_t offset, std::size_t size, buffer& out) {
  pad* p = peer_;
  if (!p) return flow::not_linked;
  if (flushing()) return flow::flushing;
  const flow f = p->parent_->getrange(*p, offset, size, out);
  if (f == flow::ok) {
    counters_.add(out.size());
    p->counters_.add(out.size());
  }
  return f;
}

result<allocation> pad::alloc_buffer(std::size_t size, const caps& c) {
  pad* p = peer_;
  if (!p) {
    auto b = buffer::allocate(size);
    if (!b) return b.error();
    return allocation{std::move(b).value(), c};
  }
  if (p->flushing()) return fail(errc::bad_state, p->full_name() + " is flushing");
  return p->parent_->buffer_alloc(*p, size, c);
}

caps pad::query_caps(const caps* filter) { return parent_->query_caps(*this, filter); }

caps pad::peer_query_caps(const caps* filter) {
  if (!peer_) {
    // Unlinked: anything the template allows.
    return filter ? filter->intersect(template_->caps, intersect_mode::first) : template_->caps;
  }
  return peer_->query_caps(filter);
}

bool pad::accept_caps(const caps& c) { return parent_->accept_caps(*this, c); }

bool pad::peer_accept_caps(const caps& c) { return peer_ ? peer_->accept_caps(c) : true; }

caps pad::current_caps() const {
  std::lock_guard lock(caps_mutex_);
  return caps_;
}

bool pad::has_current_caps() const {
  std::lock_guard lock(caps_mutex_);
  return has_caps_;
}

void pad::set_current_caps(caps c) {
  pipeline* observer = parent_->parent();
  if (observer && !observer->observes_caps()) observer = nullptr;
  std::optional<caps> changed;
  {
    std::lock_guard lock(caps_mutex_);
    if (observer && (!has_caps_ || !(caps_ == c))) changed = c;
    caps_ = std::move(c);
    has_caps_ = true;
  }
  if (changed) observer->notify_caps(*this, *changed);
}

void pad::clear_current_caps() {
  std::lock_guard lock(caps_mutex_);
  caps_ = caps{};
  has_caps_ = false;
}

segment pad::segment() const {
  std::lock_guard lock(caps_mutex_);
  return segment_;
}

result<void> link(pad& src, pad& sink) {
  if (src.direction() != pad_direction::src || sink.direction() != pad_direction::sink)
    return fail(errc::invalid_argument, "could not link " + src.full_name() + " to " + sink.full_name() +
                                            ": wrong pad directions");
  if (src.peer_ || sink.peer_)
    return fail(errc::bad_state, "could not link " + src.full_name() + " to " + sink.full_name() + ": " +
                                     (src.peer_ ? src.full_name() : sink.full_name()) + " is already linked");
  const caps upstream = src.query_caps();
  const caps downstream = sink.query_caps();
  if (!upstream.can_intersect(downstream))
    return fail(errc::not_negotiated, "could not link " + src.parent().name() + " to " + sink.parent().name() +
                                          ": no common caps (" + upstream.to_string() + " vs " +
                                          downstream.to_string() + ")");
  src.peer_ = &sink;
  sink.peer_ = &src;
  src.update_link_masks();
  return {};
}

void unlink(pad& src, pad& sink) {
  if (src.peer_ != &sink) return;
  src.peer_ = nullptr;
  sink.peer_ = nullptr;
  src.update_link_masks();
}

}  // namespace tessera::core
