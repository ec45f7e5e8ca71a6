#include "core/graph/element.hpp"

#include "core/graph/element_factory.hpp"
#include "core/graph/pipeline.hpp"
#include "core/threads/streaming_pool.hpp"
#include "core/graph/runtime.hpp"

#include <spdlog/spdlog.h>

#include <cassert>
#include <charconv>
#include <stdexcept>

namespace tessera::core {

element::element(const element_factory& factory, std::string name)
    : factory_(&factory), name_(std::move(name)), props_(factory.properties) {
  // Elements stream on their registry's runtime (the wakeups of subclasses bind to its
  // executor as they are constructed), so a factory must be in a registry.
  if (factory.registry == nullptr)
    throw std::logic_error("element \"" + name_ + "\": factory \"" + factory.name + "\" is in no registry");
  // Always-pads come from the templates; request pads on demand.
  for (auto& t : factory.pad_templates)
    if (t.presence == pad_presence::always) add_pad(t.name_template, t);
  for (std::size_t i = 0; i < factory.properties.size(); ++i)
    if (factory.properties[i].name == "name") props_.set(i, property_value{name_});
}

element::~element() = default;

pad& element::add_pad(std::string name, const pad_template& tmpl) {
  pads_.push_back(std::make_unique<pad>(*this, std::move(name), tmpl));
  return *pads_.back();
}

pad* element::find_pad(std::string_view n) const noexcept {
  for (auto& p : pads_)
    if (p->name() == n) return p.get();
  return nullptr;
}

pad* element::static_pad(pad_direction d) const noexcept {
  for (auto& p : pads_)
    if (p->direction() == d) return p.get();
  return nullptr;
}

bool element::is_sink() const noexcept {
  for (auto& t : factory_->pad_templates)
    if (t.direction == pad_direction::src) return false;
  return true;
}

bool element::is_source() const noexcept {
  for (auto& t : factory_->pad_templates)
    if (t.direction == pad_direction::sink) return false;
  return true;
}

result<pad*> element::request_pad(pad_direction d, std::string_view name_hint) {
  if (!name_hint.empty()) {
    if (pad* p = find_pad(name_hint)) {
      if (p->direction() != d)
        return fail(errc::invalid_argument, name_ + " has no " + std::string(to_string(d)) + " pad \"" +
                                                std::string(name_hint) + "\"");
      return p;
    }
  } else {
    for (auto& p : pads_)
      if (p->direction() == d && !p->is_linked()) return p.get();
  }
  for (auto& t : factory_->pad_templates) {
    if (t.direction != d || t.presence != pad_presence::request) continue;
    const auto pct = t.name_template.find("%u");
    if (pct == std::string::npos) continue;
    const std::string prefix = t.name_template.substr(0, pct);
    std::string name;
    if (!name_hint.empty()) {
      unsigned idx = 0;
      const auto digits = name_hint.substr(std::min(prefix.size(), name_hint.size()));
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), idx);
      if (name_hint.substr(0, prefix.size()) != prefix || ec != std::errc() || ptr != digits.data() + digits.size())
        continue;
      name = std::string(name_hint);
    } else {
      for (unsigned i = 0;; ++i) {
        name = prefix + std::to_string(i);
        if (!find_pad(name)) break;
      }
    }
    return &add_pad(std::move(name), t);
  }
  if (!name_hint.empty())
    return fail(errc::not_found, name_ + " has no " + std::string(to_string(d)) + " pad \"" + std::string(name_hint) + "\"");
  return fail(errc::not_found, name_ + " has no free " + std::string(to_string(d)) + " pad");
}

std::size_t element::property_index(std::string_view n) const {
  for (std::size_t i = 0; i < factory_->properties.size(); ++i)
    if (factory_->properties[i].name == n) return i;
  assert(false && "unknown property name in element code");
  return 0;
}

result<void> element::set_property(std::string_view n, const property_value& v) {
  const auto& specs = factory_->properties;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const auto& spec = specs[i];
    if (spec.name != n) continue;
    if (!spec.writable) return fail(errc::invalid_argument, name_ + ": property \"" + spec.name + "\" is read-only");
    const state s = current_state();
    const bool allowed = spec.mutable_in == mutability::playing ||
                         (spec.mutable_in == mutability::paused && s <= state::paused) ||
                         (spec.mutable_in == mutability::ready && s <= state::ready) ||
                         (spec.mutable_in == mutability::construct_only && s == state::null_state && pipeline_ == nullptr);
    if (!allowed)
      return fail(errc::bad_state, name_ + ": property \"" + spec.name + "\" cannot change in state " +
                                       std::string(to_string(s)) + " (changeable up to " +
                                       std::string(to_string(spec.mutable_in)) + ")");
    auto checked = coerce_property_value(spec, v, name_);
    if (!checked) return checked.error();
    if (auto ok = check_property(i, *checked); !ok) return ok.error();
    props_.set(i, *checked);
    if (spec.name == "name") name_ = std::get<std::string>(*checked);
    property_changed(i);
    return {};
  }
  return fail(errc::not_found, name_ + ": no property \"" + std::string(n) + "\" (factory " + factory_->name + ")");
}

result<void> element::set_property_from_string(std::string_view n, std::string_view text) {
  const auto* spec = factory_->find_property(n);
  if (!spec) return fail(errc::not_found, name_ + ": no property \"" + std::string(n) + "\" (factory " + factory_->name + ")");
  auto v = parse_property_value(*spec, text, name_);
  if (!v) return v.error();
  return set_property(n, *v);
}

result<property_value> element::get_property(std::string_view n) const {
  const auto& specs = factory_->properties;
  for (std::size_t i = 0; i < specs.size(); ++i)
    if (specs[i].name == n) return props_.get(i);
  return fail(errc::not_found, name_ + ": no property \"" + std::string(n) + "\" (factory " + factory_->name + ")");
}

state_change element::set_state_step(state next) {
  const state from = current_state();
  if (from == next) return state_change::success;
  // The new state is visible before the element acts on it, so a task woken by the
  // change (a live source, a prerolled sink) sees where it is going.
  state_.store(next, std::memory_order_release);
  const state_change r = change_state(from, next);
  if (r == state_change::failure) state_.store(from, std::memory_order_release);
  if (r == state_change::async) async_from_ = from;
  // Always on the bus, as gst-launch -m shows them; the server forwards an element's
  // state changes only to the clients that asked for them.
  if (r == state_change::success || r == state_change::no_preroll) post(state_changed_message(name_, from, next, next));
  return r;
}

void element::post_async_state_changed() {
  const state now = current_state();
  post(state_changed_message(name_, async_from_, now, now));
}

state_change element::change_state(state from, state to) {
  if (from == state::ready && to == state::paused) {
    if (auto r = activate_pads(true); !r) {
      post_error(errc::not_negotiated, r.error().message);
      return state_change::failure;
    }
  } else if (from == state::paused && to == state::ready) {
    (void)activate_pads(false);
  }
  return state_change::success;
}

result<void> element::activate_pads(bool active) {
  for (auto& p : pads_) {
    pad_mode m = pad_mode::none;
    if (active) {
      if (p->direction() == pad_direction::sink) {
        pad* peer = p->peer();
        m = (wants_pull(*p) && peer && peer->parent().supports_pull(*peer)) ? pad_mode::pull : pad_mode::push;
        if (peer) peer->set_mode(m);  // downstream decides the mode of the link
      } else {
        // Set by the downstream element (activated first); unlinked pads push.
        m = p->mode() == pad_mode::none ? pad_mode::push : p->mode();
      }
      p->set_flushing(false);
    } else {
      p->set_flushing(true);
    }
    p->set_mode(m);
    if (auto r = activate_pad(*p, m); !r) return r;
    if (!active) {
      p->clear_current_caps();
      p->set_eos(false);
    }
  }
  return {};
}

flow element::chain(pad& sinkpad, buffer&& b) {
  // Default: pass the buffer to the single source pad (pass-through elements).
  (void)sinkpad;
  pad* src = static_pad(pad_direction::src);
  return src ? src->push(std::move(b)) : flow::ok;
}

bool element::event(pad& p, core::event ev) {
  if (p.direction() == pad_direction::sink) {
    if (auto* c = ev.get<event_caps>()) {
      if (!accept_caps(p, c->caps)) {
        post_error(errc::not_negotiated, name_ + " does not accept caps " + c->caps.to_string());
        return false;
      }
      p.set_current_caps(c->caps);
    }
    bool ok = true;
    bool any = false;
    for (auto& out : pads_)
      if (out->direction() == pad_direction::src) {
        any = true;
        ok = out->push_event(ev) && ok;
      }
    return any ? ok : true;
  }
  // Upstream event on a source pad: forward through the sink pads.
  bool handled = false;
  for (auto& in : pads_)
    if (in->direction() == pad_direction::sink) handled = in->push_event(ev) || handled;
  return handled;
}

latency_info element::query_latency(pad&) {
  std::optional<latency_info> r;
  for (auto& in : pads_) {
    if (in->direction() != pad_direction::sink || !in->peer()) continue;
    pad& up = *in->peer();
    const latency_info l = up.parent().query_latency(up);
    r = r ? r->combined_with(l) : l;
  }
  return r.value_or(latency_info{});
}

bool element::send_event(core::event ev) {
  bool handled = false;
  const pad_direction out = ev.is_upstream() ? pad_direction::sink : pad_direction::src;
  for (auto& p : pads_)
    if (p->direction() == out) handled = p->push_event(ev) || handled;
  return handled;
}

std::optional<std::int64_t> element::query_duration(seek_format format) const {
  for (auto& in : pads_)
    if (in->direction() == pad_direction::sink && in->peer())
      if (auto d = in->peer()->parent().query_duration(format)) return d;
  return std::nullopt;
}

flow element::getrange(pad&, std::uint64_t, std::size_t, buffer&) { return flow::not_linked; }

bool element::supports_pull(const pad&) const { return false; }

bool element::may_change_caps_on_alloc(const pad& sinkpad) const {
  if (!proxies_caps() || sinkpad.direction() != pad_direction::sink) return false;
  const pad* src = static_pad(pad_direction::src);
  return src && src->peer() && src->peer()->parent().may_change_caps_on_alloc(*src->peer());
}

result<allocation> element::buffer_alloc(pad& sinkpad, std::size_t size, const caps& c) {
  if (proxies_caps()) {
    // Pass-through elements let the allocation (and any renegotiation) come from downstream.
    if (pad* src = static_pad(pad_direction::src); src && src->is_linked() && sinkpad.direction() == pad_direction::sink)
      return src->alloc_buffer(size, c);
  }
  auto b = buffer::allocate(size);
  if (!b) return b.error();
  return allocation{std::move(b).value(), c};
}

caps element::query_caps(pad& p, const caps* filter) {
  caps result = p.templ().caps;
  if (proxies_caps()) {
    const pad_direction other = p.direction() == pad_direction::src ? pad_direction::sink : pad_direction::src;
    for (auto& q : pads_)
      if (q->direction() == other && q->is_linked()) result = result.intersect(q->peer_query_caps(&result));
  }
  // The caller's caps first: their order is the caller's (upstream's) preference.
  return filter ? filter->intersect(result, intersect_mode::first) : result;
}

bool element::accept_caps(pad& p, const caps& c) {
  const caps allowed = query_caps(p, nullptr);
  return c.is_subset(allowed) || (c.is_fixed() && allowed.can_intersect(c));
}

std::uint64_t element::buffers_in() const noexcept {
  std::uint64_t n = 0;
  for (auto& p : pads_)
    if (p->direction() == pad_direction::sink) n += p->counters().buffers.load(std::memory_order_relaxed);
  return n;
}

std::uint64_t element::buffers_out() const noexcept {
  std::uint64_t n = 0;
  for (auto& p : pads_)
    if (p->direction() == pad_direction::src) n += p->counters().buffers.load(std::memory_order_relaxed);
  return n;
}

void element::post(message m) {
  if (pipeline_) {
    pipeline_->handle_message(*this, std::move(m));
  } else if (m.type == message_type::error) {
    spdlog::error("{}: {}", name_, m.get_string("message").value_or(""));
  }
}

namespace {
/// `text` without leading "<name>: ". The message's source names the element, and
/// whoever shows the message (launch's "ERROR from element X: ...", the REST and RPC
/// bus) prints the source beside the text; many errors are written for a result first
/// (name + ": ...") and posted as they are, which would show the name twice.
std::string without_source_prefix(std::string text, const std::string& name) {
  const std::string prefix = name + ": ";
  while (!name.empty() && text.size() > prefix.size() && text.starts_with(prefix)) text.erase(0, prefix.size());
  return text;
}
}  // namespace

void element::post_error(errc code, std::string text) {
  message m(message_type::error, name_);
  m.set("message", without_source_prefix(std::move(text), name_));
  m.set("code", std::string(make_error_code(code).message()));
  post(std::move(m));
}

void element::post_warning(std::string text) {
  message m(message_type::warning, name_);
  m.set("message", without_source_prefix(std::move(text), name_));
  post(std::move(m));
}

flow element::fail_flow(errc code, std::string text, flow f) {
  post_error(code, std::move(text));
  return f;
}

bool element::refuse_seek(const seek_request& r, std::string why) {
  post_warning(why);
  if (pipeline_) pipeline_->note_seek_refusal(*this, r.seqnum, std::move(why));
  return false;
}

std::string element::stream_id() const { return pipeline_ ? pipeline_->name() + "/" + name_ : name_; }

core::runtime& element::runtime() const noexcept { return factory_->registry->runtime(); }

boost::asio::any_io_executor element::executor() const { return runtime().executor(); }

clock_time element::running_time_now() const { return pipeline_ ? pipeline_->running_time_now() : time_none; }

clock_time element::base_time() const { return pipeline_ ? pipeline_->base_time() : 0; }

const property_spec* element_factory::find_property(std::string_view n) const noexcept {
  for (auto& p : properties)
    if (p.name == n) return &p;
  return nullptr;
}

const pad_template* element_factory::find_template(std::string_view n) const noexcept {
  for (auto& t : pad_templates)
    if (t.name_template == n) return &t;
  return nullptr;
}

}  // namespace tessera::core
